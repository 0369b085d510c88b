import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

/**
 * A client that starts TLS at once (an SMTPS client pointed at port 25 or 587) sends its hello where Postfix
 * expects a command: Postfix logs `improper command pipelining after CONNECT` with the hello's first bytes, and
 * no TLS error at all. The lab classifies it as `implicit-tls`.
 *
 * Postfix logs the pipelining only when the hello has arrived by the time smtpd looks for early input. The client
 * writes it right after connecting, so it nearly always has; on a busy machine it sometimes comes later, and the log
 * shows just `lost connection after CONNECT`. A second and third run tell that race from a real regression.
 */
describe.each(['debian-bullseye', 'debian-bookworm', 'debian-trixie'])('a TLS hello without STARTTLS, against %s', (receiver) => {
  it('is logged as improper pipelining with a TLS record, and classified implicit-tls', { retry: 2 }, async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', receiver]);
    const scenario = defineScenario({
      name: `implicit-tls-${receiver}`,
      receiver: { toolchain: receiver },
      senders: [
        { name: 'smtps-client', client: 'openssl', starttls: 'implicit', expect: { outcome: 'handshake-failed', failureClass: 'implicit-tls', fate: 'not-sent' } },
        { name: 'starttls-client', client: 'openssl', expect: { outcome: 'tls' } },
      ],
    });
    const result = await runScenario({ scenario, dir: join(import.meta.dirname, '../..') });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    const address = result.senders.find((s) => s.name === 'smtps-client')?.address;
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.peer.addr === address);
    expect(failed.map((s) => s.failure?.class)).toEqual(['implicit-tls']);
    expect(failed[0]?.failure?.evidence[0]).toMatch(/postfix\/smtpd\[\d+\]: improper command pipelining after CONNECT from [^:]+\[[\d.]+\]: \\026\\003\\00[13]/);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
