import { describe, expect, it } from 'vitest';
import { unusedSettings } from '../../../lab/postfix-config/unused-settings.ts';

const lines = (...settings: string[]) => `${settings.join('\n')}\n`;
const names = (main: string, master?: string) => unusedSettings(main, master).map((u) => `${u.source} ${u.parameter}`);

describe('unusedSettings', () => {
  const cases: { name: string; main: string; master?: string; unused: string[] }[] = [
    {
      name: 'the smtp client at encrypt reads the mandatory protocols, not smtp_tls_protocols',
      main: lines('smtpd_tls_security_level = may', 'smtp_tls_security_level = encrypt', 'smtp_tls_protocols = >=TLSv1.3'),
      unused: ['main.cf:3 smtp_tls_protocols'],
    },
    {
      name: 'smtpd at encrypt: its opportunistic protocols and ciphers are not read',
      main: lines('smtpd_tls_security_level = encrypt', 'smtpd_tls_protocols = >=TLSv1.3', 'smtpd_tls_ciphers = high', 'smtpd_tls_exclude_ciphers = RC4', 'smtp_tls_security_level = may'),
      unused: ['main.cf:2 smtpd_tls_protocols', 'main.cf:3 smtpd_tls_ciphers'],
    },
    {
      name: 'smtpd at may: the mandatory settings and smtpd_tls_req_ccert are not read',
      main: lines(
        'smtpd_tls_security_level = may', 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'smtpd_tls_mandatory_ciphers = high',
        'smtpd_tls_mandatory_exclude_ciphers = aNULL, RC4', 'smtpd_tls_req_ccert = yes', 'smtp_tls_security_level = may',
      ),
      unused: ['main.cf:2 smtpd_tls_mandatory_protocols', 'main.cf:3 smtpd_tls_mandatory_ciphers', 'main.cf:4 smtpd_tls_mandatory_exclude_ciphers', 'main.cf:5 smtpd_tls_req_ccert'],
    },
    {
      name: 'both levels alike, or exclusions the general list already makes: nothing to say',
      main: lines(
        'smtpd_tls_security_level = may', 'smtpd_tls_protocols = !SSLv2, !SSLv3', 'smtpd_tls_mandatory_protocols = !SSLv3 !SSLv2',
        'smtpd_tls_exclude_ciphers = aNULL, RC4, 3DES', 'smtpd_tls_mandatory_exclude_ciphers = RC4', 'smtp_tls_security_level = may',
      ),
      unused: [],
    },
    {
      name: 'a reference reads the parameter it names',
      main: lines('smtpd_tls_security_level = encrypt', 'smtpd_tls_protocols = >=TLSv1.2', 'smtpd_tls_mandatory_protocols = $smtpd_tls_protocols'),
      unused: [],
    },
    {
      name: 'a reference across sides: the smtp client reads smtpd\'s protocols',
      main: lines('smtpd_tls_security_level = encrypt', 'smtpd_tls_protocols = >=TLSv1.2', 'smtp_tls_security_level = may', 'smtp_tls_protocols = $smtpd_tls_protocols'),
      unused: [],
    },
    {
      name: 'a level through a reference of main.cf',
      main: lines('tls_level = encrypt', 'smtp_tls_security_level = ${tls_level}', 'smtp_tls_protocols = >=TLSv1.3'),
      unused: ['main.cf:3 smtp_tls_protocols'],
    },
    {
      name: 'a level this folder does not tell (unset, an unknown reference, dane, per-destination policies): nothing to say',
      main: lines(
        'smtpd_tls_mandatory_protocols = >=TLSv1.3', 'smtp_tls_security_level = dane', 'smtp_tls_mandatory_protocols = >=TLSv1.3',
        'lmtp_tls_security_level = $elsewhere',
      ),
      unused: [],
    },
    {
      name: 'per-destination policies decide the smtp client\'s level',
      main: lines('smtp_tls_security_level = may', 'smtp_tls_policy_maps = hash:/etc/postfix/tls_policy', 'smtp_tls_mandatory_protocols = >=TLSv1.3'),
      unused: [],
    },
    {
      name: 'an LMTP client with TLS may read the smtp client\'s settings: the smtp side is left out',
      main: lines('smtp_tls_security_level = encrypt', 'smtp_tls_protocols = >=TLSv1.3', 'lmtp_tls_security_level = may'),
      unused: [],
    },
    {
      name: 'the legacy booleans decide when the level is empty',
      main: lines('smtpd_use_tls = yes', 'smtpd_enforce_tls = yes', 'smtpd_tls_protocols = !SSLv2', 'smtp_use_tls = yes', 'smtp_tls_mandatory_protocols = !SSLv2'),
      unused: ['main.cf:3 smtpd_tls_protocols', 'main.cf:5 smtp_tls_mandatory_protocols'],
    },
    {
      name: 'a legacy boolean that the level overrides, where it says otherwise',
      main: lines('smtpd_tls_security_level = may', 'smtpd_enforce_tls = yes', 'smtpd_use_tls = yes', 'smtp_tls_security_level = encrypt', 'smtp_use_tls = no'),
      master: lines('smtp inet n - y - - smtpd', 'submission inet n - y - - smtpd -o smtpd_enforce_tls=no', 'smtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_enforce_tls=no'),
      unused: ['master.cf:3 (smtps -o) smtpd_enforce_tls', 'main.cf:2 smtpd_enforce_tls', 'main.cf:5 smtp_use_tls'],
    },
    {
      name: 'TLS off: nothing of it is read',
      main: lines('smtpd_tls_security_level = none', 'smtpd_tls_protocols = >=TLSv1.2', 'smtp_tls_security_level = may'),
      unused: ['main.cf:2 smtpd_tls_protocols'],
    },
    {
      name: 'listeners of master.cf: main.cf\'s settings are read by one or another; a listener\'s own -o may not be',
      main: lines('smtpd_tls_security_level = may', 'smtpd_tls_protocols = !SSLv2, !SSLv3', 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'smtp_tls_security_level = may'),
      master: lines(
        'smtp      inet  n       -       y       -       -       smtpd',
        'submission inet n       -       y       -       -       smtpd',
        '  -o smtpd_tls_security_level=encrypt',
        '  -o smtpd_tls_protocols=>=TLSv1.3',
        'smtps     inet  n       -       y       -       -       smtpd',
        '  -o smtpd_tls_wrappermode=yes',
        '  -o smtpd_tls_ciphers=high',
        '  -o smtpd_tls_req_ccert=no',
        'smtp      unix  -       -       y       -       -       smtp',
        'relay     unix  -       -       y       -       -       smtp',
        '  -o smtp_tls_security_level=encrypt',
      ),
      unused: ['master.cf:2 (submission -o) smtpd_tls_protocols', 'master.cf:5 (smtps -o) smtpd_tls_ciphers'],
    },
    {
      name: 'a level in braces, as Postfix 3.0 and later take -o values',
      main: lines('smtpd_tls_security_level = may', 'smtpd_tls_mandatory_protocols = >=TLSv1.2', 'smtp_tls_security_level = may'),
      master: lines('smtp inet n - y - - smtpd', 'submission inet n - y - - smtpd -o { smtpd_tls_security_level = encrypt }'),
      unused: [],
    },
    {
      name: 'a master.cf without the port-25 smtpd or the smtp transport leaves them to main.cf',
      main: lines('smtpd_tls_security_level = encrypt', 'smtpd_tls_protocols = >=TLSv1.3', 'smtp_tls_security_level = encrypt', 'smtp_tls_protocols = >=TLSv1.3'),
      master: lines('submission inet n - y - - smtpd', '  -o smtpd_tls_security_level=may'),
      unused: ['main.cf:4 smtp_tls_protocols'],
    },
    {
      name: 'a tlsproxy of its own settings: the smtpd side is left out',
      main: lines('smtpd_tls_security_level = encrypt', 'smtpd_tls_protocols = >=TLSv1.3', 'tlsproxy_tls_security_level = may'),
      unused: [],
    },
    {
      name: 'postscreen\'s STARTTLS at a level of its own: the smtpd side is left out',
      main: lines('smtpd_tls_security_level = may', 'smtpd_tls_mandatory_protocols = >=TLSv1.3', 'postscreen_tls_security_level = encrypt'),
      unused: [],
    },
    {
      name: 'tls_high_cipherlist with no grade high in use',
      main: lines('smtpd_tls_security_level = may', 'smtpd_tls_mandatory_ciphers = high', 'smtp_tls_security_level = may', 'tls_high_cipherlist = ECDHE+AESGCM'),
      unused: ['main.cf:2 smtpd_tls_mandatory_ciphers', 'main.cf:4 tls_high_cipherlist'],
    },
    {
      name: 'tls_high_cipherlist with a grade high in use',
      main: lines('smtpd_tls_security_level = may', 'smtpd_tls_ciphers = high', 'smtp_tls_security_level = may', 'tls_high_cipherlist = ECDHE+AESGCM'),
      unused: [],
    },
  ];
  it.each(cases)('$name', ({ main, master, unused }) => {
    expect(names(main, master)).toEqual(unused);
  });

  it('says what the process reads instead, and how its level was decided', () => {
    const [smtp] = unusedSettings(lines('smtp_tls_security_level = encrypt', 'smtp_tls_protocols = >=TLSv1.3', 'smtp_tls_mandatory_protocols = >=TLSv1'));
    expect(smtp).toEqual({
      parameter: 'smtp_tls_protocols', value: '>=TLSv1.3', source: 'main.cf:2', file: 'main.cf', line: 2,
      reason: 'the smtp client does not run at level may (smtp_tls_security_level = encrypt); where TLS is required it reads smtp_tls_mandatory_protocols instead (= >=TLSv1)',
    });
    const [listener] = unusedSettings(lines('smtpd_tls_security_level = may'), lines('smtp inet n - y - - smtpd', 'smtps inet n - y - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_tls_protocols=>=TLSv1.2'));
    expect(listener?.reason).toBe('the smtpd of smtps does not run at level may (smtpd_tls_wrappermode = yes); where TLS is required it reads smtpd_tls_mandatory_protocols instead (not set, so Postfix\'s default)');
    const [enforce] = unusedSettings(lines('smtpd_tls_security_level = may', 'smtpd_enforce_tls = yes'));
    expect(enforce?.reason).toBe('smtpd_tls_security_level = may decides the level of the smtpd, and smtpd_enforce_tls is read only when smtpd_tls_security_level is empty');
    const [ccert] = unusedSettings(lines('smtpd_tls_security_level = may', 'smtpd_tls_req_ccert = yes'));
    expect(ccert?.reason).toContain('Can\'t require client certs unless TLS is required');
  });

  it('the reported case\'s protocols, alike at both levels: no claim', () => {
    expect(names(lines('smtpd_tls_security_level = may', 'smtpd_tls_protocols = !TLSv1, !SSLv2, !SSLv3', 'smtpd_tls_mandatory_protocols = !TLSv1, !SSLv2, !SSLv3'))).toEqual([]);
  });
});
