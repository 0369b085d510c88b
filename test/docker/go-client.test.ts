import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientErrorOf, runAsExpected } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');
const BAD_CERTIFICATE = { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'alert bad certificate' } as const;
const go = { client: 'go', toolchain: 'debian-trixie-go' } as const;

/**
 * The lab's Go client (Go 1.24's crypto/tls, as Go mailers send) against Debian's Postfix 3.7 / OpenSSL 3.0. It checks
 * the server's name against subjectAltName entries alone: a certificate that names its host in the Common Name only
 * fails even where it is trusted, while OpenSSL's clients accept it.
 */
describe('the Go client', () => {
  it('verifies by default with "bad certificate", negotiates its own defaults, and starts TLS at once or not at all', async ({ onTestFailed }) => {
    const result = await runAsExpected({
      name: 'go-clients',
      receiver: { toolchain: 'debian-bookworm' },
      senders: [
        { profile: 'go-mailer', name: 'go-verifying', expect: BAD_CERTIFICATE },
        { name: 'go-trusting', ...go, tls: { verifyCertificate: true, trust: 'receiver' }, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'go-skip-verify', ...go, expect: { outcome: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } },
        { name: 'go-tls12', ...go, tls: { maxProtocol: 'TLSv1.2' }, expect: { outcome: 'tls', protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } },
        { name: 'go-implicit', ...go, port: 465, starttls: 'implicit', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'go-plain', ...go, starttls: 'none', expect: { outcome: 'plaintext' } },
      ],
    }, root, onTestFailed);
    expect(clientErrorOf(result, 'go-verifying')).toContain('x509: certificate signed by unknown authority');
  });

  it('refuses a trusted certificate that names the host in the Common Name alone, which OpenSSL\'s client accepts', async ({ onTestFailed }) => {
    const trusting = { verifyCertificate: true, trust: 'receiver', verifyHostname: 'receiver.lab.test' } as const;
    const result = await runAsExpected({
      name: 'go-cn-only',
      receiver: { toolchain: 'debian-bookworm', certificate: { cert: 'test/fixtures/certificates/ecdsa-p384.pem', key: 'test/fixtures/certificates/ecdsa-p384-key.pem' } },
      senders: [
        { name: 'go-trusting', ...go, tls: trusting, expect: BAD_CERTIFICATE },
        { name: 'openssl-trusting', client: 'openssl', tls: trusting, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
      ],
    }, root, onTestFailed);
    expect(clientErrorOf(result, 'go-trusting')).toContain('x509: certificate relies on legacy Common Name field, use SANs instead');
  });

  it('verifies a certificate that names the host in a subjectAltName, when it trusts its issuer', async ({ onTestFailed }) => {
    await runAsExpected({
      name: 'go-lab-ca',
      receiver: { toolchain: 'debian-bookworm', certificate: { issuer: 'lab-ca' } },
      senders: [
        // The lab's CA is in the senders' system store, as a public CA's root is.
        { profile: 'go-mailer', expect: { outcome: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } },
        { name: 'go-trusting', ...go, tls: { verifyCertificate: true, trust: 'receiver' }, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'go-other-name', ...go, tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'other-name.example' }, expect: BAD_CERTIFICATE },
      ],
    }, root, onTestFailed);
  });

  it('agrees on the hybrid post-quantum group with Postfix 3.10 on OpenSSL 3.5 only once tls_eecdh_auto_curves lists it', async ({ onTestFailed }) => {
    const established = (result: Awaited<ReturnType<typeof runAsExpected>>, sender: string) => (result.senders.find((s) => s.name === sender)?.evidence ?? []).join('\n');
    const stock = await runAsExpected({
      name: 'go-groups-default',
      receiver: { toolchain: 'debian-trixie' },
      senders: [{ profile: 'go-crypto-tls', expect: { outcome: 'tls', protocol: 'TLSv1.3' } }],
    }, root, onTestFailed);
    expect(established(stock, 'go-crypto-tls')).toContain('key-exchange x25519 ');
    const hybrid = await runAsExpected({
      name: 'go-groups-mlkem',
      receiver: { toolchain: 'debian-trixie', mainCf: { tls_eecdh_auto_curves: 'X25519MLKEM768 X25519 prime256v1' } },
      senders: [
        { profile: 'go-crypto-tls', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        // OpenSSL 3.0 has no ML-KEM: the same server gives it X25519.
        { name: 'openssl-3.0', client: 'openssl', toolchain: 'debian-bookworm', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
      ],
    }, root, onTestFailed);
    expect(established(hybrid, 'go-crypto-tls')).toContain('key-exchange X25519MLKEM768 ');
    expect(established(hybrid, 'openssl-3.0')).toContain('key-exchange x25519 ');
  });

  it('Go 1.22 and later offer no RSA key exchange: a server limited to TLS 1.2 and kRSA suites shares no cipher with Go 1.24, and one with Go 1.19', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', 'debian-bookworm-go', 'debian-trixie-go']);
    const result = await runAsExpected({
      name: 'go-rsa-kx',
      receiver: { toolchain: 'debian-bookworm', mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3, !TLSv1.3', smtpd_tls_exclude_ciphers: 'kECDHE, kDHE' } },
      senders: [
        { name: 'go-1.24', ...go, expect: { outcome: 'handshake-failed', failureClass: 'no-shared-cipher' } },
        { name: 'go-1.19', client: 'go', toolchain: 'debian-bookworm-go', expect: { outcome: 'tls', protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256' } },
      ],
    }, root, onTestFailed);
    expect(clientErrorOf(result, 'go-1.24')).toContain('handshake failure');
    expect(result.senders.find((s) => s.name === 'go-1.19')?.transcript).toContain('RUNTIME: Go go1.19');
  });
});
