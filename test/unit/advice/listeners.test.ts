import { describe, expect, it } from 'vitest';
import type { Listener } from '../../../lab/advice/config-dir.ts';
import type { LoggedFailure } from '../../../lab/advice/failures.ts';
import { enforcesTls, failureListeners, fixedOverrides, listenerEntry, listenerFixes, listenerPopulation, listenerSenderName, listenerWay } from '../../../lab/advice/listeners.ts';
import { loadSenderProfiles } from '../../../lab/senders/profiles.ts';

const failure = (key: string, service: string): LoggedFailure => ({
  direction: 'inbound', key, class: 'unsupported-protocol', summary: 'unsupported protocol', explanation: '', remedy: '', peers: [], evidence: [], service,
});

const submission: Listener = {
  service: 'submission', port: 587, syslogName: 'postfix/submission', wrapper: false,
  overrides: { smtpd_tls_security_level: 'encrypt', smtpd_tls_mandatory_protocols: '>=TLSv1.2' }, source: 'master.cf:12', decisions: [], problems: [],
};

describe('listeners besides port 25', () => {
  it('a failure is on the master.cf listener whose syslog_name tags its sessions; main.cf\'s tag is port 25', () => {
    const failures = [failure('a', 'postfix/submission/smtpd'), failure('b', 'postfix/smtpd'), failure('c', 'postfix/smtps/smtpd')];
    const found = failureListeners(failures, { listeners: [submission], masterCfText: 'x', entries: [] });
    expect([...found]).toEqual([['a', submission]]);
    // main.cf's own syslog_name is port 25's tag.
    expect([...failureListeners([failure('d', 'mx/smtpd')], { listeners: [], masterCfText: 'x', entries: [{ name: 'syslog_name', value: 'mx', line: 3 }] })]).toEqual([]);
  });

  it('without master.cf, a log tag of smtps or submission stands for Postfix\'s own listener', () => {
    const found = failureListeners([failure('a', 'postfix/smtps/smtpd'), failure('b', 'postfix/submission/smtpd'), failure('c', 'postfix/smtps/smtpd'), failure('d', 'postfix/relay/smtpd')], { listeners: [], entries: [] });
    expect(found.get('a')).toMatchObject({ service: 'smtps', port: 465, wrapper: true, overrides: { smtpd_tls_wrappermode: 'yes' }, source: expect.stringContaining('no master.cf given') });
    expect(found.get('c')).toBe(found.get('a'));
    expect(found.get('b')).toMatchObject({ service: 'submission', port: 587, wrapper: false, overrides: { smtpd_tls_security_level: 'encrypt' } });
    expect(found.has('d')).toBe(false);
  });

  it('the lab runs a listener on its numeric port with its log tag and TLS settings, braced where a value has spaces', () => {
    expect(listenerEntry(submission)).toBe('587 inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_mandatory_protocols=>=TLSv1.2');
    expect(listenerEntry({ ...submission, overrides: { smtpd_tls_exclude_ciphers: 'aNULL, RC4' } })).toBe('587 inet n - n - - smtpd -o syslog_name=postfix/submission -o { smtpd_tls_exclude_ciphers=aNULL, RC4 }');
    expect(listenerSenderName('probe-tlsv1-to-tlsv1-1', submission)).toBe('probe-tlsv1-to-tlsv1-1-587');
    expect(listenerSenderName('a'.repeat(40), submission)).toHaveLength(41);
    expect(listenerSenderName('a'.repeat(40), { ...submission, port: 10025 })).toBe(`${'a'.repeat(35)}-10025`);
  });

  it('wrapper mode, the encrypt level and smtpd_enforce_tls require TLS; senders start TLS at once on a wrapper-mode listener', () => {
    const smtps = { ...submission, wrapper: true, overrides: {} };
    expect([enforcesTls(submission), enforcesTls(smtps), enforcesTls({ ...submission, overrides: {} }), enforcesTls({ ...submission, overrides: { smtpd_enforce_tls: 'yes' } })]).toEqual([true, true, false, true]);
    expect([listenerWay(smtps), listenerWay(submission)]).toEqual([{ port: 587, starttls: 'implicit' }, { port: 587 }]);
  });

  it('a fix changes a setting where it is set: in the listener\'s -o when it sets it, else in main.cf', () => {
    const mainCf = { smtpd_tls_protocols: '!SSLv2, !SSLv3, !TLSv1', smtpd_tls_mandatory_protocols: '!SSLv2, !SSLv3, !TLSv1' };
    const fixes = listenerFixes([{ class: 'unsupported-protocol', offered: ['TLSv1'], senders: ['tls10-only-587'] }], mainCf, submission, '3.7.11', 7);
    // Not offering STARTTLS serves no sender of a listener that requires TLS.
    expect(fixes).toEqual([{
      id: '587-allow-tlsv1', title: 'allow TLSv1 inbound on submission (its master.cf -o)', why: expect.any(String), size: 2,
      mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3' },
      listener: { port: 587, service: 'submission', set: { smtpd_tls_mandatory_protocols: '>=TLSv1' } },
    }]);
    expect(fixedOverrides(submission, fixes[0]!)).toEqual({ smtpd_tls_security_level: 'encrypt', smtpd_tls_mandatory_protocols: '>=TLSv1' });
    expect(fixedOverrides({ ...submission, port: 465 }, fixes[0]!)).toBe(submission.overrides);
  });

  it('validate sends the population\'s one-shot clients to each listener; not the MTAs, nor a plaintext client to TLS at once', async () => {
    const profiles = await loadSenderProfiles();
    const senders = ['tls10-only', 'modern-tls13', 'no-starttls', 'postfix-3-debian', 'exim-gnutls-debian'].map((profile) => ({ profile, expect: { outcome: 'tls' as const } }));
    const smtps: Listener = { ...submission, service: 'smtps', port: 465, wrapper: true, overrides: { smtpd_tls_wrappermode: 'yes' } };
    expect(listenerPopulation([submission, smtps], senders, profiles).map((s) => [s.name, s.port, s.starttls])).toEqual([
      ['tls10-only-587', 587, undefined], ['modern-tls13-587', 587, undefined], ['no-starttls-587', 587, undefined],
      ['tls10-only-465', 465, 'implicit'], ['modern-tls13-465', 465, 'implicit'],
    ]);
  });
});
