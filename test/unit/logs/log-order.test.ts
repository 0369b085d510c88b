import { describe, expect, it } from 'vitest';
import { readLogFailures } from '../../../lab/advice/failures.ts';
import { inLogOrder, restoreCutHeaders } from '../../../lab/logs/log-order.ts';
import { readSessions } from '../../../lab/logs/sessions.ts';

/** A failed inbound session as Postfix writes it, oldest line first. */
const session = [
  'May  3 10:00:00 mx postfix/smtpd[21]: connect from a.example[192.0.2.60]',
  'May  3 10:00:00 mx postfix/smtpd[21]: SSL_accept error from a.example[192.0.2.60]: -1',
  'May  3 10:00:00 mx postfix/smtpd[21]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
  'May  3 10:00:01 mx postfix/smtpd[21]: lost connection after STARTTLS from a.example[192.0.2.60]',
  'May  3 10:00:01 mx postfix/smtpd[21]: disconnect from a.example[192.0.2.60] ehlo=1 starttls=0/1 commands=1/2',
];
/** The same as a console's table lists it: newest first, its own time format, one second for all. */
const consoleRows = [
  '5/3/2024, 10:00:01 AM | info | disconnect from a.example[192.0.2.60] ehlo=1 starttls=0/1 commands=1/2',
  '5/3/2024, 10:00:01 AM | info | lost connection after STARTTLS from a.example[192.0.2.60]',
  '5/3/2024, 10:00:01 AM | warning | warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
  '5/3/2024, 10:00:01 AM | info | SSL_accept error from a.example[192.0.2.60]: -1',
  '5/3/2024, 10:00:01 AM | info | connect from a.example[192.0.2.60]',
];

describe('inLogOrder', () => {
  const cases: { name: string; lines: string[]; reversed: boolean }[] = [
    { name: 'stamps that move forward', lines: session, reversed: false },
    { name: 'stamps that only go back', lines: [...session].reverse(), reversed: true },
    { name: 'no stamps, a peer that disconnects before it connects', lines: consoleRows, reversed: true },
    { name: 'no stamps, sessions in order', lines: [...consoleRows].reverse(), reversed: false },
    {
      name: 'an excerpt that starts and ends inside sessions: a peer seen only disconnecting or only connecting tells nothing',
      lines: ['disconnect from b.example[192.0.2.61] commands=0/0', 'connect from c.example[192.0.2.62]', 'connect from b.example[192.0.2.61]', 'disconnect from b.example[192.0.2.61] commands=0/0'],
      reversed: false,
    },
    {
      name: 'one year turning into the next among stamps that move forward',
      lines: ['Dec 31 23:59:59 mx postfix/smtpd[1]: connect from d[192.0.2.63]', 'Jan  1 00:00:00 mx postfix/smtpd[1]: disconnect from d[192.0.2.63]', 'Jan  1 00:00:01 mx postfix/smtpd[2]: connect from e[192.0.2.64]'],
      reversed: false,
    },
    { name: 'nothing to tell by', lines: ['warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:x.c:1:', 'no Postfix line'], reversed: false },
  ];
  it.each(cases)('$name', ({ lines, reversed }) => {
    const ordered = inLogOrder(lines);
    expect(ordered.reversed).toBe(reversed);
    expect(ordered.lines).toEqual(reversed ? [...lines].reverse() : lines);
  });

  it('lets a console\'s newest-first rows read as the session they are, evidence in log order', () => {
    const fromConsole = readLogFailures(consoleRows);
    const fromLog = readLogFailures(session);
    expect(fromConsole.reversed).toBe(true);
    expect(fromLog.reversed).toBe(false);
    expect(fromConsole.failures.map((f) => [f.key, f.peers])).toEqual(fromLog.failures.map((f) => [f.key, f.peers]));
    expect(fromConsole.sessions).toBe(1);
    expect(fromConsole.failures[0]!.evidence).toEqual([...consoleRows].reverse());
  });
});

describe('restoreCutHeaders', () => {
  const header = 'postfix/smtps/smtpd[4242]: ';
  it('gives bare messages right after a process\'s lines that process\'s header, so that they are one session', () => {
    const lines = [
      `${header}connect from mua.example[192.0.2.7]`,
      `${header}SSL_accept error from mua.example[192.0.2.7]: -1`,
      ' warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1584:SSL alert number 42:',
      'lost connection after CONNECT from mua.example[192.0.2.7]',
    ];
    const restored = restoreCutHeaders(lines);
    expect(restored.slice(2)).toEqual([
      `${header}warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1584:SSL alert number 42:`,
      `${header}lost connection after CONNECT from mua.example[192.0.2.7]`,
    ]);
    const sessions = readSessions(restored).sessions;
    expect(sessions.map((s) => [s.service, s.failure?.class])).toEqual([['postfix/smtps/smtpd', 'certificate-verification']]);
  });

  it('leaves a bare message of another peer, of the other daemon or of no session as it is', () => {
    const lines = [
      `${header}SSL_accept error from mua.example[192.0.2.7]: -1`,
      'lost connection after CONNECT from other.example[192.0.2.8]',
      `${header}SSL_accept error from mua.example[192.0.2.7]: -1`,
      'SSL_connect error to mx.example[192.0.2.9]:25: -1',
      `${header}connect from mua.example[192.0.2.7]`,
      '3A4B5C6D7E: removed',
    ];
    expect(restoreCutHeaders(lines)).toEqual(lines);
    // A header with a time stamp would give the bare line a time it did not have.
    const stamped = ['May  3 10:00:00 mx postfix/smtpd[21]: SSL_accept error from a.example[192.0.2.60]: -1', 'lost connection after STARTTLS from a.example[192.0.2.60]'];
    expect(restoreCutHeaders(stamped)).toEqual(stamped);
    // Nothing to give back in an excerpt without headers.
    expect(restoreCutHeaders(lines.filter((l) => !l.startsWith(header)))).toEqual(lines.filter((l) => !l.startsWith(header)));
  });
});
