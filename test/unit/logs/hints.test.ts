import { describe, expect, it } from 'vitest';
import { postfixSeconds, starttlsTimeouts } from '../../../lab/logs/hints.ts';

describe('Postfix parameters as log hints', () => {
  it('reads Postfix time values, and nothing else', () => {
    expect([postfixSeconds('300s'), postfixSeconds('5m'), postfixSeconds(' 30 '), postfixSeconds('1h'), postfixSeconds('2d'), postfixSeconds('1w')])
      .toEqual([300, 300, 30, 3600, 172800, 604800]);
    for (const value of ['', 's', '1.5s', '-5s', '10x', '${stress?{10}:{300}}s', '$smtpd_timeout']) expect(postfixSeconds(value)).toBeNaN();
  });

  it('gives the STARTTLS timeouts that are set to a plain time, per side', () => {
    const of = (values: Record<string, string>) => starttlsTimeouts((name) => values[name]);
    expect(of({})).toBeUndefined();
    expect(of({ smtpd_starttls_timeout: '20s' })).toEqual({ smtpd: 20 });
    expect(of({ smtp_starttls_timeout: '2m', smtpd_starttls_timeout: '${stress?{10}:{300}}s' })).toEqual({ smtp: 120 });
    expect(of({ smtpd_timeout: '30s' })).toBeUndefined();
  });
});
