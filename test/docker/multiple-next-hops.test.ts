import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
const LAB_CA = { issuer: 'lab-ca' as const };
const SSLV3_ONLY = {
  smtpd_tls_protocols: '!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3',
  smtpd_tls_mandatory_protocols: '!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3',
  tls_medium_cipherlist: 'ALL:@SECLEVEL=0',
};

/**
 * A message whose next hop is a list of servers (a domain's MX hosts; a destination with a `backup`): when a server
 * that is not the last fails, the smtp client logs why in a line of its own, `QUEUEID: <reason>`, and goes on to the
 * next. These lines name the server; the sessions must count them there.
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
        receiver: { toolchain, masterCf: ['enc unix - - n - - smtp -o smtp_tls_security_level=encrypt'] },
        // Certificates from the lab's CA: the receiver routes by name, and logs the servers by their names.
        outbound: [
          // It refuses the recipient (450) after TLS.
          { name: 'p-greylist', certificate: LAB_CA, backup: 'backup1', mainCf: { smtpd_recipient_restrictions: 'defer' }, expect: { outcome: 'tls', via: 'backup1' } },
          // Its TLS is off (no certificate), and the receiver requires TLS of it.
          { name: 'p-no-tls', certificate: LAB_CA, backup: 'backup2', transport: 'enc', mainCf: { smtpd_tls_cert_file: '/nonexistent.pem' }, expect: { outcome: 'tls', via: 'backup2' } },
          { name: 'p-sslv3', certificate: LAB_CA, backup: 'backup3', toolchain: 'debian-bookworm-legacy-openssl', mainCf: SSLV3_ONLY, expect: { outcome: 'tls', via: 'backup3' } },
          { name: 'backup1', certificate: LAB_CA, expect: { outcome: 'tls' } },
          { name: 'backup2', certificate: LAB_CA, expect: { outcome: 'tls' } },
          { name: 'backup3', certificate: LAB_CA, expect: { outcome: 'tls' } },
        ],
        timeoutSeconds: 15,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    // Each primary's row says why the receiver left it.
    expect(Object.fromEntries(result.outbound.filter((r) => r.name.startsWith('p-')).map((r) => [r.name, r.path]))).toEqual({
      'p-greylist': expect.stringMatching(/^left it \(450 4\.\d\.\d .*\), then delivered over TLSv1\.3 with \S+ via backup backup1$/),
      'p-no-tls': expect.stringMatching(/^left it \(TLS not available \(local problem\)\), then delivered over TLSv1\.3 with \S+ via backup backup2$/),
      'p-sslv3': expect.stringMatching(/^left it \(peer sent alert "protocol version"\), then delivered over TLSv1\.3 with \S+ via backup backup3$/),
    });
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
