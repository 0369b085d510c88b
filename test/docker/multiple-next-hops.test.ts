import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
const SSLV3_ONLY = {
  smtpd_tls_protocols: '!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3',
  smtpd_tls_mandatory_protocols: '!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3',
  tls_medium_cipherlist: 'ALL:@SECLEVEL=0',
};

/** A backup that takes the primary's mail (and discards it), as a domain's second MX does. */
const backup = (name: string, primary: string) => ({
  name,
  certificate: { issuer: 'lab-ca' as const },
  mainCf: { relay_domains: `${primary}.dest.lab.test`, transport_maps: `inline:{${primary}.dest.lab.test=discard:}` },
  expect: { outcome: 'tls' as const },
});

/**
 * A message whose next hop is a list of servers (a domain's MX hosts; in Postfix 3.5 and later also a list in
 * transport_maps): when a server that is not the last fails, the smtp client logs why in a line of its own,
 * `QUEUEID: <reason>`, and goes on to the next. These lines name the server; the sessions must count them there.
 */
describe('a list of next hops: the first server fails, the second takes the mail', () => {
  it.for([
    { toolchain: 'debian-bullseye', postfix: '3.5' },
    { toolchain: 'debian-bookworm', postfix: '3.7' },
    { toolchain: 'debian-trixie', postfix: '3.10' },
  ])('sent from $toolchain (Postfix $postfix)', async ({ toolchain }, { onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: `multiple-next-hops-${toolchain}`,
        receiver: {
          toolchain,
          mainCf: { transport_maps: 'hash:/etc/postfix/next_hops, hash:/etc/postfix/tlslab_transport' },
          masterCf: ['enc unix - - n - - smtp -o smtp_tls_security_level=encrypt'],
          maps: {
            next_hops: {
              'p-greylist.dest.lab.test': 'smtp:[p-greylist.dest.lab.test]:25, [backup1.dest.lab.test]:25',
              'p-no-tls.dest.lab.test': 'enc:[p-no-tls.dest.lab.test]:25, [backup2.dest.lab.test]:25',
              'p-sslv3.dest.lab.test': 'smtp:[p-sslv3.dest.lab.test]:25, [backup3.dest.lab.test]:25',
            },
          },
        },
        // The runner judges a destination by the message addressed to it, which here ends at the backup: only the
        // backups' rows and the receiver's own log are asserted.
        outbound: [
          { name: 'p-greylist', certificate: { issuer: 'lab-ca' }, mainCf: { smtpd_recipient_restrictions: 'defer' }, expect: { outcome: 'tls' } },
          { name: 'p-no-tls', certificate: { issuer: 'lab-ca' }, mainCf: { smtpd_tls_cert_file: '/nonexistent.pem' }, expect: { outcome: 'tls' } },
          { name: 'p-sslv3', toolchain: 'debian-bookworm-legacy-openssl', certificate: { issuer: 'lab-ca' }, mainCf: SSLV3_ONLY, expect: { outcome: 'tls' } },
          backup('backup1', 'p-greylist'),
          backup('backup2', 'p-no-tls'),
          backup('backup3', 'p-sslv3'),
        ],
        timeoutSeconds: 15,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => r.name.startsWith('backup') && !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const log = result.receiver.log;
    // What Postfix logs when it leaves a server for the next.
    expect(log.some((l) => /postfix\/smtp\[\d+\]: \w+: host p-greylist\.dest\.lab\.test\[[\d.]+\] said: 450 4\.\d\.\d .*\(in reply to RCPT TO command\)$/.test(l))).toBe(true);
    expect(log.some((l) => /postfix\/smtp\[\d+\]: \w+: TLS is required, but host p-no-tls\.dest\.lab\.test\[[\d.]+\] refused to start TLS: 454 4\.7\.0 TLS not available due to local problem$/.test(l))).toBe(true);
    expect(log.some((l) => /postfix\/smtp\[\d+\]: \w+: Cannot start TLS: handshake failure$/.test(l))).toBe(true);

    const sessions = readSessions(log).sessions.filter((s) => s.side === 'smtp');
    const at = (name: string) => sessions.filter((s) => s.peer.name === `${name}.dest.lab.test`);
    const outcome = (s: (typeof sessions)[number]) => s.failure?.class ?? (s.tls ? 'tls' : 'plaintext');
    // The greylisting server did TLS; its refusal of the recipient is no TLS failure, and the mail went on over TLS.
    expect(at('p-greylist').map(outcome)).toEqual(['tls']);
    expect(at('p-greylist')[0]?.lines.at(-1)).toMatch(/ said: 450 /);
    // A server that answers STARTTLS with 454 fails a client that requires TLS: a failure of that server, not
    // one outside every session.
    expect(at('p-no-tls').map(outcome)).toEqual(['invalid-local-config']);
    expect(at('p-no-tls')[0]?.failure?.summary).toBe('TLS not available (local problem)');
    // A failed handshake with a server that is not the last sends the message to the next over TLS, not to the
    // same server in plaintext.
    expect(at('p-sslv3').map(outcome)).toEqual(['alert-protocol-version']);
    for (const name of ['backup1', 'backup2', 'backup3']) expect(at(name).every((s) => s.tls !== undefined && s.failure === undefined)).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
