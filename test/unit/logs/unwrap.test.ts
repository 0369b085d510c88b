import { describe, expect, it } from 'vitest';
import { unwrapLines } from '../../../lab/logs/unwrap.ts';

const deferred = 'Feb 25 21:57:22 mx postfix/smtp[25]: D33A02504112: to=<u@d.example>, relay=in1.d.example[192.0.2.70]:25, delay=8.4, ' +
  'delays=0.02/0/8.4/0, dsn=4.7.5, status=deferred (Server certificate not verified)';
const missing = 'warning: cannot get RSA certificate from file "/etc/letsencrypt/live/mx.example/fullchain.pem": disabling TLS support';

const merged = [
  'Sep 25 12:13:34 mx postfix/smtpd[8073]: connect from scan.example[198.51.100.75]',
  'Sep 25 12:13:34 mx postfix/smtpd[8073]: SSL_accept error from scan.example[198.51.100.75]: -1',
  'Sep 25 12:13:34 mx postfix/smtpd[8073]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:ssl/statem/statem_srvr.c:2220:',
  '2024-09-25T12:13:34.000000+02:00 mx postfix/smtpd[8073]: lost connection after STARTTLS from scan.example[198.51.100.75]',
];

/** `text` cut every `width` characters, as a fixed-width wrap does. */
function cut(text: string, width: number): string[] {
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += width) pieces.push(text.slice(at, at + width));
  return pieces;
}

