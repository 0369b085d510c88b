import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Toolchain } from '../../../lab/toolchains/model.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';
import { buildSelfReport, cipherClasses, libraryVersion, sameRelease } from '../../../lab/toolchains/self-report.ts';

/** Outputs of the entrypoint's `self-report` role, captured from the real images. */
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `self-report-${name}.txt`), 'utf8');
const toolchains = await loadToolchains();
const declared = (name: string): Toolchain => toolchains.get(name)!;

describe('library versions', () => {
  it('reads 1.0.x, 1.1.1 and 3.x version strings', () => {
    expect(libraryVersion('OpenSSL 1.0.1e 11 Feb 2013')).toBe('1.0.1e');
    expect(libraryVersion('OpenSSL 1.0.1e-fips 11 Feb 2013')).toBe('1.0.1e-fips');
    expect(libraryVersion('OpenSSL 1.0.2u  20 Dec 2019')).toBe('1.0.2u');
    expect(libraryVersion('OpenSSL 3.0.20 7 Apr 2026 (Library: OpenSSL 3.0.20 7 Apr 2026)')).toBe('3.0.20');
  });

  it('matches a declared release against what runs', () => {
    expect(sameRelease('1.0.1e', '1.0.1e')).toBe(true);
    expect(sameRelease('1.0.2p', '1.0.2u')).toBe(false);
    expect(sameRelease('1.0.2', '1.0.2u')).toBe(true);
    expect(sameRelease('3.0', '3.0.20')).toBe(true);
    expect(sameRelease('2.6.6', '2.6.6')).toBe(true);
    expect(sameRelease('2.6', '2.11.11')).toBe(false);
  });
});

describe('cipher classes', () => {
  it('names the representative families of a suite list', () => {
    expect(cipherClasses(['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-RC4-SHA', 'EDH-RSA-DES-CBC3-SHA', 'EXP-RC4-MD5', 'DES-CBC-SHA', 'ADH-AES128-SHA'])).toEqual([
      'TLS1.3', 'ECDHE', 'DHE', 'AESGCM', '3DES', 'DES', 'RC4', 'EXPORT', 'anon',
    ]);
  });
});

describe('a stock Debian 12 image', () => {
  const report = buildSelfReport('receiver', declared('debian-bookworm'), 'tlslab/debian-bookworm:x', fixture('debian-bookworm'));

  it('reports Postfix, the library smtpd links, swaks\'s library and what it can negotiate', () => {
    expect(report).toMatchObject({
      mailVersion: '3.7.11',
      linkedLibrary: '/lib/x86_64-linux-gnu/libssl.so.3',
      linkedTls: 'OpenSSL 3.0.20 7 Apr 2026',
      clientTls: 'OpenSSL 3.0.20 7 Apr 2026',
      protocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'],
      cipherCount: 158,
      mismatches: [],
    });
    expect(report.cipherClasses).toEqual(['TLS1.3', 'ECDHE', 'DHE', 'AESGCM', 'CHACHA20', 'NULL', 'anon']);
  });

  it('names every disagreement with a toolchain file that claims more', () => {
    const claims: Toolchain = { ...declared('debian-bookworm'), postfix: { version: '2.6.6', source: 'upstream-tarball' }, tls: { library: 'openssl', version: '1.0.1e', source: 'upstream-tarball', options: ['enable-ssl3-method', 'enable-weak-ssl-ciphers'] } };
    expect(buildSelfReport('receiver', claims, 'x', fixture('debian-bookworm')).mismatches).toEqual([
      'declared Postfix 2.6.6, but postconf reports 3.7.11',
      'declared openssl 1.0.1e, but smtpd is linked against OpenSSL 3.0.20 7 Apr 2026',
      'declared enable-ssl3-method, but the openssl command offers no SSLv3',
      'declared enable-weak-ssl-ciphers, but the library lists neither RC4 nor 3DES at security level 0',
    ]);
  });

  it('checks a client-only toolchain against the openssl command, and a missing Postfix', () => {
    const clientOnly: Toolchain = { ...declared('openssl-1.0.2p') };
    const onlyOpenssl = fixture('debian-bookworm').split('\n').filter((l) => l.startsWith('openssl_')).join('\n');
    expect(buildSelfReport('sender', clientOnly, 'x', onlyOpenssl).mismatches).toEqual([
      'declared openssl 1.0.2p, but the openssl command is OpenSSL 3.0.20 7 Apr 2026 (Library: OpenSSL 3.0.20 7 Apr 2026)',
    ]);
    expect(buildSelfReport('receiver', declared('debian-bookworm'), 'x', onlyOpenssl).mismatches).toEqual([
      'declared Postfix 3.7, but the image has no postconf',
    ]);
  });
});

describe.each([
  ['debian-bullseye', '3.5.25', 'OpenSSL 1.1.1w  11 Sep 2023', '/lib/x86_64-linux-gnu/libssl.so.1.1'],
  ['debian-trixie', '3.10.13', 'OpenSSL 3.5.9 29 Sep 2026', '/lib/x86_64-linux-gnu/libssl.so.3'],
])('a stock %s image', (name, postfix, library, path) => {
  const report = buildSelfReport('receiver', declared(name), `tlslab/${name}:x`, fixture(name));

  it('agrees with its toolchain file and offers no SSLv3, RC4 or 3DES', () => {
    expect(report).toMatchObject({ mailVersion: postfix, linkedTls: library, linkedLibrary: path, clientTls: library, mismatches: [] });
    expect(report.protocols).toEqual(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    expect(report.cipherClasses).not.toEqual(expect.arrayContaining(['RC4']));
    expect(report.cipherClasses).not.toEqual(expect.arrayContaining(['3DES']));
  });
});
