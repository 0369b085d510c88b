import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { prepareImages } from './toolchains-matrix.ts';
import { failureAttachment } from './support.ts';

/**
 * RFC 7507 on Debian's stock receivers: a TLS 1.2 hello marked as a fallback is refused by a server that speaks
 * TLS 1.3, and accepted by one limited to TLS 1.2. The server's own log line is classified from what it says.
 */
const CASES: { receiver: string; code: string }[] = [
  { receiver: 'debian-bullseye', code: '14209175' },
  { receiver: 'debian-bookworm', code: '0A000175' },
  { receiver: 'debian-trixie', code: '0A000175' },
];

const root = join(import.meta.dirname, '../..');

describe.each(CASES)('TLS_FALLBACK_SCSV against $receiver', ({ receiver, code }) => {
  it('refused with "inappropriate fallback" while TLS 1.3 is on, accepted at TLS 1.2 once it is off', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', receiver]);
    const scenario = defineScenario({
      name: `fallback-scsv-${receiver}`,
      receiver: { toolchain: receiver, mainCf: { smtpd_tls_loglevel: '1' } },
      senders: [
        { name: 'retry', profile: 'tls12-fallback-scsv', expect: { outcome: 'handshake-failed', serverError: 'inappropriate fallback', failureClass: 'inappropriate-fallback' } },
        { name: 'plain-tls12', profile: 'tls12-only', expect: { outcome: 'tls', protocol: 'TLSv1.2' } },
      ],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.failure !== undefined);
    expect(failed.map((s) => [s.failure?.class, s.failure?.opensslError?.code])).toEqual([['inappropriate-fallback', code]]);
    expect(await leftovers(result.runId)).toEqual([]);

    const capped = defineScenario({
      name: `fallback-scsv-${receiver}-tls12`,
      receiver: { toolchain: receiver, mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3, !TLSv1.3', smtpd_tls_mandatory_protocols: '!SSLv2, !SSLv3, !TLSv1.3' } },
      senders: [{ name: 'retry', profile: 'tls12-fallback-scsv', expect: { outcome: 'tls', protocol: 'TLSv1.2' } }],
    });
    const accepted = await runScenario({ scenario: capped, dir: root });
    onTestFailed(() => console.error(failureAttachment(accepted)));
    expect(accepted.error).toBeUndefined();
    expect(accepted.senders.map((s) => s.held)).toEqual([true]);
  });
});
