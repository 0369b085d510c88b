import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');
/** An old server: TLS 1.2 at most, and no renegotiation_info extension (RFC 5746). */
const NO_SECURE_RENEGOTIATION = 'NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION';

describe('Exim destinations: servers that no OpenSSL build plays', () => {
  it.for([
    { toolchain: 'debian-bookworm', library: 'OpenSSL 3.0', refuses: true },
    { toolchain: 'debian-trixie', library: 'OpenSSL 3.5', refuses: true },
    { toolchain: 'debian-bullseye', library: 'OpenSSL 1.1.1', refuses: false },
  ])('a server without secure renegotiation, sent to from $toolchain ($library)', async ({ toolchain, refuses }, { onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: `legacy-renegotiation-${toolchain}`,
        receiver: { toolchain },
        outbound: [
          {
            name: 'no-rfc5746',
            server: 'exim',
            gnutlsPriority: NO_SECURE_RENEGOTIATION,
            expect: refuses ? { outcome: 'plaintext', afterTlsFailure: true } : { outcome: 'tls', protocol: 'TLSv1.2' },
          },
          { name: 'gnutls-default', server: 'exim', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        ],
        timeoutSeconds: 30,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect(result.outbound.every((r) => r.fate.status === 'delivered')).toBe(true);
    // The receiver's own smtp log, read as an admin's would be.
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp' && s.failure !== undefined);
    expect(new Set(failed.map((s) => s.failure?.class))).toEqual(new Set(refuses ? ['unsafe-legacy-renegotiation'] : []));
    if (refuses) {
      expect(result.receiver.log.some((l) => /warning: TLS library problem: error:0A000152:SSL routines::unsafe legacy renegotiation disabled:/.test(l))).toBe(true);
      expect(failed[0]?.failure?.remedy).toMatch(/LEGACY_SERVER_CONNECT/);
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('tls_ssl_options = LEGACY_SERVER_CONNECT brings TLS back on OpenSSL 3', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'legacy-renegotiation-fix',
        receiver: { mainCf: { tls_ssl_options: 'LEGACY_SERVER_CONNECT' } },
        outbound: [{ name: 'no-rfc5746', server: 'exim', gnutlsPriority: NO_SECURE_RENEGOTIATION, expect: { outcome: 'tls', protocol: 'TLSv1.2' } }],
        timeoutSeconds: 30,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const row = result.outbound[0]!;
    expect(row.held, row.mismatch).toBe(true);
    expect(row.path).toMatch(/^delivered over TLSv1\.2 with /);
    expect(result.receiver.configWarnings).toEqual([]);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('LEGACY_SERVER_CONNECT on a dedicated transport (master.cf -o) brings TLS back for that destination alone', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'legacy-renegotiation-transport',
        receiver: { masterCf: ['legacy unix - - n - - smtp -o tls_ssl_options=LEGACY_SERVER_CONNECT'] },
        outbound: [
          { name: 'via-legacy', server: 'exim', gnutlsPriority: NO_SECURE_RENEGOTIATION, transport: 'legacy', expect: { outcome: 'tls', protocol: 'TLSv1.2' } },
          { name: 'via-smtp', server: 'exim', gnutlsPriority: NO_SECURE_RENEGOTIATION, expect: { outcome: 'plaintext', afterTlsFailure: true } },
        ],
        timeoutSeconds: 30,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect(result.receiver.configWarnings).toEqual([]);
    expect(() => defineScenario({ name: 'bad', receiver: {}, outbound: [{ name: 'x', transport: 'legacy', expect: { outcome: 'tls' } }] }))
      .toThrow(/outbound\[0\]\.transport: no "legacy unix" entry in receiver\.masterCf/);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it.for(['debian-bullseye', 'debian-bookworm', 'debian-trixie'])('a server that requires a client certificate in the handshake, sent to from %s without one', async (toolchain, { onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: `exim-client-certificate-${toolchain}`,
        receiver: { toolchain },
        outbound: [
          { name: 'mtls', server: 'exim', requireClientCertificate: true, expect: { outcome: 'plaintext', afterTlsFailure: true } },
          { name: 'mtls12', server: 'exim', requireClientCertificate: true, gnutlsPriority: 'NORMAL:-VERS-TLS1.3', expect: { outcome: 'plaintext', afterTlsFailure: true } },
          { name: 'tls12', server: 'exim', gnutlsPriority: 'NORMAL:-VERS-TLS1.3', expect: { outcome: 'tls', protocol: 'TLSv1.2' } },
        ],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((d) => !d.held).map((d) => `${d.name}: ${d.mismatch}`)).toEqual([]);
    const sessions = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp');
    const classes = (name: string) => {
      const address = result.outbound.find((d) => d.name === name)?.peerAddress;
      return new Set(sessions.filter((s) => s.peer.addr === address && s.failure !== undefined).map((s) => `${s.failure?.class}: ${s.failure?.opensslError?.reason}`));
    };
    // TLS 1.3: the client logs the handshake as established before the server's alert; TLS 1.2: GnuTLS says "decode error".
    expect(classes('mtls')).toEqual(new Set(['client-certificate: tlsv13 alert certificate required']));
    expect(classes('mtls12')).toEqual(new Set(['peer-aborted: tlsv1 alert decode error']));
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('Exim 4.94 (GnuTLS 3.7.1) and 4.98 (GnuTLS 3.8.9) behave as 4.96 does, as senders and as destinations', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', 'debian-bullseye-exim', 'debian-trixie-exim']);
    const versions = [{ exim: '4.94', toolchain: 'debian-bullseye-exim' }, { exim: '4.98', toolchain: 'debian-trixie-exim' }] as const;
    const result = await runScenario({
      scenario: defineScenario({
        name: 'exim-versions',
        receiver: {},
        // Each Exim checks the receiver's self-signed certificate after the handshake and resends in clear at once.
        senders: versions.map(({ exim, toolchain }) => ({ name: `exim-${exim}`, client: 'exim' as const, toolchain, expect: { outcome: 'plaintext' as const, afterTlsFailure: true } })),
        outbound: versions.flatMap(({ exim, toolchain }) => [
          { name: `mtls-${exim}`, server: 'exim' as const, toolchain, requireClientCertificate: true, expect: { outcome: 'plaintext' as const, afterTlsFailure: true } },
          { name: `mtls12-${exim}`, server: 'exim' as const, toolchain, requireClientCertificate: true, gnutlsPriority: 'NORMAL:-VERS-TLS1.3', expect: { outcome: 'plaintext' as const, afterTlsFailure: true } },
        ]),
        timeoutSeconds: 40,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect([...result.senders, ...result.outbound].filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect([...new Set(result.selfReports.flatMap((r) => (r.mtaVersion?.startsWith('Exim') ? [r.mtaVersion.slice(0, 9)] : [])))].sort()).toEqual(['Exim 4.94', 'Exim 4.98']);
    const smtp = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp');
    for (const { exim } of versions) {
      const reasons = (name: string) => {
        const address = result.outbound.find((d) => d.name === name)?.peerAddress;
        return new Set(smtp.filter((s) => s.peer.addr === address && s.failure !== undefined).map((s) => `${s.failure?.class}: ${s.failure?.opensslError?.reason}`));
      };
      expect(reasons(`mtls-${exim}`)).toEqual(new Set(['client-certificate: tlsv13 alert certificate required']));
      expect(reasons(`mtls12-${exim}`)).toEqual(new Set(['peer-aborted: tlsv1 alert decode error']));
      const sender = result.senders.find((s) => s.name === `exim-${exim}`);
      expect(sender?.path).toMatch(/^tls-failed: TLS session: \(certificate verification failed\).*then delivered in plaintext at once$/);
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('rejects what an Exim destination cannot take, at its path', () => {
    expect(() => defineScenario({ name: 'bad', receiver: {}, outbound: [{ name: 'x', server: 'exim', mainCf: { smtpd_tls_protocols: 'TLSv1.2' }, expect: { outcome: 'tls' } }] }))
      .toThrow(/outbound\[0\]\.mainCf: an Exim destination has no main\.cf/);
    expect(() => defineScenario({ name: 'bad', receiver: {}, outbound: [{ name: 'x', gnutlsPriority: 'NORMAL', expect: { outcome: 'tls' } }] }))
      .toThrow(/outbound\[0\]\.gnutlsPriority: gnutlsPriority is for an Exim destination/);
    expect(() => defineScenario({ name: 'bad', receiver: {}, outbound: [{ name: 'x', requireClientCertificate: true, expect: { outcome: 'tls' } }] }))
      .toThrow(/outbound\[0\]\.requireClientCertificate: requireClientCertificate is for an Exim destination \(server: exim\); a Postfix one takes mainCf/);
    expect(defineScenario({ name: 'ok', receiver: {}, outbound: [{ name: 'x', server: 'exim', expect: { outcome: 'tls' } }] }).outbound[0]?.toolchain).toBe('debian-bookworm-exim');
  });
});
