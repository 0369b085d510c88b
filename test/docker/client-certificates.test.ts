import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
// Debian's ssl-cert package makes one snakeoil certificate per image: every bookworm container has the same.
const SNAKEOIL = { smtp_tls_cert_file: '/etc/ssl/certs/ssl-cert-snakeoil.pem', smtp_tls_key_file: '/etc/ssl/private/ssl-cert-snakeoil.key' };
const REQUIRE_CERTIFICATES = { smtpd_tls_security_level: 'encrypt', smtpd_tls_req_ccert: 'yes' };

/** smtpd_tls_req_ccert = yes: the handshake completes, then smtpd refuses a client without a certificate it trusts. */
describe('smtpd_tls_req_ccert on Debian 12 (Postfix 3.7, OpenSSL 3.0)', () => {
  it('refuses clients without a trusted certificate after the handshake, both ways, and the logs say why', async ({ onTestFailed }) => {
    const refused = (reply: string, fate: 'rejected' | 'deferred') => ({ outcome: 'refused' as const, failureClass: 'client-certificate', reply, fate });
    const result = await runScenario({
      scenario: defineScenario({
        name: 'client-certificates',
        receiver: { mainCf: { ...REQUIRE_CERTIFICATES, smtpd_tls_CAfile: SNAKEOIL.smtp_tls_cert_file } },
        senders: [
          { name: 'no-cert', expect: refused('No client certificate presented', 'rejected') },
          { name: 'mta-no-cert', client: 'postfix', expect: refused('No client certificate presented', 'deferred') },
          { name: 'mta-trusted-cert', client: 'postfix', mainCf: SNAKEOIL, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
          // Postfix runs the server at security level 1 when it requires a client certificate (0 otherwise), where
          // OpenSSL 3.0 cannot sign a TLS 1.0 key exchange.
          {
            name: 'tls10-level0', tls: { minProtocol: 'TLSv1', maxProtocol: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' },
            expect: { outcome: 'handshake-failed', failureClass: 'no-suitable-signature-algorithm' },
          },
        ],
        outbound: [{ name: 'requires-cert', mainCf: REQUIRE_CERTIFICATES, expect: refused('No client certificate presented', 'deferred') }],
        timeoutSeconds: 12,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const rows = [...result.senders, ...result.outbound];
    expect(rows.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    for (const row of rows.filter((r) => r.name !== 'mta-trusted-cert' && r.name !== 'tls10-level0')) {
      expect(row.observed).toMatchObject({ kind: 'refused', afterTls: { protocol: 'TLSv1.3' } });
    }

    const log = result.receiver.log;
    expect(log.filter((l) => /postfix\/smtpd\[\d+\]: NOQUEUE: abort: TLS from \S+: No client certificate presented$/.test(l)).length).toBeGreaterThanOrEqual(2);
    expect(log.some((l) => / Trusted TLS connection established from /.test(l))).toBe(true);
    const sessions = readSessions(log).sessions;
    const summaries = (side: 'smtpd' | 'smtp') => new Set(sessions.filter((s) => s.side === side && s.failure !== undefined).map((s) => s.failure?.summary));
    expect(summaries('smtpd')).toEqual(new Set(['client certificate required, none presented', 'no suitable signature algorithm']));
    // The receiver's own smtp client, sending to the destination that requires a certificate.
    expect(summaries('smtp')).toEqual(new Set(['destination requires a client certificate']));
    // A session refused after the handshake is a failure, not a TLS success.
    const noCert = result.senders.find((s) => s.name === 'no-cert')!.address!;
    expect(sessions.filter((s) => s.peer.addr === noCert).map((s) => [s.tls?.protocol, s.failure?.class])).toEqual([['TLSv1.3', 'client-certificate']]);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
