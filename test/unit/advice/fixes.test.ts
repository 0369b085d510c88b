import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../lab/advice/config-dir.ts';
import { allowProtocol, generateFixes, generateOutboundFixes, type ReproducedFailure } from '../../../lab/advice/fixes.ts';
import { fixLines, ownPaths } from '../../../lab/advice/scenario-writer.ts';

/** The reporter's bulk-sender and Gmail configurations (shared fixtures README). */
const reported = {
  smtpd_tls_protocols: '!TLSv1, !SSLv2, !SSLv3',
  smtpd_tls_mandatory_protocols: '!TLSv1, !SSLv2, !SSLv3',
  smtpd_tls_ciphers: 'high',
  smtpd_tls_exclude_ciphers: 'aNULL, LOW, EXP, MEDIUM, ADH, AECDH, MD5, DSS, ECDSA, CAMELLIA128, 3DES, CAMELLIA256, RSA+AES, eNULL',
};

describe('allowProtocol', () => {
  it('removes an exclusion or lowers a bound, and says when there is nothing to allow', () => {
    expect(allowProtocol('!TLSv1, !SSLv2, !SSLv3', 'TLSv1')).toBe('!SSLv2, !SSLv3');
    expect(allowProtocol('!TLSv1, !SSLv2, !SSLv3', 'SSLv3')).toBe('!TLSv1, !SSLv2');
    expect(allowProtocol('>=TLSv1.2', 'TLSv1')).toBe('>=TLSv1');
    expect(allowProtocol('>=TLSv1.2', 'TLSv1.3')).toBeUndefined();
    expect(allowProtocol('!SSLv2, !SSLv3', 'TLSv1')).toBeUndefined();
  });
});

