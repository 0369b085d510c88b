import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandParameters, parameterReferences, parseLookupTable, parseMainCf, parseMasterCf } from '../../../lab/postfix-config/main-cf.ts';

const fixture = (path: string) => readFileSync(new URL(`../../fixtures/configs/${path}`, import.meta.url), 'utf8');

describe('parseMainCf', () => {
  it('reads comments, continuation lines and $name references as Postfix does', () => {
    const { entries, problems } = parseMainCf(fixture('bookworm-baseline/main.cf'));
    expect(problems).toEqual([]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('smtpd_relay_restrictions')?.value).toBe('permit_mynetworks permit_sasl_authenticated defer_unauth_destination');
    expect(byName.get('smtpd_banner')?.value).toBe('$myhostname ESMTP $mail_name (Debian/GNU)');
    expect(byName.get('smtp_tls_session_cache_database')?.value).toBe('btree:${data_directory}/smtp_scache');
    expect(byName.get('relayhost')?.value).toBe('');
    expect(byName.get('smtpd_tls_cert_file')?.line).toBe(9);
  });

  it('lets a later setting win and reports lines that are not settings', () => {
    const { entries, problems } = parseMainCf('a = 1\n  # indented comment\nb = 2\na = 3\n  continued\nnonsense line\n');
    expect(entries.map((e) => [e.name, e.value])).toEqual([
      ['b', '2'],
      ['a', '3 continued'],
    ]);
    expect(problems).toEqual([{ line: 6, message: 'not a "name = value" line: nonsense line' }]);
  });
});

describe('parseMasterCf', () => {
  it('reads services with their -o overrides across continuation lines', () => {
    const services = parseMasterCf(fixture('with-files/master.cf'));
    expect(services.map((s) => `${s.service}/${s.type}/${s.command}`)).toEqual(['smtp/inet/postscreen', 'smtpd/pass/smtpd', 'submission/inet/smtpd', 'smtp/unix/smtp']);
    expect(services[1]!.overrides).toEqual([
      { name: 'smtpd_tls_ciphers', value: 'high' },
      { name: 'smtpd_tls_exclude_ciphers', value: 'aNULL,RC4' },
    ]);
  });
  it('reads values with spaces in braces, as Postfix 3.0 and later take them', () => {
    const [submission] = parseMasterCf('submission inet n - y - - smtpd -o { smtpd_tls_protocols = !SSLv2, !SSLv3 } -o smtpd_tls_ciphers={ high } -o {smtpd_tls_security_level=encrypt}\n');
    expect(submission?.overrides).toEqual([
      { name: 'smtpd_tls_protocols', value: '!SSLv2, !SSLv3' },
      { name: 'smtpd_tls_ciphers', value: 'high' },
      { name: 'smtpd_tls_security_level', value: 'encrypt' },
    ]);
    expect(parseMasterCf('lmtp unix - - y - - lmtp -o { lmtp_tls_mandatory_protocols = !SSLv2, !SSLv3 }\n')[0]?.overrides).toEqual([{ name: 'lmtp_tls_mandatory_protocols', value: '!SSLv2, !SSLv3' }]);
  });
});

describe('parseLookupTable', () => {
  it('reads key/value tables with comments and continuations', () => {
    expect(parseLookupTable(fixture('with-files/starttls_discard'), false)).toEqual({ '192.0.2.10': 'starttls', '192.0.2.11': 'starttls, silent-discard' });
  });
  it('keeps a regexp pattern whole', () => {
    expect(parseLookupTable('/^mail\\.example\\.(com|org)$/  starttls\n', true)).toEqual({ '/^mail\\.example\\.(com|org)$/': 'starttls' });
  });
});

describe('parameter references', () => {
  const lookup = (name: string) => ({ config_directory: '/etc/postfix', level: 'encrypt', nested: '$level' } as Record<string, string>)[name];
  it('expands $name, ${name} and $(name), recursively', () => {
    expect(expandParameters('${config_directory}/certs/$(level)-$nested.pem', lookup)).toEqual({ text: '/etc/postfix/certs/encrypt-encrypt.pem', complete: true });
  });
  it('keeps an unknown or conditional reference as written, and says the result is not complete', () => {
    expect(expandParameters('$unknown/x', lookup)).toEqual({ text: '$unknown/x', complete: false });
    expect(expandParameters('${level?{10}}', lookup)).toEqual({ text: '${level?{10}}', complete: false });
  });
  it('names the parameters of every form', () => {
    expect(parameterReferences('$a ${b} $(c) ${d?x} ${e:y}')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
