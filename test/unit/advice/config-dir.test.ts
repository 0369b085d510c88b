import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logHintsOf, readConfigDir } from '../../../lab/advice/config-dir.ts';
import { isLabError } from '../../../lab/errors.ts';

const configs = new URL('../../fixtures/configs/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'advice-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('readConfigDir', () => {
  it('keeps TLS settings, overrides identity and drops what needs the outside world, each with a reason', async () => {
    const config = await readConfigDir(join(configs, 'bookworm-baseline'));
    const action = (name: string) => config.decisions.find((d) => d.parameter === name)?.action;
    expect(action('smtpd_tls_security_level')).toBe('keep');
    expect(action('compatibility_level')).toBe('keep');
    expect(action('myhostname')).toBe('override');
    expect(action('mydestination')).toBe('override');
    expect(action('inet_interfaces')).toBe('override');
    expect(action('relayhost')).toBe('drop');
    expect(action('smtpd_milters')).toBe('drop');
    expect(action('smtpd_relay_restrictions')).toBe('drop');
    // No snakeoil certificate in the folder: a generated one is used, and the report says so.
    expect(config.decisions.find((d) => d.parameter === 'smtpd_tls_cert_file')).toMatchObject({ action: 'drop', reason: expect.stringContaining('generated self-signed RSA') });
    expect(config.receiver.mainCf).not.toHaveProperty('myhostname');
    expect(config.receiver.mainCf.smtp_tls_CApath).toBe('/etc/ssl/certs');
    expect(config.receiver.mainCf.smtp_tls_session_cache_database).toBe('btree:${data_directory}/smtp_scache');
    expect(config.decisions.every((d) => d.reason.length > 0)).toBe(true);
  });

  it('copies the files main.cf names into the receiver and points the parameters there', async () => {
    const config = await readConfigDir(join(configs, 'with-files'), { certType: 'ecdsa' });
    expect(config.receiver.files).toEqual({ 'mail.pem': 'certs/mail.pem', 'mail.key': 'private/mail.key', 'dh2048.pem': 'dh2048.pem' });
    expect(config.receiver.mainCf).toMatchObject({
      smtpd_tls_cert_file: '/lab/receiver/files/mail.pem',
      smtpd_tls_key_file: '/lab/receiver/files/mail.key',
      smtpd_tls_dh1024_param_file: '/lab/receiver/files/dh2048.pem',
      smtpd_discard_ehlo_keyword_address_maps: 'hash:/etc/postfix/starttls_discard',
      smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt',
      // from master.cf: postscreen's smtpd pass entry
      smtpd_tls_ciphers: 'high',
      smtpd_tls_exclude_ciphers: 'aNULL,RC4',
    });
    expect(config.receiver.maps.starttls_discard).toEqual({ '192.0.2.10': 'starttls', '192.0.2.11': 'starttls, silent-discard' });
    // The admin's own certificate wins over --cert-type.
    expect(config.receiver.certificate).toEqual({ generate: ['rsa'] });
    expect(config.decisions.find((d) => d.parameter === 'smtpd_client_restrictions')?.action).toBe('drop');
    expect(config.decisions.find((d) => d.parameter === 'master.cf smtp inet')?.reason).toContain('postscreen');
    expect(config.decisions.find((d) => d.parameter === 'master.cf listeners')).toMatchObject({ value: 'submission/inet', action: 'keep' });
    expect(config.listeners).toEqual([{
      service: 'submission', port: 587, syslogName: 'postfix', wrapper: false, overrides: { smtpd_tls_security_level: 'encrypt' }, source: 'master.cf:6',
      decisions: [{ parameter: 'smtpd_tls_security_level', value: 'encrypt', action: 'keep', reason: 'applied as written', source: 'master.cf:6 (submission -o)' }], problems: [],
    }]);
    expect(config.versions).toMatchObject({ postfix: '3.7.11', openssl: '3.0.15' });
  });

  it('refuses files that are not in the folder, naming the parameter, the path and what to do', async () => {
    const dir = join(scratch, 'missing');
    cpSync(join(configs, 'with-files'), dir, { recursive: true });
    rmSync(join(dir, 'dh2048.pem'));
    writeFileSync(join(dir, 'main.cf'), 'smtpd_tls_dh1024_param_file = /etc/postfix/dh2048.pem\nsmtpd_tls_CAfile = /etc/postfix/ca.pem\nsmtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:10023\nsender_access = ldap:/etc/postfix/ldap.cf\n');
    const error = await readConfigDir(dir).catch((e: unknown) => e);
    expect(isLabError(error, 'LAB_INPUT_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('main.cf:2: smtpd_tls_CAfile = /etc/postfix/ca.pem: no file ca.pem');
    expect(message).toContain('Copy the file into the folder, or remove the parameter');
    // A DH parameter file is no problem: Postfix goes on with its built-in group without it, and so does the lab.
    expect(message).not.toContain('smtpd_tls_dh1024_param_file');
    expect(message).toContain('ldap:/etc/postfix/ldap.cf needs a server');
    expect(message).not.toContain('smtpd_recipient_restrictions');
  });

  it('runs without a DH parameter file that is not in the folder, as Postfix does, and says what that leaves untested', async () => {
    const dir = join(scratch, 'no-dh-file');
    cpSync(join(configs, 'with-files'), dir, { recursive: true });
    rmSync(join(dir, 'dh2048.pem'));
    writeFileSync(join(dir, 'main.cf'), 'smtpd_tls_dh1024_param_file = /etc/postfix/dh2048.pem\nsmtpd_tls_protocols = >=TLSv1.2\n');
    const config = await readConfigDir(dir);
    expect(config.receiver.mainCf).toEqual(expect.not.objectContaining({ smtpd_tls_dh1024_param_file: expect.anything() }));
    expect(config.decisions.find((d) => d.parameter === 'smtpd_tls_dh1024_param_file')).toMatchObject({
      action: 'drop', reason: expect.stringContaining('Postfix\'s built-in DH group'),
    });
  });

  it('reads master.cf\'s smtpd listeners with their TLS settings: files copied, the rest dropped, a missing file kept as their problem', async () => {
    const dir = join(scratch, 'listeners');
    cpSync(join(configs, 'with-files'), dir, { recursive: true });
    writeFileSync(join(dir, 'master.cf'), [
      'smtp      inet  n       -       y       -       -       smtpd',
      'smtps     inet  n       -       y       -       -       smtpd',
      '  -o syslog_name=postfix/$service_name',
      '  -o smtpd_tls_wrappermode=yes',
      '  -o smtpd_sasl_auth_enable=yes',
      '  -o smtpd_tls_cert_file=/etc/postfix/certs/mail.pem',
      '  -o cleanup_service_name=submission-cleanup',
      '0.0.0.0:10025 inet n - n - - smtpd -o smtpd_tls_CAfile=/etc/postfix/nowhere.pem',
      '127.0.0.1:10026 inet n - n - - smtpd -o content_filter=',
      'imaps     inet  n       -       y       -       -       smtpd',
      '',
    ].join('\n'));
    const config = await readConfigDir(dir);
    expect(config.listeners.map(({ decisions: _decisions, ...l }) => l)).toEqual([
      {
        service: 'smtps', port: 465, syslogName: 'postfix/smtps', wrapper: true, source: 'master.cf:2', problems: [],
        overrides: { smtpd_tls_wrappermode: 'yes', smtpd_tls_cert_file: '/lab/receiver/files/mail.pem' },
        // Its own certificate, checked as main.cf's is.
        certificate: expect.objectContaining({ file: 'certs/mail.pem', names: ['mx1.example.org'] }),
      },
      {
        service: '0.0.0.0:10025', port: 10025, syslogName: 'postfix', wrapper: false, source: 'master.cf:8', overrides: {},
        problems: [expect.stringContaining('master.cf:8 (0.0.0.0:10025 -o): smtpd_tls_CAfile = /etc/postfix/nowhere.pem: no file nowhere.pem')],
      },
    ]);
    expect(config.listeners[0]?.decisions.filter((d) => d.action === 'drop').map((d) => d.parameter)).toEqual(['smtpd_sasl_auth_enable', 'cleanup_service_name']);
    // A content filter's re-injection port on the loopback address is no listener outside peers reach.
    expect(config.decisions.find((d) => d.parameter === 'master.cf services')).toMatchObject({ value: '127.0.0.1:10026/inet, imaps/inet', action: 'drop' });
  });

  it('runs TLS log level 0 at 1, in main.cf and on a listener, as outcomes are read from the log; higher levels stay', async () => {
    const dir = join(scratch, 'loglevel');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.cf'), 'smtpd_tls_security_level = may\nsmtpd_tls_loglevel = 0\nsmtp_tls_loglevel = 2\n');
    writeFileSync(join(dir, 'master.cf'), 'submission inet n - y - - smtpd -o smtpd_tls_loglevel=0 -o smtpd_tls_security_level=encrypt\n');
    const config = await readConfigDir(dir);
    expect(config.receiver.mainCf).toMatchObject({ smtpd_tls_loglevel: '1', smtp_tls_loglevel: '2' });
    expect(config.decisions.find((d) => d.parameter === 'smtpd_tls_loglevel')).toMatchObject({ action: 'rewrite', value: '0', labValue: '1', reason: expect.stringContaining('logs no "TLS connection established" line') });
    expect(config.decisions.find((d) => d.parameter === 'smtp_tls_loglevel')?.action).toBe('keep');
    expect(config.listeners[0]?.overrides).toEqual({ smtpd_tls_loglevel: '1', smtpd_tls_security_level: 'encrypt' });
  });

  it('runs tlsproxy when master.cf has it (smtp_tls_connection_reuse needs it), and says so when master.cf is missing', async () => {
    const dir = join(scratch, 'connection-reuse');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.cf'), 'smtp_tls_connection_reuse = yes\nsmtp_tls_security_level = may\n');
    const without = await readConfigDir(dir);
    expect(without.receiver.masterCf).toEqual([]);
    expect(without.decisions.find((d) => d.parameter === 'master.cf tlsproxy')).toMatchObject({ action: 'drop', source: 'main.cf:1', reason: expect.stringContaining('Add master.cf') });
    writeFileSync(join(dir, 'master.cf'), 'smtp      inet  n       -       y       -       -       smtpd\n#tlsproxy  unix  -       -       y       -       0       tlsproxy\n');
    expect((await readConfigDir(dir)).receiver.masterCf).toEqual([]);
    writeFileSync(join(dir, 'master.cf'), 'smtp      inet  n       -       y       -       -       smtpd\ntlsproxy  unix  -       -       y       -       0       tlsproxy\n');
    const withProxy = await readConfigDir(dir);
    expect(withProxy.receiver.masterCf).toEqual(['tlsproxy unix - - y - 0 tlsproxy']);
    expect(withProxy.decisions.find((d) => d.parameter === 'master.cf tlsproxy')).toMatchObject({ action: 'keep', source: 'master.cf:2' });
  });

  it('asks for main.cf when the folder has none', async () => {
    await expect(readConfigDir(scratch)).rejects.toThrow(/no main.cf in the folder/);
  });

  it('runs a TLS security level that main.cf leaves out at may, or empty (Postfix\'s default) when legacy settings decide', async () => {
    const config = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/ecdsa-certificate'));
    expect(config.receiver.mainCf.smtpd_tls_security_level).toBe('may');
    expect(config.receiver.mainCf).not.toHaveProperty('smtp_tls_security_level');
    expect(config.decisions.find((d) => d.parameter === 'smtp_tls_security_level')).toMatchObject({ action: 'override', labValue: 'may', source: 'lab default' });
    const both = await readConfigDir(join(import.meta.dirname, '../../fixtures/configs/bookworm-baseline'));
    expect(both.decisions.filter((d) => d.source === 'lab default' || d.source === 'Postfix default')).toEqual([]);
    const legacy = join(scratch, 'legacy');
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'main.cf'), 'smtpd_use_tls = yes\nsmtpd_enforce_tls = yes\nsmtp_use_tls = yes\n');
    const old = await readConfigDir(legacy);
    expect(old.receiver.mainCf).toMatchObject({ smtpd_use_tls: 'yes', smtpd_enforce_tls: 'yes', smtpd_tls_security_level: '', smtp_tls_security_level: '' });
    expect(old.decisions.find((d) => d.parameter === 'smtpd_tls_security_level')?.reason).toContain('smtpd_use_tls and smtpd_enforce_tls decide');
  });

  it('asks for the folder when given main.cf itself', async () => {
    await expect(readConfigDir(join(import.meta.dirname, '../../fixtures/configs/ecdsa-certificate/main.cf'))).rejects.toThrow(/main\.cf: a file; give the folder that holds main\.cf/);
  });
});

describe('logHintsOf', () => {
  it('tells the log reader the versions the folder names and the STARTTLS timeouts main.cf sets', async () => {
    expect(logHintsOf(await readConfigDir(join(configs, 'with-files'), { certType: 'ecdsa' }))).toEqual({ postfixVersion: '3.7.11', opensslVersion: '3.0.15' });
    const dir = join(scratch, 'timeouts');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.cf'), 'smtpd_tls_security_level = may\nsmtpd_starttls_timeout = 20s\nsmtp_starttls_timeout = ${stress?{10}:{300}}s\n');
    expect(logHintsOf(await readConfigDir(dir))).toEqual({ starttlsTimeout: { smtpd: 20 } });
  });

  it('names the TLS settings no Postfix process reads at the levels configured', async () => {
    const config = await readConfigDir(join(configs, 'bookworm-invalid-protocols'));
    expect(config.unusedSettings).toEqual([expect.objectContaining({ parameter: 'smtpd_tls_mandatory_protocols', source: 'main.cf:5', reason: expect.stringContaining('reads smtpd_tls_protocols instead (= TLSv1.2, TLSv1.4)') })]);
    expect((await readConfigDir(join(configs, 'bookworm-baseline'))).unusedSettings).toEqual([]);
  });
});
