import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateSummary, checkCertificate, ecdsaOnly } from '../../../lab/advice/certificate-check.ts';
import { readConfigDir } from '../../../lab/advice/config-dir.ts';

const dir = join(import.meta.dirname, '../../fixtures/certificates');
const file = (name: string) => ({ file: name, text: readFileSync(join(dir, name), 'utf8') });
const now = new Date('2027-06-01T00:00:00Z');

describe('checkCertificate', () => {
  it('finds an expired certificate served without its issuer, and a name it does not carry', () => {
    const check = checkCertificate([file('expired-leaf.pem')], { now, hostnames: ['mx.example.net'] })!;
    expect(check).toMatchObject({ file: 'expired-leaf.pem', names: ['mail.example.net', 'smtp.example.net'], notBefore: '2020-01-01T00:00:00.000Z', notAfter: '2021-01-01T00:00:00.000Z', key: 'RSA 2048 bits', chain: 0 });
    expect(check.problems).toEqual([
      'it ended on 2021-01-01: every client that verifies rejects it ("certificate expired" from OpenSSL clients)',
      'it does not carry mx.example.net, this server\'s name (it has mail.example.net, smtp.example.net): clients that connect by that name and check it reject it ("bad certificate" from OpenSSL clients)',
      expect.stringMatching(/^its issuer \(Example Test Issuing CA\) is not in the file: clients that do not hold that certificate themselves cannot build the chain/),
    ]);
  });

  it('needs no intermediate for a certificate a trusted root issued itself', () => {
    const root = new X509Certificate(file('ca.pem').text);
    expect(checkCertificate([file('expired-leaf.pem')], { now: new Date('2020-06-01T00:00:00Z'), hostnames: [], roots: [root] })!.problems).toEqual([]);
    // Node's copy of the public CAs' roots is the default; the test CA is not among them.
    expect(checkCertificate([file('expired-leaf.pem')], { now: new Date('2020-06-01T00:00:00Z'), hostnames: [] })!.problems[0]).toMatch(/^its issuer \(Example Test Issuing CA\) is not in the file/);
  });

  it('takes the issuer from the chain files, and a name the certificate carries', () => {
    const check = checkCertificate([file('expired-leaf.pem'), file('ca.pem')], { now: new Date('2020-06-01T00:00:00Z'), hostnames: ['smtp.example.net'] })!;
    expect(check.chain).toBe(1);
    expect(check.problems).toEqual([]);
  });

  it('finds a self-signed certificate with a small key, named by its CN; a start date ahead', () => {
    const check = checkCertificate([file('small-self-signed.pem')], { now, hostnames: ['old.example.net'] })!;
    expect(check.names).toEqual(['old.example.net']);
    expect(check.key).toBe('RSA 1024 bits');
    expect(check.problems).toEqual([
      'it is self-signed: only clients told to trust this very certificate accept it (others say "unknown ca")',
      'its RSA 1024 bits key is below what clients at OpenSSL security level 2 (Debian\'s default) accept',
    ]);
    expect(checkCertificate([file('small-self-signed.pem')], { now: new Date('2001-01-01T00:00:00Z'), hostnames: [] })!.problems[0]).toMatch(/^it starts on 20\d\d-\d\d-\d\d: clients reject it until then \("bad certificate"/);
  });

  it('finds an extended key usage without TLS server authentication', () => {
    const check = checkCertificate([file('client-auth-only.pem'), file('ca.pem')], { now, hostnames: [] })!;
    expect(check.problems).toEqual(['its extended key usage (1.3.6.1.5.5.7.3.2) leaves out TLS server authentication (1.3.6.1.5.5.7.3.1): OpenSSL clients that verify answer "unsupported certificate"']);
  });

  it('says nothing of files without a readable certificate', () => {
    expect(checkCertificate([{ file: 'key.pem', text: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n' }], { now, hostnames: [] })).toBeUndefined();
    expect(checkCertificate([{ file: 'bad.pem', text: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n' }], { now, hostnames: [] })).toBeUndefined();
  });

  it('readConfigDir checks a listener\'s own certificate too, and the summary names both', async () => {
    const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/listener-certificate'));
    expect(config.certificate?.problems).toEqual([
      expect.stringMatching(/^it does not carry mail\.example\.net, this server's name \(it has mx1\.example\.org\)/),
      'it is self-signed: only clients told to trust this very certificate accept it (others say "unknown ca")',
    ]);
    const smtps = config.listeners.find((l) => l.service === 'smtps');
    expect(smtps?.certificate).toMatchObject({ file: 'certs/old-fullchain.pem', names: ['mail.example.net', 'smtp.example.net'], chain: 1, checkedNames: ['mail.example.net'] });
    expect(smtps?.certificate?.problems).toEqual(['it ended on 2021-01-01: every client that verifies rejects it ("certificate expired" from OpenSSL clients)']);
    const summary = certificateSummary(config);
    expect(summary).toHaveLength(2);
    expect(summary[1]).toMatch(/^Its own on smtps \(master\.cf:3; certs\/old-fullchain\.pem: mail\.example\.net, smtp\.example\.net, 2020-01-01 to 2021-01-01, RSA 2048 bits, 1 more certificate\(s\) in the chain\): it ended on 2021-01-01/);
  });

  it('tells a server with an ECDSA certificate alone from one that has an RSA certificate beside it', async () => {
    const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/ecdsa-certificate'));
    expect(config.certificate?.key).toBe('EC prime256v1');
    expect(ecdsaOnly(config.certificate, config.receiver.mainCf)).toBe(true);
    expect(ecdsaOnly(config.certificate, { ...config.receiver.mainCf, smtpd_tls_eccert_file: '/x.pem' })).toBe(false);
    const rsa = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/with-files'));
    expect(ecdsaOnly(rsa.certificate, rsa.receiver.mainCf)).toBe(false);
    expect(ecdsaOnly(undefined, config.receiver.mainCf)).toBe(false);
  });

  it('reads smtpd_tls_chain_files for ECDSA alone: every certificate served has an EC key', async () => {
    const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/ecdsa-chain-files'));
    expect(config.certificate).toMatchObject({ key: 'EC prime256v1', leafKeys: ['EC prime256v1'] });
    expect(ecdsaOnly(config.certificate, config.receiver.mainCf)).toBe(true);
    const ecdsa = readFileSync(join(import.meta.dirname, '../../fixtures/configs/ecdsa-chain-files/certs/mail.pem'), 'utf8');
    const rsa = readFileSync(join(dir, 'small-self-signed.pem'), 'utf8');
    const both = checkCertificate([{ file: 'ecdsa.pem', text: ecdsa }, { file: 'rsa.pem', text: rsa }], { now: new Date('2026-01-01'), hostnames: [] });
    expect(both?.leafKeys).toEqual(['EC prime256v1', 'RSA 1024 bits']);
    expect(ecdsaOnly(both, { smtpd_tls_chain_files: '/k.pem, /ecdsa.pem, /k2.pem, /rsa.pem' })).toBe(false);
    // A CA certificate in the files issues the leaf: only the leaf's key counts.
    const chained = checkCertificate([{ file: 'chain.pem', text: `${readFileSync(join(dir, 'expired-leaf.pem'), 'utf8')}${readFileSync(join(dir, 'ca.pem'), 'utf8')}` }], { now: new Date('2026-01-01'), hostnames: [] });
    expect(chained?.chain).toBe(1);
    expect(chained?.leafKeys).toHaveLength(1);
  });

  it('readConfigDir checks the certificate main.cf names, against myhostname', async () => {
    const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/with-files'));
    expect(config.certificate).toMatchObject({ file: 'certs/mail.pem', names: ['mx1.example.org'] });
    expect(config.certificate?.problems).toEqual(['it is self-signed: only clients told to trust this very certificate accept it (others say "unknown ca")']);
    expect((await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/bookworm-baseline'))).certificate).toBeUndefined();
  });
});
