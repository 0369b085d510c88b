import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oid, time, unsigned } from '../../../lab/certificates/der.ts';
import { issueCertificate } from '../../../lab/certificates/issue.ts';
import { issueLabCertificate, labCa, LAB_CA_ROOT_NAME } from '../../../lab/certificates/lab-ca.ts';
import { certificateSchema } from '../../../lab/scenario/schema.ts';

describe('DER', () => {
  it('encodes object identifiers, positive integers and both time forms', () => {
    expect(oid('1.2.840.113549.1.1.11').toString('hex')).toBe('06092a864886f70d01010b');
    expect(oid('2.5.29.17').toString('hex')).toBe('0603551d11');
    expect(unsigned(Buffer.from([0x00, 0x00, 0x80])).toString('hex')).toBe('02020080');
    expect(time(new Date('2049-12-31T23:59:59Z')).toString('latin1')).toBe('\x17\x0d491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });
});

describe('issueCertificate', () => {
  it('makes a chain that verifies: root, issuing CA, server certificate with its names and dates', async () => {
    const validity = { notBefore: new Date('2025-01-01T00:00:00Z'), notAfter: new Date('2060-01-01T00:00:00Z') };
    const root = await issueCertificate({ commonName: 'Root', ca: true, keyType: 'ecdsa', ...validity });
    const issuing = await issueCertificate({ commonName: 'Issuing', ca: true, ...validity }, root);
    const leaf = await issueCertificate({ commonName: 'mx.example', names: ['mx.example', '*.mx.example'], notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') }, issuing);
    const [r, i, l] = [root, issuing, leaf].map((c) => new X509Certificate(c.certificate)) as [X509Certificate, X509Certificate, X509Certificate];
    expect(r.ca && i.ca && !l.ca).toBe(true);
    expect(r.verify(r.publicKey) && i.verify(r.publicKey) && l.verify(i.publicKey)).toBe(true);
    expect(l.checkIssued(i) && i.checkIssued(r) && !l.checkIssued(r)).toBe(true);
    expect(l.subjectAltName).toBe('DNS:mx.example, DNS:*.mx.example');
    expect(l.checkHost('a.mx.example')).toBe('*.mx.example');
    expect(l.checkHost('other.example')).toBeUndefined();
    expect(l.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect([new Date(l.validFrom).toISOString(), new Date(l.validTo).toISOString(), new Date(r.validTo).toISOString()]).toEqual(['2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z', '2060-01-01T00:00:00.000Z']);
    expect(l.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(r.publicKey.asymmetricKeyType).toBe('ec');
    expect(leaf.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('the lab CA issues for a host name, with the issuing CA after the certificate unless told to leave it out', async () => {
    const { root, intermediate } = await labCa();
    expect(new X509Certificate(root.certificate).subject).toContain(`CN=${LAB_CA_ROOT_NAME}`);
    const full = await issueLabCertificate('mx.dest.lab.test', {});
    const blocks = full.certificate.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(blocks).toHaveLength(2);
    expect(full.certificate.endsWith(intermediate.certificate)).toBe(true);
    const leaf = new X509Certificate(full.certificate);
    expect(leaf.checkHost('mx.dest.lab.test')).toBe('mx.dest.lab.test');
    expect(new Date(leaf.validTo).getTime()).toBeGreaterThan(Date.now());
    const alone = await issueLabCertificate('mx.dest.lab.test', { chain: 'leaf', names: ['other.example'], notBefore: '2020-01-01', notAfter: '2021-01-01' });
    expect(alone.certificate.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(1);
    expect(new X509Certificate(alone.certificate).subjectAltName).toBe('DNS:other.example');
  });
});

describe('certificateSchema', () => {
  it('takes the lab CA with its shape, and refuses the shape without it or with another source', () => {
    expect(certificateSchema.parse({ issuer: 'lab-ca', notAfter: '2021-01-01', chain: 'leaf' })).toEqual({ issuer: 'lab-ca', notAfter: '2021-01-01', chain: 'leaf' });
    const issues = (input: object) => certificateSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ notAfter: '2021-01-01' })).toEqual(['notAfter: notAfter shapes a certificate from the lab\'s CA: add "issuer: lab-ca"']);
    expect(issues({ issuer: 'lab-ca', generate: ['rsa'] })).toEqual(['issuer: give one of "generate", "cert"/"key" and "issuer"']);
    expect(issues({ issuer: 'lab-ca', notBefore: 'soon' })).toEqual(['notBefore: expected a date, e.g. 2020-01-01']);
  });
});
