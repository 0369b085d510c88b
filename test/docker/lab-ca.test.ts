import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { ScenarioResult } from '../../lab/scenario/result.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const clientError = (result: ScenarioResult, name: string): string => {
  const observed = result.outbound.find((d) => d.name === name)?.observed;
  return observed?.kind === 'handshake-failed' ? (observed.clientError ?? '') : `no failure: ${JSON.stringify(observed)}`;
};

describe('certificates from the lab\'s CA, whose root every container trusts as a public one', () => {
  it('verify like a public CA\'s: with the chain, by name, while valid; the smtp client says which check failed', async ({ onTestFailed }) => {
    const failed = { outcome: 'handshake-failed', failureClass: 'certificate-verification', fate: 'deferred' } as const;
    const result = await runScenario({
      scenario: defineScenario({
        name: 'lab-ca',
        receiver: {
          mainCf: { smtp_tls_security_level: 'verify', smtp_tls_CAfile: CA_BUNDLE },
          // A client with no CA file trusts no CA at all (tls_append_default_CA = no, the default since Postfix 2.8).
          // A CA directory is read inside the chroot, so this client runs without one.
          masterCf: ['no-ca-file unix - - y - - smtp -o smtp_tls_CAfile=', 'ca-path unix - - n - - smtp -o smtp_tls_CAfile= -o smtp_tls_CApath=/etc/ssl/certs'],
          certificate: { issuer: 'lab-ca' },
        },
        senders: [
          { name: 'verifying', client: 'openssl', tls: { verifyCertificate: true, verifyHostname: 'receiver.lab.test' }, expect: { outcome: 'tls' } },
        ],
        outbound: [
          { name: 'public', certificate: { issuer: 'lab-ca' }, expect: { outcome: 'tls', fate: 'delivered' } },
          { name: 'expired', certificate: { issuer: 'lab-ca', notBefore: '2020-01-01', notAfter: '2021-01-01' }, expect: failed },
          { name: 'no-intermediate', certificate: { issuer: 'lab-ca', chain: 'leaf' }, expect: failed },
          { name: 'other-name', certificate: { issuer: 'lab-ca', names: ['mail.elsewhere.example'] }, expect: failed },
          { name: 'self-signed', expect: failed },
          { name: 'public-no-ca-file', transport: 'no-ca-file', certificate: { issuer: 'lab-ca' }, expect: failed },
          { name: 'public-ca-path', transport: 'ca-path', certificate: { issuer: 'lab-ca' }, expect: { outcome: 'tls', fate: 'delivered' } },
        ],
        timeoutSeconds: 10,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect([...result.senders, ...result.outbound].filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(result.receiver.log.some((line) => /Verified TLS connection established to public\.dest\.lab\.test/.test(line))).toBe(true);
    // Postfix 3.7 names each failed check; routed by name, the certificate is checked against that name.
    expect(clientError(result, 'expired')).toMatch(/^server certificate verification failed for expired\.dest\.lab\.test\[[\d.]+\]:25: certificate has expired$/);
    expect(clientError(result, 'no-intermediate')).toMatch(/^certificate verification failed for no-intermediate\.dest\.lab\.test\[[\d.]+\]:25: untrusted issuer \/O=tlslab\/CN=tlslab Issuing CA$/);
    expect(clientError(result, 'other-name')).toMatch(/^server certificate verification failed for other-name\.dest\.lab\.test\[[\d.]+\]:25: num=62:hostname mismatch$/);
    expect(clientError(result, 'self-signed')).toMatch(/: self-signed certificate$/);
    expect(clientError(result, 'public-no-ca-file')).toMatch(/^certificate verification failed for public-no-ca-file\.dest\.lab\.test\[[\d.]+\]:25: untrusted issuer \/O=tlslab\/CN=tlslab Root CA$/);
    expect(result.notes.join(' ')).toContain('The lab\'s CA root ("tlslab Root CA") is in /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs of every container');
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
