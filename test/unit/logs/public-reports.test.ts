import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { logsCommand } from '../../../lab/cli/logs.ts';
import { analyzeLogs, analyzeLogsWithTracker } from '../../../lab/logs/analyze.ts';
import { parseLine, type FailureClass } from '../../../lab/logs/index.ts';

/*
 * Lines that admins posted with their questions and bug reports, as posted: trimmed stamps, export formats of web
 * front ends, hidden addresses and pids, Postfix 2.2 to 3.x, OpenSSL 1.0.x to 3.x. Each case gives the failure
 * classes of its sessions in log order (the failures that no session holds after them), as the report's thread
 * explains them.
 */
interface PublicReport {
  name: string;
  source: string;
  lines: string[];
  classes: FailureClass[];
  /** Protocols of the sessions that established TLS, when the case is about them. */
  tls?: string[];
  /** Words the first failure's explanation must hold. */
  explains?: string;
}

const REPORTS: PublicReport[] = [
  {
    name: 'a library line alone, grepped from mail.warn without its program: the side is a guess, and the explanation says so',
    source: 'https://github.com/YunoHost/yunohost/pull/949',
    lines: [
      ' warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1407:SSL alert number 40:',
    ],
    classes: ['peer-aborted'],
    explains: 'names no Postfix program, so it is read as smtpd\'s',
  },
  {
    name: 'Postfix 2.6.6 with TLSv1.1 and TLSv1.2 in its protocol list, names it does not know: TLS off, the wrapper-mode request dropped',
    source: 'https://support.plesk.com/hc/en-us/articles/115001437949',
    lines: [
      'postfix/smtpd[901935]: warning: Wrapper-mode request dropped from external-mail.com[] for service smtps. TLS context initialization failed. For details see earlier warnings in your logs.',
      'postfix/smtpd[901935]: warning: Invalid TLS protocol list "TLSv1 TLSv1.1 TLSv1.2": disabling TLS support',
    ],
    classes: ['invalid-local-config'],
  },
  {
    name: 'a sender that stops below the server\'s protocol floor (1.1.1, excerpt without headers)',
    source: 'https://snowland.net/wp/2020/09/',
    lines: [
      'connect from mxXXX.example.com[XXX.XXX.XXX.XXX]',
      'setting up TLS connection from mxXXX.example.com[XXX.X.XXX.XXX]',
      'mxXXX.example.com[XXX.XXX.XXX.XXX]: TLS cipher list "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH"',
      'SSL_accept:before SSL initialization',
      'SSL_accept:before SSL initialization',
      'SSL3 alert write:fatal:protocol version',
      'SSL_accept:error in error',
      'SSL_accept error from mxXXX.example.com[XXX.XXX.XXX.XXX]: -1',
      'warning: TLS library problem: error:14209102:SSL routines:tls_early_post_process_client_hello:unsupported protocol:ssl/statem/statem_srvr.c:1661:',
      'lost connection after STARTTLS from mxXXX.example.com[XXX.XXX.XXX.XXX]',
      'disconnect from mxXXX.example.com[XXX.XXX.XXX.XXX] ehlo=1 starttls=0/1 commands=1/2',
    ],
    classes: ['unsupported-protocol'],
  },
  {
    name: 'the smtp client in STARTTLS mode on a port that speaks TLS at once (3.x)',
    source: 'https://github.com/bokysan/docker-postfix/issues/221',
    lines: [
      '2024-12-30T12:16:31.914376+01:00 INFO    postfix/smtpd[1200]: connect from docker-postfix-gw.local[172.16.43.1]',
      '2024-12-30T12:16:31.928309+01:00 INFO    postfix/smtpd[1200]: E292446A73E: client=docker-postfix-gw.local[172.16.43.1]',
      '2024-12-30T12:16:31.935274+01:00 INFO    postfix/smtpd[1200]: disconnect from docker-postfix-gw.local[172.16.43.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
      '2024-12-30T12:16:32.052659+01:00 INFO    postfix/smtp[1204]: SSL_connect error to smtp.gmail.com[142.250.110.108]:587: -1',
      '2024-12-30T12:16:32.052694+01:00 WARNING postfix/smtp[1204]: warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:',
    ],
    classes: ['wrong-version-number'],
  },
  {
    name: 'mailcow\'s log export: three handshakes that time out on the client side',
    source: 'https://github.com/mailcow/mailcow-dockerized/issues/2185',
    lines: [
      '1/16/2019, 1:31:28 AM | info | SSL_connect error to mx01.emig.gmx.net[212.227.17.5]:25: Connection timed out',
      '1/16/2019, 1:31:28 AM | info | 8BE0C60724: Cannot start TLS: handshake failure',
      '1/16/2019, 1:31:28 AM | info | SSL_connect error to mx00.emig.gmx.net[212.227.15.9]:25: Connection timed out',
      '1/16/2019, 1:31:28 AM | info | B980C60729: Cannot start TLS: handshake failure',
      '1/16/2019, 1:31:27 AM | info | SSL_connect error to mx-ha02.web.de[212.227.17.8]:25: Connection timed out',
      '1/16/2019, 1:31:27 AM | info | 5EDA56072C: Cannot start TLS: handshake failure',
    ],
    classes: ['timeout', 'timeout', 'timeout'],
  },
  {
    name: 'a DANE TLSA mismatch, deferred after a completed handshake',
    source: 'https://github.com/Mailu/Mailu/issues/3288',
    lines: [
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CA certificate verification failed for mail.mydomain.com[157.90.161.81]:25: num=65:no matching DANE TLSA records',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: Untrusted TLS connection established to mail.mydomain.com[157.90.161.81]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (prime256v1) server-digest SHA256',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CB91A11607FF: to=<my_account@my_domain.com>, relay=mail.mydomain.com[157.90.161.81]:25, delay=0.37, delays=0.21/0.07/0.09/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ],
    classes: ['certificate-verification'],
  },
  {
    name: 'a sender\'s insufficient security alert (1.0.x)',
    source: 'https://github.com/docker-mailserver/docker-mailserver/issues/732',
    lines: [
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: connect from mout.gmx.net[212.227.15.19]',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: warning: TLS library problem: error:1409442F:SSL routines:ssl3_read_bytes:tlsv1 alert insufficient security:s3_pkt.c:1487:SSL alert number 71:',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: lost connection after STARTTLS from . mout.gmx.net[212.227.15.19]',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: disconnect from mout.gmx.net[212.227.15.19] ehlo=1 starttls=1 commands=2',
    ],
    classes: ['peer-aborted'],
  },
  {
    name: 'a TLS tester\'s old protocols behind postscreen: version too low, then unknown protocol (Postfix 3.1 on OpenSSL 1.1.0)',
    source: 'https://github.com/docker-mailserver/docker-mailserver/issues/1411',
    lines: [
      'Mar  3 11:39:34 mail postfix/smtpd[1096]: warning: TLS library problem: error:1417D18C:SSL routines:tls_process_client_hello:version too low:../ssl/statem/statem_srvr.c:989:',
      'Mar  3 11:39:34 mail postfix/smtpd[1096]: lost connection after STARTTLS from internet.nl[62.204.66.10]',
      'Mar  3 11:39:34 mail postfix/smtpd[1096]: disconnect from internet.nl[62.204.66.10] ehlo=1 starttls=0/1 commands=1/2',
      'Mar  3 11:39:34 mail postfix/postscreen[1063]: CONNECT from [62.204.66.10]:7212 to [192.168.80.3]:25',
      'Mar  3 11:39:34 mail postfix/postscreen[1063]: PASS OLD [62.204.66.10]:7212',
      'Mar  3 11:39:35 mail postfix/smtpd[1096]: connect from internet.nl[62.204.66.10]',
      'Mar  3 11:39:35 mail postfix/smtpd[1096]: SSL_accept error from internet.nl[62.204.66.10]: -1',
      'Mar  3 11:39:35 mail postfix/smtpd[1096]: warning: TLS library problem: error:1417D0FC:SSL routines:tls_process_client_hello:unknown protocol:../ssl/statem/statem_srvr.c:953:',
      'Mar  3 11:39:35 mail postfix/smtpd[1096]: lost connection after STARTTLS from internet.nl[62.204.66.10]',
      'Mar  3 11:39:35 mail postfix/smtpd[1096]: disconnect from internet.nl[62.204.66.10] ehlo=1 starttls=0/1 commands=1/2',
      'Mar  3 11:39:35 mail postfix/postscreen[1063]: CONNECT from [62.204.66.10]:7216 to [192.168.80.3]:25',
    ],
    classes: ['version-too-low', 'unknown-protocol'],
  },
  {
    name: 'a relay on port 465 without smtp_tls_wrappermode',
    source: 'https://github.com/docker-mailserver/docker-mailserver/issues/1018',
    lines: [
      'Aug  8 16:07:57 6a6b607d4e74 postfix/smtp[1621]: SMTPS wrappermode (TCP port 465) requires setting "smtp_tls_wrappermode = yes", and "smtp_tls_security_level = encrypt" (or stronger)',
    ],
    classes: ['invalid-local-config'],
  },
  {
    name: 'TLS required, not offered',
    source: 'https://github.com/ddavness/power-mailinabox/issues/34',
    lines: [
      'Oct 11 03:58:22 box postfix/smtp[1885]: 7356ABD12E: to=<emailaddress@hotmail.com>, relay=hotmail-com.olc.protection.outlook.com[104.47.2.33]:25, delay=21537, delays=21536/0.08/0.72/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host hotmail-com.olc.protection.outlook.com[104.47.2.33])',
    ],
    classes: ['starttls-not-offered'],
  },
  {
    name: 'lines logged twice over behind a compose prefix, the client address hidden',
    source: 'https://github.com/docker-mailserver/docker-mailserver/issues/1031',
    lines: [
      'mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: connect from [**userip**]',
      'mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: SSL_accept error from [**userip**]: -1',
      'mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1404:',
      'mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: lost connection after STARTTLS from [**userip**]',
      'mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: mail    | Sep  7 18:38:01 mail postfix/submission/smtpd[5384]: disconnect from [**userip**] ehlo=1 starttls=0/1 commands=1/2',
    ],
    classes: ['no-shared-cipher'],
  },
  {
    name: 'a 1.0.x error without file and line, a disconnect without counters',
    source: 'https://github.com/ONLYOFFICE/Docker-CommunityServer/issues/11',
    lines: [
      'postfix/smtpd[2077]: warning: TLS library problem: error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher',
      'postfix/smtpd[2077]: lost connection after STARTTLS from unknown[172.22.0.1]',
      'postfix/smtpd[2077]: disconnect from unknown[172.22.0.1]',
    ],
    classes: ['no-shared-cipher'],
  },
  {
    name: 'a pid hidden as xxxxx',
    source: 'https://github.com/modoboa/modoboa/issues/1428',
    lines: [
      'postfix/smtp[xxxxx]: Untrusted TLS connection established to xyz.domain.tld[xx.yyy.xx.xx]:25: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)',
    ],
    classes: [],
    tls: ['TLSv1.2'],
  },
  {
    name: 'an address verification probe after the client refused the certificate (Postfix 2.2, smtp_tls_loglevel 2)',
    source: 'Ubuntu Forums, "Postfix and GMail" (2006)',
    lines: [
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: setting up TLS connection to smtp.gmail.com',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:before/connect initialization',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:SSLv2/v3 write client hello A',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:error in SSLv2/v3 read server hello A',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:error in SSLv3 read server hello A',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:SSLv3 read server hello A',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:error in SSLv3 read server certificate A',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: certificate verification depth=0 subject=/C=US/ST=California/L=Mountain View/O=Google Inc/CN=smtp.gmail.com',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: certificate verification failed for smtp.gmail.com: num=20:unable to get local issuer certificate',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: verify return: 0',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL3 alert write:fatal:unknown CA',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect:error in SSLv3 read server certificate B',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL_connect error to smtp.gmail.com: -1',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: SSL session removed',
      'Apr 22 10:58:45 localhost postfix/smtp[8050]: C83371C2C6: to=<elminster@gmail.com>, relay=smtp.gmail.com[72.14.205.109], delay=1, status=undeliverable (delivery via smtp.gmail.com[72.14.205.109]: Cannot start TLS: handshake failure)',
    ],
    classes: ['certificate-verification'],
  },
  {
    name: 'CA data not loaded: TLS off for the process (1.0.x with pid)',
    source: 'Ubuntu Forums (2012), a missing smtpd_tls_CAfile',
    lines: [
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: cannot load Certificate Authority data: disabling TLS support',
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: warning: TLS library problem: 3121:error:02001002:system library:fopen:No such file or directory:bss_file.c:169:fopen(\'/etc/ssl/certs/cacert.pem\',\'r\'):',
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: warning: TLS library problem: 3121:error:2006D080:BIO routines:BIO_new_file:no such file:bss_file.c:172:',
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: warning: TLS library problem: 3121:error:0B084002:x509 certificate routines:X509_load_cert_crl_file:system lib:by_file.c:274:',
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: connect from mail-pb0-f52.google.com[209.85.160.52]',
      'Nov  5 09:37:43 mydomain postfix/smtpd[3121]: disconnect from mail-pb0-f52.google.com[209.85.160.52]',
    ],
    classes: ['invalid-local-config'],
  },
  {
    name: 'a plaintext client on the wrapper-mode port (1.0.x)',
    source: 'a forum post, Postfix 2.9.6',
    lines: [
      'Dec  1 14:26:32 fever postfix/smtps/smtpd[11711]: connect from localhost[127.0.0.1]',
      'Dec  1 14:26:36 fever postfix/smtps/smtpd[11711]: SSL_accept error from localhost[127.0.0.1]: -1',
      'Dec  1 14:26:36 fever postfix/smtps/smtpd[11711]: warning: TLS library problem: 11711:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:628:',
      'Dec  1 14:26:36 fever postfix/smtps/smtpd[11711]: lost connection after CONNECT from localhost[127.0.0.1]',
      'Dec  1 14:26:36 fever postfix/smtps/smtpd[11711]: disconnect from localhost[127.0.0.1]',
    ],
    classes: ['unknown-protocol'],
  },
];

interface ParsedSession {
  failure?: { class: FailureClass; explanation: string };
  tls?: { protocol: string };
}

/** `tlslab logs parse --json` over the lines on stdin. */
async function parse(lines: string[]): Promise<{ sessions: ParsedSession[]; unattached: ParsedSession[] }> {
  let out = '';
  const stdout = new PassThrough();
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const stderr = new PassThrough();
  const code = await logsCommand(['parse', '--json', '--year', '2024'], { stdout, stderr, stdin: Readable.from([lines.join('\n')]), cwd: tmpdir(), env: {} });
  expect(code).toBe(0);
  return JSON.parse(out) as { sessions: ParsedSession[]; unattached: ParsedSession[] };
}

const dir = mkdtempSync(path.join(tmpdir(), 'public-reports-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lines from public reports', () => {
  it.each(REPORTS)('$name', async ({ lines, classes, tls, explains }) => {
    const { sessions, unattached } = await parse(lines);
    const failures = [...sessions, ...unattached].flatMap((session) => (session.failure === undefined ? [] : [session.failure]));
    expect(failures.map((failure) => failure.class)).toEqual(classes);
    if (explains !== undefined) expect(failures[0]?.explanation).toContain(explains);
    if (tls !== undefined) expect(sessions.flatMap((session) => (session.tls === undefined ? [] : [session.tls.protocol]))).toEqual(tls);
  });

  it('reads a hidden pid as pid 0, and an address verification probe\'s result as a delivery status', () => {
    const hidden = parseLine('postfix/smtp[xxxxx]: Untrusted TLS connection established to xyz.domain.tld[xx.yyy.xx.xx]:25: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)');
    expect(hidden.header).toMatchObject({ program: 'postfix/smtp', pid: 0 });
    expect(hidden.event?.kind).toBe('tls-established');
    // A pid with a digit among other characters is no pid.
    expect(parseLine('mx postfix/smtpd[12x]: connect from a[192.0.2.1]').header).toBeUndefined();
    const probe = parseLine('Apr 22 10:58:45 localhost postfix/smtp[8050]: C83371C2C6: to=<elminster@gmail.com>, relay=smtp.gmail.com[72.14.205.109], delay=1, status=undeliverable (delivery via smtp.gmail.com[72.14.205.109]: Cannot start TLS: handshake failure)', 2006);
    expect(probe.event).toMatchObject({ kind: 'queue-delivery', status: 'undeliverable', tlsProblem: 'cannot-start-tls' });
  });

  it('the fast analyzer agrees with the full parser on each report', async () => {
    for (const [i, { lines }] of REPORTS.entries()) {
      const file = path.join(dir, `report-${i}.log`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      const fast = await analyzeLogs([file], { year: 2024, scanWorker: false });
      expect(JSON.stringify(fast)).toBe(JSON.stringify(await analyzeLogsWithTracker([file], { year: 2024 })));
    }
  });
});
