import { describe, expect, it } from 'vitest';
import { parseLine, type TlsEvent } from '../../../lab/logs/index.ts';
import { syslogOfJsonLine } from '../../../lab/logs/json-lines.ts';
import { ANY_DAY, isoTimestamp, newHeaderScan, scanHeader, stampYear } from '../../../lab/logs/line-header.ts';

describe('parseLine headers', () => {
  it.each([
    {
      name: 'classic syslog',
      line: 'Aug 23 19:34:29 server1 postfix/smtpd[7659]: connect from mail-lf1-f44.google.com[209.85.167.44]',
      header: { timestamp: '2018-08-23T19:34:29', host: 'server1', program: 'postfix/smtpd', daemon: 'smtpd', pid: 7659, postfix: true },
    },
    {
      name: 'busybox facility.severity',
      line: 'Nov 29 02:28:45 b96aa2733c29 mail.info postfix/smtpd[81]: initializing the server-side TLS engine',
      header: { timestamp: '2018-11-29T02:28:45', host: 'b96aa2733c29', facility: 'mail.info', program: 'postfix/smtpd', pid: 81 },
    },
    {
      name: 'RFC 3339',
      line: '2024-05-01T10:00:00.123456+02:00 host postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00.123456+02:00', host: 'host', program: 'postfix/smtpd', pid: 1 },
    },
    {
      name: 'maillog_file with a space-separated stamp',
      line: '2024-05-01 10:00:00.5 host postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00.5', host: 'host', pid: 1 },
    },
    {
      name: 'journalctl -o short-precise (fractional seconds after a classic stamp)',
      line: 'May 01 10:00:00.123456 mx postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-05-01T10:00:00.123456', host: 'mx', pid: 1 },
    },
    {
      name: 'journalctl in a French locale (month with its dot), as posted without a host',
      line: 'janv. 07 20:24:55 postfix/postfix-script[727866]: stopping the Postfix mail system',
      header: { timestamp: '2018-01-07T20:24:55', host: undefined, program: 'postfix/postfix-script', pid: 727866 },
    },
    {
      name: 'journalctl in a French locale, a month with a non-ASCII letter and short-precise fraction',
      line: 'août 09 11:00:00.123456 mx postfix/smtpd[3]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-08-09T11:00:00.123456', host: 'mx', pid: 3 },
    },
    {
      name: 'journalctl in a German locale',
      line: 'Mär 08 12:49:38 mx postfix/smtpd[2]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-03-08T12:49:38', host: 'mx', pid: 2 },
    },
    {
      name: 'journalctl in a Spanish locale: English names in lower case count too',
      line: 'dic 31 23:59:59 mx postfix/smtpd[4]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-12-31T23:59:59', host: 'mx', pid: 4 },
    },
    {
      name: 'journalctl in a Dutch locale: an English name in lower case',
      line: 'mar 01 10:00:00 mx postfix/smtpd[5]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-03-01T10:00:00', host: 'mx', pid: 5 },
    },
    {
      name: 'journalctl in a Russian locale (Cyrillic, the genitive of May)',
      line: 'мая 27 10:00:00 mx postfix/smtpd[6]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-05-27T10:00:00', host: 'mx', pid: 6 },
    },
    {
      name: 'journalctl in a Czech locale (Latin Extended-A letters)',
      line: 'říj 02 08:00:00 mx postfix/smtpd[7]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-10-02T08:00:00', host: 'mx', pid: 7 },
    },
    {
      name: 'journalctl in a Turkish locale (a capital with a cedilla)',
      line: 'Şub 14 09:30:00 mx postfix/smtpd[8]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-02-14T09:30:00', host: 'mx', pid: 8 },
    },
    {
      name: 'journalctl in a French locale of newer glibc: April in full',
      line: 'avril 03 07:00:00 mx postfix/smtpd[9]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-04-03T07:00:00', host: 'mx', pid: 9 },
    },
    {
      name: 'journalctl in a Finnish locale: six letters',
      line: 'marras 30 23:00:00 mx postfix/smtpd[10]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-11-30T23:00:00', host: 'mx', pid: 10 },
    },
    {
      name: 'journalctl -o short-full (weekday, date, time, zone name: the time stays local)',
      line: 'Wed 2024-05-01 10:00:00 CEST mx postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00', host: 'mx', program: 'postfix/smtpd', pid: 1 },
    },
    {
      name: 'journalctl -o short-full in UTC',
      line: 'Wed 2024-05-01 08:00:00 UTC mx postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T08:00:00Z', host: 'mx', pid: 1 },
    },
    {
      name: 'journalctl -o short-unix (epoch seconds with microseconds)',
      line: '1714550400.123456 mx postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T08:00:00.123456Z', host: 'mx', program: 'postfix/smtpd', pid: 1 },
    },
    {
      name: 'epoch seconds without a fraction, no host',
      line: '1714550400 postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T08:00:00Z', host: undefined, pid: 1 },
    },
    {
      name: 'grep -H before a short-full stamp',
      line: 'journal.txt:Wed 2024-05-01 10:00:00 CEST mx postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00', host: 'mx', pid: 1 },
    },
    {
      name: 'a host name of ten digits is not a stamp without a space or fraction after it',
      line: '1714550400x postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: undefined, host: '1714550400x', pid: 1 },
    },
    {
      name: 'grep -H / zgrep over several files (file name before the stamp)',
      line: '/var/log/mail.log.2.gz:Aug 23 19:34:29 server1 postfix/smtpd[7659]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-08-23T19:34:29', host: 'server1', pid: 7659 },
    },
    {
      name: 'grep -H before an RFC 3339 stamp',
      line: 'maillog:2024-05-01T10:00:00+0200 mx postfix/smtpd[2]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00+0200', host: 'mx', pid: 2 },
    },
    {
      name: 'docker logs -t: the engine\'s stamp, then the line\'s own',
      line: '2024-05-01T08:00:01.123456789Z May  1 10:00:01 mx postfix/smtpd[3]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T08:00:01.123456789Z', host: 'mx', pid: 3 },
    },
    {
      name: 'docker logs -t over an RFC 3339 line',
      line: '2024-05-01T08:00:02Z 2024-05-01T10:00:02+02:00 mx postfix/smtpd[4]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T08:00:02Z', host: 'mx', pid: 4 },
    },
    {
      name: 'RFC 5424 (rsyslog / syslog-ng protocol format)',
      line: '<22>1 2024-05-01T10:00:00.000Z mx postfix/smtpd 1004 - - connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00.000Z', host: 'mx', program: 'postfix/smtpd', daemon: 'smtpd', pid: 1004, postfix: true },
    },
    {
      name: 'RFC 5424 with structured data and nil fields',
      line: '<22>1 - - postfix/smtpd - - [meta sequenceId="7"][origin ip="192.0.2.9"] connect from x[1.2.3.4]',
      header: { timestamp: undefined, host: undefined, program: 'postfix/smtpd', pid: 0 },
    },
    {
      name: 'docker compose logs: the service name and a bar before the line',
      line: 'mail-1  | May  1 10:00:00 mx postfix/smtpd[5]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-05-01T10:00:00', host: 'mx', program: 'postfix/smtpd', pid: 5 },
    },
    {
      name: 'docker-compose v1 names, padded, before an RFC 3339 stamp',
      line: 'mail_1              | 2024-05-01T10:00:00+02:00 mx postfix/smtpd[6]: connect from x[1.2.3.4]',
      header: { timestamp: '2024-05-01T10:00:00+02:00', host: 'mx', pid: 6 },
    },
    {
      name: 'a severity in the host\'s place (%syslogseverity-text%), padded',
      line: '2024-05-01T10:00:00.625192+00:00 WARNING postfix/smtpd[7]: warning: TLS library problem: error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1586:SSL alert number 48:',
      header: { timestamp: '2024-05-01T10:00:00.625192+00:00', host: undefined, facility: 'WARNING', pid: 7 },
    },
    {
      name: 'a lower-case severity after a compose prefix',
      line: 'postfix  | 2024-05-01T10:00:00Z info    postfix/smtp[8]: connect to x[1.2.3.4]:25: Connection refused',
      header: { timestamp: '2024-05-01T10:00:00Z', host: undefined, facility: 'info', program: 'postfix/smtp', pid: 8 },
    },
    {
      name: 'a relay\'s syslog line around a container\'s: the inner header is Postfix\'s',
      line: 'Aug 26 06:06:18 relay mailu-smtp[840]: Aug 26 08:06:18 mail postfix/smtp[381]: connect to x[1.2.3.4]:25: Connection refused',
      header: { timestamp: '2018-08-26T08:06:18', host: 'mail', program: 'postfix/smtp', daemon: 'smtp', pid: 381 },
    },
    {
      name: 'a syslog_name of its own before a Postfix program',
      line: 'Aug 27 07:12:19 ip-10-1-2-123 example.com/smtp[76]: connect to x[1.2.3.4]:25: Connection refused',
      header: { host: 'ip-10-1-2-123', program: 'example.com/smtp', daemon: 'smtp', pid: 76, postfix: true },
    },
    {
      name: 'a program under a path whose last part is no Postfix program',
      line: 'Aug 27 07:12:19 mx /usr/sbin/cron[77]: (root) CMD (run-parts /etc/cron.hourly)',
      header: { program: '/usr/sbin/cron', daemon: undefined, pid: 77, postfix: false },
    },
    {
      name: 'a line quoted in a report (Markdown or e-mail `> ` marks)',
      line: '> > Jan  7 06:11:15 m postfix/smtpd[30]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-01-07T06:11:15', host: 'm', program: 'postfix/smtpd', pid: 30 },
    },
    {
      name: 'a record of journalctl -o json: epoch stamp, host, identifier and pid',
      line: '{"__REALTIME_TIMESTAMP":"1709630000123456","_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtpd","_PID":"21","MESSAGE":"connect from x[1.2.3.4]"}',
      header: { timestamp: '2024-03-05T09:13:20.123456Z', host: 'mx', program: 'postfix/smtpd', daemon: 'smtpd', pid: 21 },
    },
    {
      name: 'a record of Docker\'s json-file log: the record\'s time first, as docker logs -t shows it',
      line: '{"log":"May  1 10:00:01 mx postfix/smtpd[22]: connect from x[1.2.3.4]\\n","stream":"stdout","time":"2024-05-01T08:00:01.5Z"}',
      header: { timestamp: '2024-05-01T08:00:01.5Z', host: 'mx', program: 'postfix/smtpd', pid: 22 },
    },
    {
      name: 'socklog under s6-log or svlogd: the logger\'s stamp, `facility.severity:`, the message\'s stamp, no host',
      line: '2024-09-10 13:18:46.685309102  mail.info: Sep 10 13:18:46 postfix/smtp[417]: connect to x[1.2.3.4]:465: Connection timed out',
      header: { timestamp: '2024-09-10T13:18:46.685309102', host: undefined, facility: 'mail.info', program: 'postfix/smtp', pid: 417 },
    },
    {
      name: 'a line logged twice over, compose prefix and all: the inner header is the line\'s',
      line: 'mail    | May  7 18:38:01 mail postfix/submission/smtpd[53]: mail    | May  7 18:38:02 mx postfix/submission/smtpd[54]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-05-07T18:38:02', host: 'mx', program: 'postfix/submission/smtpd', daemon: 'smtpd', pid: 54 },
    },
    {
      name: 'the outer header stands when the inner line is not Postfix\'s',
      line: 'Aug 26 06:06:18 relay webapp[841]: Aug 26 08:06:18 mail nginx[7]: GET /',
      header: { timestamp: '2018-08-26T06:06:18', host: 'relay', program: 'webapp', pid: 841, postfix: false },
    },
    {
      name: 'a host name that only looks like a severity stays a host',
      line: 'May  1 10:00:00 infos postfix/smtpd[9]: connect from x[1.2.3.4]',
      header: { host: 'infos', facility: undefined, pid: 9 },
    },
    {
      name: 'single-digit day',
      line: 'Mar  3 10:00:00 host postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: '2018-03-03T10:00:00', host: 'host' },
    },
    {
      name: 'timestamp trimmed',
      line: 'server1 postfix/smtpd[28167]: connect from mta3.email.secretescapes.com[198.245.84.110]',
      header: { timestamp: undefined, host: 'server1', pid: 28167 },
    },
    {
      name: 'host trimmed too',
      line: 'postfix/smtpd[1]: connect from x[1.2.3.4]',
      header: { timestamp: undefined, host: undefined, program: 'postfix/smtpd', pid: 1 },
    },
    {
      name: 'multi-instance name',
      line: 'Aug 23 19:34:29 mx postfix-out/smtp[77]: setting up TLS connection to mx.example[192.0.2.1]:25',
      header: { program: 'postfix-out/smtp', daemon: 'smtp', pid: 77, postfix: true },
    },
    {
      name: 'master.cf service name',
      line: 'Aug 23 19:34:29 mx postfix/submission/smtpd[78]: connect from x[1.2.3.4]',
      header: { program: 'postfix/submission/smtpd', daemon: 'smtpd', pid: 78 },
    },
    {
      name: 'foreign program',
      line: 'Aug 23 23:39:52 server1 opendkim[6890]: 66BB15DC6: DKIM verification successful',
      header: { program: 'opendkim', daemon: undefined, postfix: false },
    },
  ])('$name', ({ line, header }) => {
    const parsed = parseLine(line, 2018);
    expect(parsed.header).toBeDefined();
    for (const [key, value] of Object.entries(header)) expect(parsed.header?.[key as keyof typeof parsed.header], key).toBe(value);
  });

  it.each(['', 'garbage', ']: ', '[1]: x', 'Aug 23 19:34:29 a b c d postfix/smtpd[1]: x', 'postfix/smtpd[12a]: connect from x[1.2.3.4]',
    'a b | May  1 10:00:00 mx postfix/smtpd[10]: connect from x[1.2.3.4]',
    // A word that names no month is no stamp (here a host, then two tokens too many).
    'mail 07 20:24:55 mx postfix/smtpd[6]: connect from x[1.2.3.4]'])(
    'has no header for %j', (line) => {
      expect(parseLine(line).header).toBeUndefined();
    });
});