describe('generateFixes', () => {
  it('re-enables each protocol the failing senders offer, the highest first', () => {
    const fixes = generateFixes([{ class: 'unknown-protocol', offered: ['SSLv3', 'TLSv1'], senders: ['tls10-only', 'sslv3-to-tls10'] }], reported, '2.6.6');
    expect(fixes.map((f) => f.id)).toEqual(['allow-tlsv1', 'allow-sslv3', 'discard-starttls']);
    expect(fixes[0]!.mainCf).toEqual({ smtpd_tls_protocols: '!SSLv2, !SSLv3', smtpd_tls_mandatory_protocols: '!SSLv2, !SSLv3' });
    expect(fixes[2]).toMatchObject({ discardStarttlsFor: ['tls10-only', 'sslv3-to-tls10'], mainCf: { smtpd_discard_ehlo_keyword_address_maps: 'cidr:/etc/postfix/tlslab-starttls-discard.cidr' } });
  });

  it('lists the failing senders\' addresses in the discard table, and a hidden address as a comment to fill in', () => {
    const [, , discard] = generateFixes([{ class: 'unknown-protocol', offered: ['SSLv3', 'TLSv1'], senders: ['tls10-only', 'sslv3-to-tls10'] }], reported, '2.6.6');
    const peers = [{ name: 'mx.a.example', addr: '192.0.2.7' }, { name: 'mailout33.domain.tld', addr: 'IP.address.is.here' }, { name: 'mx.b.example', addr: '2001:db8::25' }, { name: 'mx.a.example', addr: '192.0.2.7' }];
    expect(fixLines(discard!, peers)).toEqual([
      'smtpd_discard_ehlo_keyword_address_maps = cidr:/etc/postfix/tlslab-starttls-discard.cidr',
      '/etc/postfix/tlslab-starttls-discard.cidr:',
      '  192.0.2.7 starttls',
      '  # the address of mailout33.domain.tld (the log shows "IP.address.is.here") starttls',
      '  2001:db8::25 starttls',
    ]);
  });

  it('for no shared cipher with an ECDSA certificate alone: an RSA certificate beside it first, the ECDSA one kept', () => {
    const failure: ReproducedFailure = { class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['probe-rsa-auth-only'] };
    const mainCf = { smtpd_tls_cert_file: '/etc/postfix/certs/mail.pem', smtpd_tls_key_file: '/etc/postfix/private/mail.key' };
    const fixes = generateFixes([failure], mainCf, '3.7', 8, { ecdsaOnly: true });
    expect(fixes[0]).toMatchObject({
      id: 'add-rsa-certificate',
      mainCf: { smtpd_tls_eccert_file: '/etc/postfix/certs/mail.pem', smtpd_tls_eckey_file: '/etc/postfix/private/mail.key', smtpd_tls_cert_file: '/etc/postfix/tls/rsa-cert.pem', smtpd_tls_key_file: '/etc/postfix/tls/rsa-key.pem' },
    });
    expect(generateFixes([failure], mainCf, '3.7', 8).map((f) => f.id)).not.toContain('add-rsa-certificate');
  });

  it('for a client certificate the server requires: stop requiring it, which the title says gives something up', () => {
    const failure: ReproducedFailure = { class: 'client-certificate', offered: ['TLSv1.3'], senders: ['modern-tls13'] };
    const fixes = generateFixes([failure], { smtpd_tls_security_level: 'encrypt', smtpd_tls_req_ccert: 'yes' }, '3.7');
    expect(fixes[0]).toMatchObject({ id: 'stop-requiring-client-certificates', mainCf: { smtpd_tls_req_ccert: null }, weakens: expect.stringContaining('no longer need a certificate') });
    expect(generateFixes([failure], { smtpd_tls_security_level: 'encrypt' }, '3.7').map((f) => f.id)).not.toContain('stop-requiring-client-certificates');
  });

  it('shows the fix with the admin\'s own paths, not the lab\'s copies', async () => {
    const failure: ReproducedFailure = { class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['probe-rsa-auth-only'] };
    for (const [dir, expected] of [
      ['ecdsa-certificate', [
        'smtpd_tls_eccert_file = /etc/postfix/certs/mail.pem', 'smtpd_tls_eckey_file = /etc/postfix/private/mail.key',
        'smtpd_tls_cert_file = <an RSA certificate for the same names>', 'smtpd_tls_key_file = <its key>',
      ]],
      ['ecdsa-chain-files', ['smtpd_tls_chain_files = /etc/postfix/private/mail.key, /etc/postfix/certs/mail.pem, <its key>, <an RSA certificate for the same names>']],
    ] as const) {
      const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs', dir));
      const [fix] = generateFixes([failure], config.receiver.mainCf, '3.7', 8, { ecdsaOnly: true });
      expect(JSON.stringify(fix?.mainCf)).toContain('/lab/receiver/files/');
      expect(fixLines(fix!, [], ownPaths(config.decisions))).toEqual(expected);
    }
  });

  it('for an ECDSA key alone in smtpd_tls_chain_files: an RSA key and certificate after it', () => {
    const failure: ReproducedFailure = { class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['probe-rsa-auth-only'] };
    const mainCf = { smtpd_tls_chain_files: '/etc/postfix/private/mail.key, /etc/postfix/certs/mail.pem' };
    const fixes = generateFixes([failure], mainCf, '3.7', 8, { ecdsaOnly: true });
    expect(fixes[0]).toMatchObject({
      id: 'add-rsa-certificate',
      mainCf: { smtpd_tls_chain_files: '/etc/postfix/private/mail.key, /etc/postfix/certs/mail.pem, /etc/postfix/tls/rsa-key.pem, /etc/postfix/tls/rsa-cert.pem' },
    });
  });

  it('for no shared group: Postfix\'s default groups, then the common ones added to the admin\'s list', () => {
    const failure: ReproducedFailure = { class: 'no-shared-group', offered: ['TLSv1.3'], senders: ['go-crypto-tls'] };
    const fixes = generateFixes([failure], { tls_eecdh_auto_curves: 'X448 secp384r1' }, '3.7', 8);
    expect(fixes.map((f) => [f.id, f.mainCf])).toEqual([
      ['default-groups', { tls_eecdh_auto_curves: null }],
      ['add-common-groups', { tls_eecdh_auto_curves: 'X25519 prime256v1 X448 secp384r1' }],
      ['discard-starttls', { smtpd_discard_ehlo_keyword_address_maps: 'cidr:/etc/postfix/tlslab-starttls-discard.cidr' }],
    ]);
    // With Postfix's default list, nothing in main.cf narrows the groups.
    expect(generateFixes([failure], {}, '3.7').map((f) => f.id)).toEqual(['discard-starttls']);
  });

  it('has no fix for a client that starts TLS at once: not offering STARTTLS cannot serve it', () => {
    expect(generateFixes([{ class: 'implicit-tls', offered: [], senders: ['probe-implicit-tls'] }], reported, '3.7')).toEqual([]);
  });

  it('for no shared cipher: ECDHE on Postfix < 2.8, then lifts the exclusions the reproducing probes offered, mainstream families first', () => {
    const fixes = generateFixes([{ class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['gmail-2018', 'probe-only-rsa-aes'], families: ['RSA+AES'] }], reported, '2.6.6', 8);
    expect(fixes.map((f) => f.id).slice(0, 3)).toEqual(['enable-ecdhe', 'stop-excluding-rsa-aes', 'stop-excluding-3des']);
    expect(fixes[1]!.mainCf.smtpd_tls_exclude_ciphers).toBe('aNULL, LOW, EXP, MEDIUM, ADH, AECDH, MD5, DSS, ECDSA, CAMELLIA128, 3DES, CAMELLIA256, eNULL');
    expect(fixes.at(-1)!.id).toBe('discard-starttls');
    expect(generateFixes([{ class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['x'] }], reported, '3.7').map((f) => f.id)).not.toContain('enable-ecdhe');
  });

  it('for a family the "high" grade leaves out as well: lifts its exclusion and lowers the grade together too', () => {
    const mainCf = { smtpd_tls_ciphers: 'high', smtpd_tls_exclude_ciphers: 'aNULL, RC4, MD5' };
    const fixes = generateFixes([{ class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['rc4-only'], families: ['RC4'] }], mainCf, '3.5.25', 8);
    expect(fixes.map((f) => [f.id, f.mainCf])).toEqual([
      ['stop-excluding-rc4', { smtpd_tls_exclude_ciphers: 'aNULL, MD5' }],
      ['smtpd-tls-ciphers-medium', { smtpd_tls_ciphers: 'medium' }],
      ['stop-excluding-and-medium', { smtpd_tls_exclude_ciphers: 'aNULL, MD5', smtpd_tls_ciphers: 'medium' }],
      ['discard-starttls', { smtpd_discard_ehlo_keyword_address_maps: 'cidr:/etc/postfix/tlslab-starttls-discard.cidr' }],
    ]);
    // Without a family the reproducing senders depend on, or without a "high" grade, there is nothing to combine.
    expect(generateFixes([{ class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['x'] }], mainCf, '3.5.25').map((f) => f.id)).not.toContain('stop-excluding-and-medium');
    expect(generateFixes([{ class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['rc4-only'], families: ['RC4'] }], { smtpd_tls_exclude_ciphers: 'RC4' }, '3.5.25').map((f) => f.id))
      .not.toContain('stop-excluding-and-medium');
  });

  it('for a handshake a DH-strict client aborts: Postfix\'s own 2048-bit group, from 3.1 on', () => {
    const dh = { smtpd_tls_dh1024_param_file: '/lab/receiver/files/dh1024.pem' };
    const failure: ReproducedFailure = { class: 'peer-aborted', offered: ['TLSv1.2'], senders: ['probe-dhe-level2'] };
    expect(generateFixes([failure], dh, '3.7')[0]).toMatchObject({ id: 'builtin-dh-group', mainCf: { smtpd_tls_dh1024_param_file: null } });
    expect(generateFixes([failure], dh, '2.11.11').map((f) => f.id)).not.toContain('builtin-dh-group');
    expect(generateFixes([failure], {}, '3.7').map((f) => f.id)).not.toContain('builtin-dh-group');
    expect(generateFixes([{ ...failure, senders: ['dhe-only'] }], dh, '3.7').map((f) => f.id)).not.toContain('builtin-dh-group');
  });

  it('shares the runs between protocol and cipher fixes when both failures were reproduced', () => {
    const fixes = generateFixes(
      [
        { class: 'unknown-protocol', offered: ['SSLv3', 'TLSv1'], senders: ['tls10-only'] },
        { class: 'no-shared-cipher', offered: ['TLSv1.2'], senders: ['gmail-2018'], families: ['RSA+AES'] },
      ],
      reported,
      '2.6.6',
      7,
    );
    expect(fixes.map((f) => f.id)).toEqual(['allow-tlsv1', 'allow-sslv3', 'enable-ecdhe', 'stop-excluding-rsa-aes', 'stop-excluding-3des', 'stop-excluding-camellia128', 'discard-starttls']);
  });
});

