import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario, loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment, runAsExpected } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

describe('real MTAs as senders, and the receiver sending outbound', () => {
  it('follows each message to its final fate, with the path it took', async ({ onTestFailed }) => {
    const result = await runScenario(await loadScenarioFile('test/fixtures/scenarios/mta-and-outbound.yaml', root));
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const inbound = Object.fromEntries(result.senders.map((s) => [s.name, s]));
    expect(inbound['mta-modern']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1.3' });
    expect(inbound['mta-modern']?.path).toMatch(/^delivered over TLSv1\.3 with /);
    expect(inbound['mta-aes128-sha-only']?.observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
    // A retry that failed as the one before is counted, not repeated.
    expect(inbound['mta-aes128-sha-only']?.path).toMatch(/^deferred: Cannot start TLS: handshake failure( \(\d times\))?, (deferred: .*, )?then delivered in plaintext on retry \d$/);
    expect(inbound.exim?.observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
    expect(inbound.exim?.path).toMatch(/^tls-failed: TLS session: \(certificate verification failed\).*then delivered in plaintext at once$/);
    // Exim checks the certificate after the handshake, which smtpd logged as established: the log says it failed all the same.
    const eximSessions = readSessions(result.receiver.log).sessions.filter((s) => s.peer.addr === inbound.exim?.address);
    expect(eximSessions.map((s) => s.failure?.summary ?? (s.queueIds.length > 0 ? 'plaintext' : 'none'))).toEqual(['certificate rejected after the handshake', 'plaintext']);
    const outbound = Object.fromEntries(result.outbound.map((s) => [s.name, s]));
    expect(outbound['tls12-max']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1.2' });
    expect(outbound['tls10-max']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1' });
    expect(outbound['no-tls']?.observed).toEqual({ kind: 'plaintext' });
    for (const name of ['sslv3-only', 'rc4-only']) {
      expect(outbound[name]?.observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
      expect(outbound[name]?.path).toMatch(/^deferred: Cannot start TLS: handshake failure( \(\d times\))?, .*then delivered in plaintext on retry \d$/);
    }
    // The receiver's own smtp log, read as an admin's log would be: each failed attempt classified from the alert it read.
    const classes = new Set(readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp').flatMap((s) => (s.failure ? [s.failure.class] : [])));
    expect(classes).toEqual(new Set(['alert-protocol-version', 'peer-aborted']));
    // Postfix >= 3.0 falls back to plaintext only for a message older than minimal_backoff_time (2 s here), in
    // whole seconds of queue-file age: the fresh message is deferred, the plaintext retry comes after 1-3 s.
    for (const name of ['sslv3-only', 'rc4-only']) {
      const attempts = result.receiver.log.flatMap((line) => {
        const match = new RegExp(`to=<sink@${name}\\.dest\\.lab\\.test>,.* delay=([\\d.]+),.* status=(\\w+)`).exec(line);
        return match ? [{ age: Number(match[1]), status: match[2] }] : [];
      });
      expect(attempts[0]).toMatchObject({ status: 'deferred' });
      expect(attempts[0]!.age).toBeLessThan(2);
      expect(attempts.filter((a) => a.status === 'sent').map((a) => a.age >= 1)).toEqual([true]);
      expect(result.receiver.log.some((line) => /postfix\/smtp\[\d+\]: [0-9A-F]+: Cannot start TLS: handshake failure$/.test(line))).toBe(true);
    }
    expect(result.notes.join(' ')).toContain('minimal_backoff_time = 2s');
    expect([...result.senders, ...result.outbound].every((s) => s.fate.status === 'delivered')).toBe(true);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('Postfix 3.5, 3.7 and 3.10 as senders: a failed handshake defers the message, a retry delivers it in plaintext', async ({ onTestFailed }) => {
    await prepareImages(['debian-bullseye', 'debian-bookworm', 'debian-trixie']);
    const result = await runAsExpected({
      name: 'postfix-sender-versions',
      // TLS 1.3 only: a sender limited to TLS 1.2 cannot complete a handshake.
      receiver: { mainCf: { smtpd_tls_protocols: '>=TLSv1.3' } },
      senders: (['debian-bullseye', 'debian-bookworm', 'debian-trixie'] as const).map((toolchain) => ({
        name: toolchain.replace('debian-', 'postfix-'), client: 'postfix' as const, toolchain, tls: { maxProtocol: 'TLSv1.2' as const },
        expect: { outcome: 'plaintext' as const, afterTlsFailure: true },
      })),
      timeoutSeconds: 40,
    }, root, onTestFailed);
    for (const sender of result.senders) expect(sender.path).toMatch(/^deferred: Cannot start TLS: handshake failure( \(\d times\))?, .*then delivered in plaintext on retry \d$/);
    expect(new Set(result.selfReports.map((r) => r.mailVersion?.split('.').slice(0, 2).join('.')))).toEqual(new Set(['3.5', '3.7', '3.10']));
  });

  it('reads a failure only the sending client sees: a certificate it cannot verify, after a clean handshake', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'outbound-verify',
        receiver: { mainCf: { smtp_tls_security_level: 'verify' } },
        outbound: [{ name: 'self-signed', expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', fate: 'deferred' } }],
        timeoutSeconds: 8,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const row = result.outbound[0]!;
    expect(row.held, row.mismatch).toBe(true);
    expect(row.observed.kind === 'handshake-failed' && row.observed.clientError).toMatch(/certificate verification failed for .*: self-signed certificate$/);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('SMTPS wrapper mode towards a STARTTLS port: the plaintext greeting is "wrong version number", and the explanation names wrapper mode', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'outbound-wrappermode',
        receiver: { masterCf: ['smtps-client unix - - n - - smtp -o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt'] },
        // The sender sees a plaintext greeting where its server hello belongs (wrong-version-number, read from its own
        // log below). The destination sees a TLS hello where its first command belongs (implicit-tls) only when the
        // hello reaches it before it has greeted; otherwise it logs just `lost connection after CONNECT`, and the
        // observed class is the sender's.
        outbound: [{ name: 'starttls-port', transport: 'smtps-client', expect: { outcome: 'handshake-failed', fate: 'deferred' } }],
        timeoutSeconds: 6,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const observed = result.outbound[0]?.observed;
    expect(observed?.kind === 'handshake-failed' ? observed.failureClass : observed?.kind).toMatch(/^(?:implicit-tls|wrong-version-number)$/);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp' && s.failure !== undefined);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const session of failed) {
      expect(session.peer.port).toBe(25);
      expect(session.failure?.evidence.join('\n')).toMatch(/SSL_connect error to .*:25: -1\n.*wrong version number/);
      expect(session.failure?.explanation).toContain('On port 25 a server greets in plaintext');
      expect(session.failure?.remedy).toContain('use it only with port 465');
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('at level encrypt: a destination that cannot start TLS and one that does not offer it, each deferred for its own reason', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'outbound-encrypt',
        receiver: { mainCf: { smtp_tls_security_level: 'encrypt' } },
        outbound: [
          // An invalid protocol list disables TLS, yet Postfix 3.7 still advertises STARTTLS and answers it with 454.
          { name: 'broken-tls', mainCf: { smtpd_tls_protocols: 'TLSv9' }, expect: { outcome: 'handshake-failed', failureClass: 'invalid-local-config', fate: 'deferred' } },
          { name: 'no-tls', mainCf: { smtpd_tls_security_level: 'none' }, expect: { outcome: 'handshake-failed', failureClass: 'starttls-not-offered', fate: 'deferred' } },
        ],
        timeoutSeconds: 6,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect(result.receiver.log.some((l) => /refused to start TLS: 454 4\.7\.0 TLS not available due to local problem\)$/.test(l))).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