/** Lines and the event each must give. Lines marked "built" follow the documented format but are not copied. */
const EVENTS: { line: string; event: TlsEvent | undefined }[] = [
  {
    line: 'Aug 23 19:34:29 mx postfix/smtpd[1]: disconnect from x[1.2.3.4] ehlo=1 starttls=0/1 commands=1/2', // built (3.x summary)
    event: { kind: 'disconnect', peer: { name: 'x', addr: '1.2.3.4' }, commands: { ehlo: '1', starttls: '0/1', commands: '1/2' } },
  },
  {
    line: 'Aug 23 19:34:29 server1 postfix/smtpd[7659]: lost connection after STARTTLS from mail-lf1-f44.google.com[209.85.167.44]',
    event: { kind: 'connection-lost', reason: 'lost', after: 'STARTTLS', peer: { name: 'mail-lf1-f44.google.com', addr: '209.85.167.44' } },
  },
  {
    line: 'mx postfix/smtpd[1]: timeout after STARTTLS from x[2001:db8::1]', // built
    event: { kind: 'connection-lost', reason: 'timeout', after: 'STARTTLS', peer: { name: 'x', addr: '2001:db8::1' } },
  },
  {
    line: 'Aug 23 21:56:15 server1 postfix/smtpd[18103]: SSL3 alert write:fatal:handshake failure',
    event: { kind: 'tls-alert', direction: 'write', level: 'fatal', description: 'handshake failure' },
  },
  {
    line: 'Aug 23 21:56:15 server1 postfix/smtpd[18103]: SSL_accept:error in SSLv3 read client hello C',
    event: { kind: 'tls-state', side: 'accept', state: 'error in SSLv3 read client hello C', error: true },
  },
  {
    line: 'mx postfix/smtpd[5]: SSL_accept error from x[1.2.3.4]: Connection reset by peer', // built (2.9+ %m form)
    event: { kind: 'tls-handshake-error', side: 'accept', peer: { name: 'x', addr: '1.2.3.4' }, detail: 'Connection reset by peer' },
  },
  {
    line: 'mx postfix/smtp[5]: SSL_connect error to mx.example[192.0.2.1]:25: -1', // built
    event: { kind: 'tls-handshake-error', side: 'connect', peer: { name: 'mx.example', addr: '192.0.2.1', port: 25 }, detail: '-1' },
  },
  {
    line: 'Aug 23 23:39:52 server1 postfix/smtpd[6036]: Anonymous TLS connection established from mail-lj1-f171.google.com[209.85.208.171]: TLSv1.2 with cipher AES128-GCM-SHA256 (128/128 bits)',
    event: {
      kind: 'tls-established', trust: 'Anonymous', reused: false, direction: 'from', peer: { name: 'mail-lj1-f171.google.com', addr: '209.85.208.171' },
      protocol: 'TLSv1.2', cipher: 'AES128-GCM-SHA256', bits: { used: 128, total: 128 },
    },
  },
  {
    // built: Postfix 3.4+ summary (format quoted in the facts file, A4)
    line: 'May  1 10:00:00 mx postfix/smtpd[9]: Untrusted TLS connection established from c.example[198.51.100.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
    event: {
      kind: 'tls-established', trust: 'Untrusted', reused: false, direction: 'from', peer: { name: 'c.example', addr: '198.51.100.2' },
      protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: { used: 256, total: 256 }, keyExchange: 'X25519', serverSignature: 'RSA-PSS', serverDigest: 'SHA256',
    },
  },
  {
    line: 'mx postfix-out/smtp[4]: Trusted TLS connection established to mx.example[192.0.2.1]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)', // built
    event: {
      kind: 'tls-established', trust: 'Trusted', reused: false, direction: 'to', peer: { name: 'mx.example', addr: '192.0.2.1', port: 25 },
      protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: { used: 256, total: 256 },
    },
  },
  {
    line: 'Nov 29 02:29:21 82aea62a6e2b mail.warn postfix/smtpd[81]: warning: Invalid TLS protocol list "TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3": disabling TLS support',
    event: { kind: 'tls-protocol-list-invalid', side: 'server', list: 'TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3' },
  },
  {
    line: 'mx postfix/smtp[4]: warning: mx.example[192.0.2.1]:25: Invalid TLS protocol list "TLSv1.3": aborting TLS session', // built (tls_client.c:757)
    event: { kind: 'tls-protocol-list-invalid', side: 'client', list: 'TLSv1.3', peer: { name: 'mx.example', addr: '192.0.2.1', port: 25 } },
  },
  {
    line: 'Nov 29 02:28:41 b96aa2733c29 mail.info postfix/master[77]: daemon started -- version 2.6.6, configuration /etc/postfix',
    event: { kind: 'daemon-started', version: '2.6.6' },
  },
  { line: 'mx postfix/smtpd[3]: discarding EHLO keywords: STARTTLS', event: { kind: 'starttls-discarded', keywords: 'STARTTLS' } }, // built
  {
    line: 'Aug 23 21:56:15 server1 postfix/smtpd[18103]: mail-lf1-f47.google.com[209.85.167.47]: TLS cipher list "ALL:+RC4:@STRENGTH"',
    event: { kind: 'tls-cipher-list', peer: { name: 'mail-lf1-f47.google.com', addr: '209.85.167.47' }, cipherList: 'ALL:+RC4:@STRENGTH' },
  },
  {
    line: 'Aug 23 23:39:52 server1 postfix/pipe[6425]: 66BB15DC6: to=<myinbox>, relay=dovecot, delay=0.48, delays=0.29/0.01/0/0.18, dsn=2.0.0, status=sent (delivered via dovecot service)',
    event: { kind: 'queue-delivery', queueId: '66BB15DC6', recipient: 'myinbox', relay: 'dovecot', delay: 0.48, dsn: '2.0.0', status: 'sent', detail: 'delivered via dovecot service' },
  },
  {
    line: 'Nov 29 02:29:21 82aea62a6e2b mail.info postfix/local[85]: AF4901D8196: to=<root@mx.lab.test>, orig_to=<postmaster>, relay=local, delay=0.05, delays=0.02/0.03/0/0, dsn=2.0.0, status=sent (delivered to mailbox)',
    event: { kind: 'queue-delivery', queueId: 'AF4901D8196', recipient: 'root@mx.lab.test', relay: 'local', delay: 0.05, dsn: '2.0.0', status: 'sent', detail: 'delivered to mailbox' },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE12345: to=<a@b>, relay=mx.b[192.0.2.3]:25, delay=1, delays=0.5/0/0.5/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)', // built
    event: {
      kind: 'queue-delivery', queueId: 'ABCDE12345', recipient: 'a@b', relay: 'mx.b[192.0.2.3]:25', relayPeer: { name: 'mx.b', addr: '192.0.2.3', port: 25 },
      delay: 1, dsn: '4.7.5', status: 'deferred', detail: 'Cannot start TLS: handshake failure', tlsProblem: 'cannot-start-tls',
    },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE12346: Server certificate not trusted', // built (smtp_proto.c, a server given up on before its recipients)
    event: { kind: 'queue-tls-problem', queueId: 'ABCDE12346', detail: 'Server certificate not trusted', tlsProblem: 'server-certificate-not-verified' },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE12347: TLS is required, but was not offered by host mx.b[192.0.2.3]', // built
    event: {
      kind: 'queue-tls-problem', queueId: 'ABCDE12347', detail: 'TLS is required, but was not offered by host mx.b[192.0.2.3]', tlsProblem: 'tls-required-not-offered',
      peer: { name: 'mx.b', addr: '192.0.2.3' },
    },
  },
  { line: 'mx postfix/smtp[4]: ABCDE12348: Server is slow', event: undefined },
  // The reasons for leaving a server that is not the last (smtp_trouble.c), as the lab logged them.
  {
    line: 'Dec 01 18:41:09 receiver postfix/smtp[239]: A17C4511063: TLS is required, but host p-no-tls.dest.lab.test[172.29.0.7] refused to start TLS: 454 4.7.0 TLS not available due to local problem',
    event: {
      kind: 'queue-tls-problem', queueId: 'A17C4511063', detail: 'TLS is required, but host p-no-tls.dest.lab.test[172.29.0.7] refused to start TLS: 454 4.7.0 TLS not available due to local problem',
      tlsProblem: 'tls-not-available', peer: { name: 'p-no-tls.dest.lab.test', addr: '172.29.0.7' },
    },
  },
  {
    line: 'Dec 01 18:41:09 receiver postfix/smtp[228]: 997CD511060: host p-greylist.dest.lab.test[172.29.0.4] said: 450 4.3.2 <sink@p-greylist.dest.lab.test>: Recipient address rejected: Try again later (in reply to RCPT TO command)',
    event: {
      kind: 'queue-server-reply', queueId: '997CD511060', peer: { name: 'p-greylist.dest.lab.test', addr: '172.29.0.4' },
      detail: 'host p-greylist.dest.lab.test[172.29.0.4] said: 450 4.3.2 <sink@p-greylist.dest.lab.test>: Recipient address rejected: Try again later (in reply to RCPT TO command)',
    },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE12349: host mx.b[192.0.2.3] said: 421 4.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)', // built
    event: {
      kind: 'queue-tls-problem', queueId: 'ABCDE12349', detail: 'host mx.b[192.0.2.3] said: 421 4.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)',
      tlsProblem: 'tls-not-available', peer: { name: 'mx.b', addr: '192.0.2.3' },
    },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE1234A: host mx.b[192.0.2.3] refused to talk to me: 421 4.3.2 System not accepting network messages', // built
    event: { kind: 'queue-server-reply', queueId: 'ABCDE1234A', peer: { name: 'mx.b', addr: '192.0.2.3' }, detail: 'host mx.b[192.0.2.3] refused to talk to me: 421 4.3.2 System not accepting network messages' },
  },
  {
    line: 'mx postfix/smtp[4]: ABCDE1234B: lost connection with mx.b[192.0.2.3] while performing the EHLO handshake', // built
    event: { kind: 'queue-attempt-failed', queueId: 'ABCDE1234B', detail: 'lost connection with mx.b[192.0.2.3] while performing the EHLO handshake', peer: { name: 'mx.b', addr: '192.0.2.3' } },
  },
  { line: 'mx postfix/smtp[4]: ABCDE1234C: host mx.b said: 450 no address in brackets', event: undefined },
  {
    line: 'mx postfix/smtpd[5]: improper command pipelining after CONNECT from x[192.0.2.4]: \\026\\003\\001\\001$\\001', // lab (shortened)
    event: { kind: 'tls-hello-in-plaintext', after: 'CONNECT', peer: { name: 'x', addr: '192.0.2.4' } },
  },
  { line: 'mx postfix/smtpd[5]: improper command pipelining after EHLO from x[192.0.2.4]: MAIL FROM:<a@b>\\r\\n', event: undefined },
  {
    line: 'server1 postfix/smtpd[1451]: 4F6D0629C: client=unknown[107.174.30.57]',
    event: { kind: 'queue-client', queueId: '4F6D0629C', peer: { name: 'unknown', addr: '107.174.30.57' } },
  },
  { line: 'Nov 29 02:29:21 82aea62a6e2b mail.info postfix/qmgr[80]: AF4901D8196: removed', event: { kind: 'queue-removed', queueId: 'AF4901D8196' } },
  {
    line: 'mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[1.2.3.4]: 454 4.7.1 <a@b>: Relay access denied; from=<c@d> to=<a@b> proto=ESMTP helo=<x>', // built
    event: { kind: 'reject', stage: 'RCPT', peer: { name: 'x', addr: '1.2.3.4' }, detail: '454 4.7.1 <a@b>: Relay access denied; from=<c@d> to=<a@b> proto=ESMTP helo=<x>' },
  },
  // An excerpt whose admin put a placeholder where the client was (the first copied from a report).
  {
    line: 'Apr 19 20:22:28 server postfix/smtpd[17679]: SSL_accept error from client_ip: -1',
    event: { kind: 'tls-handshake-error', side: 'accept', peer: { name: 'client_ip', addr: '' }, detail: '-1' },
  },
  {
    line: 'Apr 19 20:22:28 server postfix/smtpd[17679]: disconnect from client_ip ehlo=1 starttls=0/1 commands=1/2',
    event: { kind: 'disconnect', peer: { name: 'client_ip', addr: '' }, commands: { ehlo: '1', starttls: '0/1', commands: '1/2' } },
  },
  { line: 'mx postfix/smtpd[1]: connect from <redacted>', event: { kind: 'connect', peer: { name: '<redacted>', addr: '' } } },
  {
    line: 'mx postfix/smtpd[1]: lost connection after STARTTLS from x.x.x.x',
    event: { kind: 'connection-lost', reason: 'lost', after: 'STARTTLS', peer: { name: 'x.x.x.x', addr: '' } },
  },
  {
    line: 'mx postfix/smtpd[1]: Anonymous TLS connection established from REDACTED: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
    event: {
      kind: 'tls-established', trust: 'Anonymous', reused: false, direction: 'from', peer: { name: 'REDACTED', addr: '' }, protocol: 'TLSv1.2',
      cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: { used: 256, total: 256 },
    },
  },
  { line: 'mx postfix/smtpd[1]: setting up TLS connection from [client]', event: { kind: 'tls-setup', direction: 'from', peer: { name: '', addr: 'client' } } },
  {
    line: 'mx postfix/smtp[7]: to=<u@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1.2, delays=0/0/1.2/0, dsn=4.7.5, status=deferred (Server certificate not verified)', // built: an excerpt without the queue id
    event: {
      kind: 'queue-delivery', queueId: '', recipient: 'u@example.com', relay: 'mx.example.com[192.0.2.1]:25', relayPeer: { name: 'mx.example.com', addr: '192.0.2.1', port: 25 },
      status: 'deferred', detail: 'Server certificate not verified', delay: 1.2, dsn: '4.7.5', tlsProblem: 'server-certificate-not-verified',
    },
  },
  // A space before the bracket, as a web page may put it.
  { line: 'mx postfix/smtpd[1]: connect from a.example [192.0.2.1]', event: { kind: 'connect', peer: { name: 'a.example', addr: '192.0.2.1' } } },
  { line: 'mx postfix/smtpd[1]: connect from a.example [not an address]', event: { kind: 'connect', peer: { name: 'a.example', addr: '' } } },
  { line: 'mx postfix/smtpd[1]: connect from ', event: undefined },
  { line: 'Nov 29 02:28:45 b96aa2733c29 mail.warn postfix/smtpd[81]: warning: dict_nis_init: NIS domain name not set - NIS lookups disabled', event: undefined },
  { line: 'Nov 29 02:28:41 b96aa2733c29 mail.info postfix/postfix-script[76]: starting the Postfix mail system', event: undefined },
  // rsyslog's RepeatedMsgReduction: the repeat of a message, and the message.
  {
    line: 'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated 2 times: [ lost connection after STARTTLS from a.example[192.0.2.1]]',
    event: { kind: 'message-repeated', times: 2, message: 'lost connection after STARTTLS from a.example[192.0.2.1]' },
  },
  { line: 'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated 2 times: [ SSL_accept:unknown state', event: undefined },
  { line: 'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated: [ connect from a.example[192.0.2.1]]', event: undefined },
  // Postfix 3.10's TLSRPT lines: as posted (success), and in the format of tlsrpt_wrapper.c (failure).
  {
    line: 'Jul 27 23:55:10 helios postfix/smtp[56218]: TLSRPT: status=success, domain=nwex.de, receiving_mx=mail.nwex.de[2a01:4f8:222:1548::]',
    event: { kind: 'tlsrpt-result', status: 'success', domain: 'nwex.de', peer: { name: 'mail.nwex.de', addr: '2a01:4f8:222:1548::' } },
  },
  {
    line: 'Jul 27 23:55:10 mx postfix/smtp[7]: TLSRPT: status=failure, domain=example.net, receiving_mx=mx.example.net[192.0.2.25], failure_type=certificate_expired, failure_reason=certificate has expired',
    event: {
      kind: 'tlsrpt-result', status: 'failure', domain: 'example.net', peer: { name: 'mx.example.net', addr: '192.0.2.25' },
      failureType: 'certificate_expired', failureReason: 'certificate has expired',
    },
  },
  { line: 'Jul 27 23:55:10 mx postfix/smtp[7]: TLSRPT: status=pending, domain=example.net', event: undefined },
  {
    line: 'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: TLS SNI mail.justandras.com from host-46-251-21-116.kabelnet.hu[46.251.21.116] not matched, using default chain',
    event: { kind: 'tls-sni-unmatched', name: 'mail.justandras.com', peer: { name: 'host-46-251-21-116.kabelnet.hu', addr: '46.251.21.116' } },
  },
  { line: 'Mar  9 11:41:28 mx postfix/smtpd[711]: TLS SNI from a.example[192.0.2.1] is invalid: bad..name', event: undefined },
  // tls_verify.c's `CA` (depth above 0), as posted from Mailu.
  {
    line: 'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CA certificate verification failed for mail.mydomain.com[157.90.161.81]:25: num=65:no matching DANE TLSA records',
    event: { kind: 'certificate-verification-failed', peer: { name: 'mail.mydomain.com', addr: '157.90.161.81', port: 25 }, detail: 'num=65:no matching DANE TLSA records' },
  },
  // tlsproxy as smtp's client (smtp_tls_connection_reuse) and as postscreen's server, as the lab's Postfix 3.7 logs them.
  { line: 'Dec 01 08:58:55 receiver postfix/tlsproxy[201]: CONNECT to [172.27.0.2]:25', event: { kind: 'proxy-connect', direction: 'to', peer: { name: '', addr: '172.27.0.2', port: 25 } } },
  {
    line: 'Dec 01 08:58:55 receiver postfix/tlsproxy[201]: TLS handshake failed for service=smtp peer=[172.27.0.2]:25',
    event: { kind: 'tls-handshake-error', side: 'connect', peer: { name: '', addr: '172.27.0.2', port: 25 }, detail: 'TLS handshake failed' },
  },
  { line: 'Dec 01 08:58:55 receiver postfix/tlsproxy[201]: DISCONNECT [172.27.0.2]:25', event: { kind: 'proxy-disconnect', peer: { name: '', addr: '172.27.0.2', port: 25 } } },
  {
    line: 'Mar 19 16:17:00 mx postfix/postscreen[26370]: CONNECT from [198.51.100.7]:40000 to [192.0.2.25]:25',
    event: { kind: 'proxy-connect', direction: 'from', peer: { name: '', addr: '198.51.100.7', port: 40000 } },
  },
  {
    line: 'Dec 01 08:57:45 receiver postfix/smtp[193]: warning: connect to private/tlsproxy service: No such file or directory',
    event: { kind: 'tls-local-config-problem', text: 'connect to private/tlsproxy service: No such file or directory' },
  },
  { line: 'Dec 01 08:57:45 receiver postfix/tlsproxy[1]: TLS handshake failed for service=smtp', event: undefined },
];