describe('generateFixes on the reported configuration folder', () => {
  it('proposes TLSv1 before SSLv3 for the bulk senders and ECDHE and RSA+AES for Gmail', async () => {
    const { readConfigDir } = await import('../../../lab/advice/config-dir.ts');
    const config = await readConfigDir(new URL('../../fixtures/configs/reported-case-2.6.6', import.meta.url).pathname);
    expect(config.versions).toMatchObject({ postfix: '2.6.6', openssl: '1.0.1e' });
    const fixes = generateFixes(
      [
        { class: 'unknown-protocol', offered: ['SSLv3', 'TLSv1'], senders: ['tls10-only', 'sslv3-to-tls10'] },
        { class: 'no-shared-cipher', offered: ['TLSv1', 'TLSv1.1', 'TLSv1.2'], senders: ['gmail-2018', 'probe-only-rsa-aes'], families: ['RSA+AES'] },
      ],
      config.receiver.mainCf,
      '2.6.6',
    );
    expect(fixes.slice(0, 4).map((f) => [f.id, f.mainCf])).toEqual([
      ['allow-tlsv1', { smtpd_tls_protocols: '!SSLv2, !SSLv3', smtpd_tls_mandatory_protocols: '!SSLv2, !SSLv3' }],
      ['allow-sslv3', { smtpd_tls_protocols: '!TLSv1, !SSLv2', smtpd_tls_mandatory_protocols: '!TLSv1, !SSLv2' }],
      ['enable-ecdhe', { smtpd_tls_eecdh_grade: 'strong' }],
      ['stop-excluding-rsa-aes', { smtpd_tls_exclude_ciphers: 'aNULL, LOW, EXP, MEDIUM, ADH, AECDH, MD5, DSS, ECDSA, CAMELLIA128, 3DES, CAMELLIA256, eNULL' }],
    ]);
  });
});

