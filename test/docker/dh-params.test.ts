import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { clientErrorOf, failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/** The receiver's code for the alert the client sends; OpenSSL 3.5 spells it `ssl/tls alert handshake failure`. */
const RECEIVERS: { receiver: string; alert: string; reason: string }[] = [
  { receiver: 'debian-bullseye', alert: '14094410', reason: 'sslv3 alert handshake failure' },
  { receiver: 'debian-bookworm', alert: '0A000410', reason: 'sslv3 alert handshake failure' },
  { receiver: 'debian-trixie', alert: '0A000410', reason: 'ssl/tls alert handshake failure' },
];

/** Each sending Postfix at level 2 logs its own library's `dh key too small`, then delivers in plaintext. */
const LEVEL2_SENDERS: Record<string, string> = {
  'postfix-37-level2': 'error:0A00018A:SSL routines::dh key too small:',
  'postfix-35-level2': 'error:141A318A:SSL routines:tls_process_ske_dhe:dh key too small:',
  'postfix-310-level2': 'error:0A00018A:SSL routines::dh key too small:',
};

describe.each(RECEIVERS)('a 1024-bit DHE group on $receiver', ({ receiver, alert, reason }) => {
  it('is refused by clients at security level 2 with "dh key too small", and accepted at level 1 and by Postfix at its default', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', 'debian-bullseye', 'debian-trixie']);
    const loaded = await loadScenarioFile('test/fixtures/scenarios/dh1024.yaml', root);
    const scenario = { ...loaded.scenario, name: `dh1024-${receiver}`, receiver: { ...loaded.scenario.receiver, toolchain: receiver } };
    const result = await runScenario({ ...loaded, scenario });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(clientErrorOf(result, 'openssl-30')).toMatch(/^error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small:/);
    expect(clientErrorOf(result, 'openssl-111')).toMatch(/^error:141A318A:SSL routines:tls_process_ske_dhe:dh key too small:/);

    // The server sees only the client's alert, for every client that refused the group.
    const serverFailures = readSessions(result.receiver.log).sessions.filter((s) => s.failure !== undefined);
    expect(serverFailures.length).toBeGreaterThanOrEqual(2);
    for (const session of serverFailures) {
      expect(session.failure?.class).toBe('peer-aborted');
      expect(session.failure?.opensslError?.code).toBe(alert);
      expect(session.failure?.opensslError?.reason).toBe(reason);
    }

    // The sending Postfix's own log: the client side of the same refusal, classified from its library's line.
    for (const [name, error] of Object.entries(LEVEL2_SENDERS)) {
      const log = result.senders.find((s) => s.name === name)?.transcript.split('\n') ?? [];
      const failed = readSessions(log).sessions.filter((s) => s.failure !== undefined);
      expect(failed.length, name).toBeGreaterThanOrEqual(1);
      for (const session of failed) {
        expect(session.failure?.class, name).toBe('dh-key-too-small');
        expect(session.failure?.evidence.join('\n'), name).toContain(error);
      }
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