describe('parseLine events', () => {
  it.each(EVENTS)('$line', ({ line, event }) => {
    expect(parseLine(line).event).toEqual(event);
  });
});

describe('syslogOfJsonLine', () => {
  it.each([
    ['a journald record without identifier or pid: its bare message', '{"MESSAGE":"lost connection after STARTTLS from x[1.2.3.4]","_HOSTNAME":"mx"}', 'lost connection after STARTTLS from x[1.2.3.4]'],
    ['a journald record with SYSLOG_PID and no time', '{"SYSLOG_IDENTIFIER":"postfix/smtp","SYSLOG_PID":"7","MESSAGE":"m"}', 'postfix/smtp[7]: m'],
    ['a pid that is not a number', '{"SYSLOG_IDENTIFIER":"postfix/smtp","_PID":"x","MESSAGE":"m"}', 'm'],
    ['a Docker record of a bare message: no time put before it', '{"log":"connect from x[1.2.3.4]\\n","time":"2024-05-01T08:00:01Z"}', 'connect from x[1.2.3.4]'],
    ['JSON that is no log record', '{"level":"info"}', undefined],
    ['an array', '[1,2]', undefined],
    ['broken JSON', '{"MESSAGE":', undefined],
    ['no JSON at all', 'May  1 10:00:00 mx postfix/smtpd[1]: connect from x[1.2.3.4]', undefined],
  ])('%s', (_name, line, expected) => {
    expect(syslogOfJsonLine(line)).toBe(expected);
  });

  it('gives parseLine the event of the record and keeps the record as the raw line', () => {
    const line = '{"SYSLOG_IDENTIFIER":"postfix/smtpd","_PID":"9","MESSAGE":"connect from x[1.2.3.4]"}';
    const parsed = parseLine(line, 2024);
    expect(parsed.raw).toBe(line);
    expect(parsed.event).toEqual({ kind: 'connect', peer: { name: 'x', addr: '1.2.3.4' } });
  });
});