describe('generateOutboundFixes', () => {
  const reproduced = (cls: ReproducedFailure['class'], senders = ['→ old']): ReproducedFailure => ({ class: cls, senders, offered: [] });

  it('allows servers without secure renegotiation through tls_ssl_options, keeping the options already set', () => {
    expect(generateOutboundFixes([reproduced('unsafe-legacy-renegotiation')], {}).map((f) => f.mainCf)).toEqual([{ tls_ssl_options: 'LEGACY_SERVER_CONNECT' }]);
    expect(generateOutboundFixes([reproduced('unsafe-legacy-renegotiation')], { tls_ssl_options: 'NO_TICKET' })[0]?.mainCf).toEqual({ tls_ssl_options: 'NO_TICKET LEGACY_SERVER_CONNECT' });
    expect(generateOutboundFixes([reproduced('unsafe-legacy-renegotiation')], { tls_ssl_options: 'LEGACY_SERVER_CONNECT' })).toEqual([]);
  });

  it('re-enables the protocols the smtp client disabled, the highest first, and lifts smtp cipher limits', () => {
    const mainCf = { smtp_tls_protocols: '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1', smtp_tls_mandatory_protocols: '>=TLSv1.2', smtp_tls_exclude_ciphers: 'RSA+AES, aNULL', smtp_tls_ciphers: 'high' };
    const fixes = generateOutboundFixes([reproduced('alert-protocol-version'), reproduced('peer-aborted', ['→ picky'])], mainCf, 8);
    expect(fixes.map((f) => f.id)).toEqual(['allow-tlsv1.1-outbound', 'allow-tlsv1-outbound', 'allow-sslv3-outbound', 'outbound-stop-excluding', 'smtp-tls-ciphers-medium']);
    expect(fixes[0]?.mainCf).toEqual({ smtp_tls_protocols: '!SSLv2, !SSLv3, !TLSv1', smtp_tls_mandatory_protocols: '>=TLSv1.1' });
    expect(fixes[3]?.mainCf).toEqual({ smtp_tls_exclude_ciphers: 'aNULL' });
    expect(generateOutboundFixes([reproduced('alert-protocol-version')], {})).toEqual([]);
  });

  it('lowers a verifying or mandatory security level only for the failures it causes, after trying the system\'s CAs', () => {
    const system = { smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt' };
    expect(generateOutboundFixes([reproduced('certificate-verification')], { smtp_tls_security_level: 'verify' }).map((f) => [f.mainCf, f.weakens])).toEqual([
      [system, undefined],
      [{ smtp_tls_security_level: 'encrypt' }, 'no certificate is verified'],
    ]);
    expect(generateOutboundFixes([reproduced('starttls-not-offered')], { smtp_tls_security_level: 'encrypt' }).map((f) => f.mainCf)).toEqual([{ smtp_tls_security_level: 'may' }]);
    // At level may, a verifying level comes from a TLS policy table: the CA file is still the client's.
    expect(generateOutboundFixes([reproduced('certificate-verification')], { smtp_tls_security_level: 'may' }).map((f) => f.mainCf)).toEqual([system]);
    expect(generateOutboundFixes([reproduced('certificate-verification')], { smtp_tls_security_level: 'may', ...system })).toEqual([]);
    expect(generateOutboundFixes([reproduced('certificate-verification')], { smtp_tls_CAfile: '/lab/receiver/files/my-ca.pem' })[0]?.why).toContain('/lab/receiver/files/my-ca.pem alone');
  });

  it('takes a small DH group at @SECLEVEL=1 in the cipher lists that ask for level 2 or more', () => {
    const mainCf = { tls_high_cipherlist: 'HIGH:@SECLEVEL=2', tls_medium_cipherlist: 'DEFAULT' };
    expect(generateOutboundFixes([reproduced('dh-key-too-small', ['→ dh1024-only'])], mainCf)).toEqual([expect.objectContaining({ id: 'outbound-seclevel-1', mainCf: { tls_high_cipherlist: 'HIGH:@SECLEVEL=1' } })]);
    expect(generateOutboundFixes([reproduced('dh-key-too-small')], { tls_high_cipherlist: 'HIGH' })).toEqual([]);
  });

  it('says in the title what a lower level gives up', () => {
    expect(generateOutboundFixes([reproduced('certificate-verification')], { smtp_tls_security_level: 'secure' }).find((f) => f.id === 'outbound-encrypt')?.title).toBe('smtp_tls_security_level = encrypt (no certificate is verified any more)');
    expect(generateOutboundFixes([reproduced('starttls-not-offered')], { smtp_tls_security_level: 'dane-only' })[0]?.title).toBe('smtp_tls_security_level = may (plaintext where STARTTLS is missing)');
  });
});
