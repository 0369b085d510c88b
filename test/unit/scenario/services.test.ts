import { describe, expect, it } from 'vitest';
import { servesPort, servicePort, withDefaultServices } from '../../../lab/scenario/services.ts';

describe('receiver services', () => {
  it.each([
    ['465', 465], ['smtps', 465], ['submissions', 465], ['submission', 587], ['smtp', 25], ['127.0.0.1:2525', 2525], ['[::1]:587', 587], ['imaps', undefined], ['private/x', undefined],
  ] as const)('the port of master.cf service %s is %s', (service, port) => {
    expect(servicePort(service)).toBe(port);
  });

  it('a port is served by an inet entry only', () => {
    expect(servesPort(['smtps inet n - n - - smtpd -o smtpd_tls_wrappermode=yes'], 465)).toBe(true);
    expect(servesPort(['465 unix n - n - - smtpd'], 465)).toBe(false);
    expect(servesPort([], 587)).toBe(false);
  });

  it('adds the default 465 and 587 services where master.cf has none, and says so', () => {
    const own = 'submission inet n - n - - smtpd -o smtpd_tls_security_level=may';
    const { masterCf, added } = withDefaultServices([own], [25, 465, 587, 465, 2525]);
    expect(masterCf).toEqual([own, '465 inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes']);
    expect(added).toEqual(['port 465: smtps (wrapper mode: TLS at once), as "465 inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes"']);
    expect(withDefaultServices([], [25])).toEqual({ masterCf: [], added: [] });
  });
});