describe('the year of classic stamps', () => {
  const now = new Date(2026, 10, 29, 12, 0, 0);
  it('is the given year for every stamp', () => {
    expect(stampYear(2024, now)).toEqual({ year: 2024, latestDay: ANY_DAY });
  });

  it('is this year by default, and last year for a month and day after tomorrow', () => {
    const { year, latestDay } = stampYear(undefined, now);
    expect({ year, latestDay }).toEqual({ year: 2026, latestDay: 1130 });
    const scan = newHeaderScan();
    const iso = (line: string) => (scanHeader(line, scan) ? isoTimestamp(line, scan, year, latestDay) : undefined);
    expect(iso('Nov 30 23:59:59 mx postfix/smtpd[1]: connect from x[1.2.3.4]')).toBe('2026-11-30T23:59:59');
    expect(iso('Dec  1 00:00:00 mx postfix/smtpd[1]: connect from x[1.2.3.4]')).toBe('2025-12-01T00:00:00');
    expect(iso('Jan  5 08:00:00 mx postfix/smtpd[1]: connect from x[1.2.3.4]')).toBe('2026-01-05T08:00:00');
  });

  it('is this year for every stamp on the last day of a year', () => {
    expect(stampYear(undefined, new Date(2026, 11, 31, 12, 0, 0))).toEqual({ year: 2026, latestDay: ANY_DAY });
  });
});