describe('unwrapLines', () => {
  it.each([
    { name: 'a bare message cut inside words', lines: cut(missing, 40), expected: [missing] },
    { name: 'a line with a header cut at 80 columns', lines: cut(deferred, 80), expected: [deferred] },
    {
      name: 'a line wrapped at a space, the break taken for the space',
      lines: [deferred.slice(0, deferred.indexOf(' status=')), deferred.slice(deferred.indexOf(' status=') + 1)],
      expected: [deferred],
    },
    {
      name: 'whole lines stay as they are, wrapped pieces between them are joined',
      lines: ['May  3 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]', ...cut(missing, 50), 'disconnect from a.example[192.0.2.1]'],
      expected: ['May  3 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]', missing, 'disconnect from a.example[192.0.2.1]'],
    },
    {
      name: 'prose around log lines is not joined to them',
      lines: ['Here is what my server logged when the bank tried to send:', 'it goes on like that for every message', missing],
      expected: ['Here is what my server logged when the bank tried to send:', 'it goes on like that for every message', missing],
    },
    {
      name: 'an unknown Postfix line followed by a line of its own',
      lines: ['May  3 10:00:00 mx postfix/smtpd[1]: some message this parser does not know about at all', 'May  3 10:00:01 mx postfix/smtpd[1]: connect from a[192.0.2.1]'],
      expected: ['May  3 10:00:00 mx postfix/smtpd[1]: some message this parser does not know about at all', 'May  3 10:00:01 mx postfix/smtpd[1]: connect from a[192.0.2.1]'],
    },
    {
      name: 'a day whose padding a web page collapsed, quoted or not; prose and padded stamps stay as they are',
      lines: [
        'Feb 1 03:52:19 sixsigma postfix/smtpd[8556]: lost connection after STARTTLS from localhost[127.0.0.1]',
        '> Feb 1 03:52:19 sixsigma postfix/smtp[8555]: SSL_connect error to 127.0.0.1[127.0.0.1]:10025: -1',
        'Feb  1 03:52:19 sixsigma postfix/smtpd[8556]: SSL_accept error from localhost[127.0.0.1]: -1',
        'On Feb 1 12:00:00 UTC the server began to refuse mail',
      ],
      expected: [
        'Feb  1 03:52:19 sixsigma postfix/smtpd[8556]: lost connection after STARTTLS from localhost[127.0.0.1]',
        '> Feb  1 03:52:19 sixsigma postfix/smtp[8555]: SSL_connect error to 127.0.0.1[127.0.0.1]:10025: -1',
        'Feb  1 03:52:19 sixsigma postfix/smtpd[8556]: SSL_accept error from localhost[127.0.0.1]: -1',
        'On Feb 1 12:00:00 UTC the server began to refuse mail',
      ],
    },
    {
      name: 'HTML entities a copy from a web page kept',
      lines: [deferred.replace('to=<u@d.example>', 'to=&lt;u@d.example&gt;'), 'Tom &amp; Jerry &nbsp;&copy;'],
      expected: [deferred, 'Tom & Jerry  &copy;'],
    },
    {
      name: 'host names and addresses a Markdown editor turned into links; other links stay',
      lines: [
        'Sep 22 09:47:38 mx postfix/smtpd[7]: connect from [mail.example.com](http://mail.example.com/)[192.0.2.9]',
        deferred.replace('to=<u@d.example>', 'to=<[u@d.example](mailto:u@d.example)>'),
        'see [the docs](https://www.postfix.org/TLS_README.html) and [x.example](http://y.example/)',
      ],
      expected: [
        'Sep 22 09:47:38 mx postfix/smtpd[7]: connect from mail.example.com[192.0.2.9]',
        deferred,
        'see [the docs](https://www.postfix.org/TLS_README.html) and [x.example](http://y.example/)',
      ],
    },
    {
      name: 'comment marks, bars, bullets, backticks and string quotes a report put around log lines',
      lines: [
        '# Feb  1 03:52:19 mx postfix/smtpd[8556]: lost connection after STARTTLS from a.example[192.0.2.1]',
        '// SSL_accept error from unknown[192.0.2.2]: -1',
        '# Jun  6 00:22:01 mx postfix/smtp[3682]: warning: TLS library problem: 3682:error:140740BF:SSL routines:SSL23_CLIENT_HELLO:no protocols available:s23_clnt.c:381:',
        '|  Jul 14 06:05:19 web postfix/smtpd[13]: connect from unknown[192.0.2.3]',
        '  * `Jul 14 06:05:19 web postfix/smtpd[13]: disconnect from unknown[192.0.2.3]`',
        `"${deferred.replace('(Server certificate not verified)', '(TLS is required, but was not offered by host in1.d.example[192.0.2.70])')}",`,
        '"2020-03-19T16:16:47.883506+00:00 mx postfix/smtp[26]: warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:ssl\\/statem\\/statem_clnt.c:1889:",',
      ],
      expected: [
        'Feb  1 03:52:19 mx postfix/smtpd[8556]: lost connection after STARTTLS from a.example[192.0.2.1]',
        'SSL_accept error from unknown[192.0.2.2]: -1',
        'Jun  6 00:22:01 mx postfix/smtp[3682]: warning: TLS library problem: 3682:error:140740BF:SSL routines:SSL23_CLIENT_HELLO:no protocols available:s23_clnt.c:381:',
        'Jul 14 06:05:19 web postfix/smtpd[13]: connect from unknown[192.0.2.3]',
        'Jul 14 06:05:19 web postfix/smtpd[13]: disconnect from unknown[192.0.2.3]',
        deferred.replace('(Server certificate not verified)', '(TLS is required, but was not offered by host in1.d.example[192.0.2.70])'),
        '2020-03-19T16:16:47.883506+00:00 mx postfix/smtp[26]: warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:ssl/statem/statem_clnt.c:1889:',
      ],
    },
    {
      name: 'a message a report put in bold (as posted), and a bold host name',
      lines: [
        'May 14 06:44:56 myhost postfix/submission/smtpd[1054]: **warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:s3_pkt.c:1487:SSL alert number 48:**',
        'May 14 06:44:56 myhost postfix/smtpd[1055]: connect from **a.example**[192.0.2.1]',
      ],
      expected: [
        'May 14 06:44:56 myhost postfix/submission/smtpd[1054]: warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:s3_pkt.c:1487:SSL alert number 48:',
        'May 14 06:44:56 myhost postfix/smtpd[1055]: connect from a.example[192.0.2.1]',
      ],
    },
    {
      name: 'comments, list items and quoted prose that hold no log line stay as they are',
      lines: ['# not a log line', '- retried after an hour', '"it says no shared cipher",', '// TODO: SSL_accept error'],
      expected: ['# not a log line', '- retried after an hour', '"it says no shared cipher",', '// TODO: SSL_accept error'],
    },
    {
      name: 'log lines a web page joined into one, with their headers (a day unpadded too) or without',
      lines: [
        `${merged.join(' ')} ${merged[1]?.replace('Sep 25', 'Sep 5')}`,
        'SSL_accept error from a.example [x.x.x.x] -1 warning: TLS library problem: error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:s3_pkt.c:1472:SSL alert number 46:',
      ],
      expected: [
        ...merged,
        merged[1]?.replace('Sep 25', 'Sep  5'),
        'SSL_accept error from a.example [x.x.x.x] -1',
        'warning: TLS library problem: error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:s3_pkt.c:1472:SSL alert number 46:',
      ],
    },
    {
      name: 'a line with a time stamp in its message, a relay\'s line around a container\'s own, rsyslog\'s repeat and prose stay whole',
      lines: [
        'Aug 26 08:06:18 relay mailu-smtp[840]: Aug 26 08:06:18 mail postfix/smtp[381]: SSL_connect error to a.example[192.0.2.1]:25: -1',
        merged[2] as string,
        `${deferred} (retried Sep 25 12:13:34 and Sep 25 13:13:34)`,
        'I saw it on Sep 25 12:13:34 mx postfix/smtpd[8073]: and again later',
        'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated 2 times: [ warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1543:SSL alert number 48:]',
      ],
      expected: [
        'Aug 26 08:06:18 relay mailu-smtp[840]: Aug 26 08:06:18 mail postfix/smtp[381]: SSL_connect error to a.example[192.0.2.1]:25: -1',
        merged[2],
        `${deferred} (retried Sep 25 12:13:34 and Sep 25 13:13:34)`,
        'I saw it on Sep 25 12:13:34 mx postfix/smtpd[8073]: and again later',
        'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated 2 times: [ warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1543:SSL alert number 48:]',
      ],
    },
    { name: 'short pieces are no wrapped line', lines: ['warning: cannot get', 'RSA certificate from file "x": disabling TLS support'], expected: ['warning: cannot get', 'RSA certificate from file "x": disabling TLS support'] },
  ])('$name', ({ lines, expected }) => {
    expect(unwrapLines(lines)).toEqual(expected);
  });
});
