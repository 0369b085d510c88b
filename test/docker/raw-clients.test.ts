import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { RawAction } from '../../lab/scenario/schema.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

/** What each misbehaviour after STARTTLS makes a stock Debian receiver log, and how the lab classifies it. */
const ACTIONS: { action: RawAction; failureClass: string; serverError: string }[] = [
  { action: 'plaintext-smtp', failureClass: 'plaintext-after-starttls', serverError: 'wrong version number' },
  { action: 'http-request', failureClass: 'plaintext-after-starttls', serverError: 'http request' },
  { action: 'sslv2-hello', failureClass: 'unknown-protocol', serverError: 'unknown protocol' },
  { action: 'close', failureClass: 'unexpected-eof', serverError: 'lost connection' },
  { action: 'stall', failureClass: 'timeout', serverError: 'Connection timed out' },
  { action: 'truncated-hello', failureClass: 'unexpected-eof', serverError: 'lost connection' },
  { action: 'unexpected-message', failureClass: 'protocol-violation', serverError: 'unexpected message' },
  // packet length too long on OpenSSL 1.1.1 and 3.0, data length too long on 3.5
  { action: 'oversized-record', failureClass: 'protocol-violation', serverError: 'length too long' },
  { action: 'malformed-hello', failureClass: 'protocol-violation', serverError: 'length mismatch' },
];

describe.each(['debian-bullseye', 'debian-bookworm', 'debian-trixie'])('raw senders against %s', (receiver) => {
  it('each misbehaviour after STARTTLS gives its server error and failure class', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', receiver]);
    const scenario = defineScenario({
      name: `raw-${receiver}`,
      receiver: { toolchain: receiver, mainCf: { smtpd_tls_loglevel: '1', smtpd_starttls_timeout: '3s' } },
      senders: ACTIONS.map(({ action, failureClass, serverError }) => ({
        name: action,
        client: 'raw' as const,
        afterStarttls: action,
        expect: { outcome: 'handshake-failed' as const, failureClass, serverError, fate: 'not-sent' as const },
      })),
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
