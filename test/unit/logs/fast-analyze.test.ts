import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeLogs, analyzeLogsWithTracker, LogAnalyzer, type AnalyzeOptions, type ReadProgress } from '../../../lab/logs/analyze.ts';
import { FastAnalyzer } from '../../../lab/logs/fast-analyze.ts';
import { LogGenerator } from '../../fixtures/logs/generate-log.ts';
import { fixturePath, TLSPROXY_LINES } from './fixture-files.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fast-analyze-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FIXTURES = [
  'seed-maillog.log', 'postfix-2.6.6-openssl-1.0.1e.log', 'outbound-3x.log', 'lab-outbound-bookworm.log', 'lab-outbound-verify-bookworm.log',
  'lab-fallback-scsv.log', 'lab-misbehaving-clients.log', 'lab-protocol-violations.log', 'lab-debian-bullseye.log', 'lab-debian-bookworm.log', 'lab-debian-trixie.log',
  'lab-legacy-renegotiation.log', 'lab-dh1024.log', 'lab-client-protocol-floor.log', 'lab-broken-starttls-servers.log',
  'lab-security-level-1.log', 'lab-verifying-senders.log', 'lab-tls-connection-reuse.log', 'lab-postscreen.log', 'lab-client-certificates.log', 'lab-exim-sender.log', 'lab-exim-client-certificate.log',
  'lab-multiple-next-hops.log',
].map(fixturePath);

/**
 * Slots of a few lines, handed to the worker after the first: it carries lines across slots and fills its records
 * many times.
 */
const SMALL_SLOTS = { bytes: 4096, records: 16, handOver: 'first-chunk' } as const;

/**
 * The fast path must give exactly the report of the full parser, key order included; with `worker`, so must the
 * fast path fed by the scanning worker.
 */
async function expectSame(files: string[], options: AnalyzeOptions = {}, worker = false): Promise<void> {
  const fast = await analyzeLogs(files, { ...options, scanWorker: false });
  const full = await analyzeLogsWithTracker(files, options);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(full));
  expect(fast).toEqual(full);
  if (worker) expect(JSON.stringify(await analyzeLogs(files, { ...options, scanWorker: SMALL_SLOTS }))).toBe(JSON.stringify(full));
}

/** A log file of these lines. */
function logFile(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

function generated(lines: number, seed: number, name: string): { file: string; text: string } {
  const text = `${new LogGenerator({ seed }).lineList(lines).join('\n')}\n`;
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return { file, text };
}

/** Each comparison through the worker starts a thread that loads its modules: seconds, more on a busy machine. */
const WORKER_TIMEOUT = { timeout: 60_000 };

describe('fast analyzer agrees with the full parser', WORKER_TIMEOUT, () => {
  it('on each real fixture and on all of them at once', async () => {
    for (const file of FIXTURES) await expectSame([file], { year: 2018 });
    await expectSame(FIXTURES, { year: 2018 }, true);
  });

  it('on a loglevel 2 session of OpenSSL 1.0.x whose library line is missing', async () => {
    const file = path.join(dir, 'no-library-line.log');
    writeFileSync(file, `${readFileSync(fixturePath('seed-maillog.log'), 'utf8').split('\n').filter((line) => !line.includes('[18103]: warning: TLS library problem')).join('\n')}`);
    await expectSame([file], { year: 2018 }, true);
    expect((await analyzeLogs([file], { year: 2018 })).failures['no-shared-cipher']?.count).toBe(2);
    // As 1.1.1 and later log it: only the alert this server sent tells of the failure.
    writeFileSync(file, readFileSync(file, 'utf8').replace('error in SSLv3 read client hello C', 'error in error'));
    await expectSame([file], { year: 2018 }, true);
    expect((await analyzeLogs([file], { year: 2018 })).failures.unknown?.summary).toBe('this side sent alert "handshake failure"');
  });

  it('on set-up warnings of smtpd and smtp, in sessions and outside them', async () => {
    const file = path.join(dir, 'set-up.log');
    writeFileSync(file, `${[
      'Nov 29 10:00:00 mx postfix/smtpd[100]: warning: cannot get RSA certificate from file "/etc/ssl/certs/mail.pem": disabling TLS support',
      'Nov 29 10:00:01 mx postfix/smtpd[100]: connect from a.example[192.0.2.1]',
      'Nov 29 10:00:01 mx postfix/smtpd[100]: warning: Invalid TLS protocol list "TLSv1.2": disabling TLS support',
      'Nov 29 10:00:02 mx postfix/smtpd[100]: disconnect from a.example[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
      'Nov 29 11:00:00 mx postfix/smtp[300]: warning: TLS policy lookup for gmail.com/gmail-smtp-in.l.google.com: client TLS configuration problem',
      'warning: cannot get RSA certificate from file "/etc/ssl/certs/mail.pem": disabling TLS support',
    ].join('\n')}\n`.repeat(3));
    await expectSame([file], { year: 2018 }, true);
    expect((await analyzeLogs([file], { year: 2018 })).setUpWarnings.map((w) => [w.side, w.count])).toEqual([['smtpd', 6], ['smtpd', 3], ['smtp', 3]]);
  });

  it('on the overlapping connections of one tlsproxy process', async () => {
    const file = path.join(dir, 'tlsproxy.log');
    writeFileSync(file, `${TLSPROXY_LINES.join('\n')}\n`);
    await expectSame([file], { year: 2024 }, true);
    expect((await analyzeLogs([file], { year: 2024 })).sessions).toEqual({ total: 5, tls: 4, failed: 1, plaintext: 0 });
  });

  it('on tlsproxy connections made for smtp, with the log starting at tlsproxy\'s failure or holding tlsproxy\'s lines alone', async () => {
    const lines = readFileSync(fixturePath('lab-tls-connection-reuse.log'), 'utf8').trimEnd().split('\n');
    const lastRun = lines.slice(lines.map((line) => line.includes('daemon started')).lastIndexOf(true));
    await expectSame([logFile('reuse-last-run.log', lastRun)], { year: 2026 }, true);
    await expectSame([logFile('reuse-tlsproxy-only.log', lines.filter((line) => line.includes('postfix/tlsproxy[')))], { year: 2026 }, true);
  });

  it('on peers an admin replaced by placeholders', async () => {
    const file = path.join(dir, 'placeholders.log');
    writeFileSync(file, `${[
      'Apr 19 20:22:28 server postfix/smtpd[17679]: connect from client_ip',
      'Apr 19 20:22:28 server postfix/smtpd[17679]: setting up TLS connection from client_ip',
      'Apr 19 20:22:28 server postfix/smtpd[17679]: SSL_accept error from client_ip: -1',
      'Apr 19 20:22:28 server postfix/smtpd[17679]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:ssl/statem/statem_srvr.c:1743:',
      'Apr 19 20:22:28 server postfix/smtpd[17679]: lost connection after STARTTLS from client_ip',
      'Apr 19 20:22:28 server postfix/smtpd[17679]: disconnect from client_ip ehlo=1 starttls=0/1 commands=1/2',
      'Apr 19 20:23:28 server postfix/smtpd[17679]: connect from <redacted>',
      'Apr 19 20:23:28 server postfix/smtpd[17679]: Anonymous TLS connection established from <redacted>: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Apr 19 20:23:28 server postfix/smtpd[17679]: disconnect from <redacted> ehlo=2 starttls=1 quit=1 commands=4',
    ].join('\n')}\n`);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.peers.map((p) => [p.peer, p.attempts, p.tlsSuccesses, p.failures])).toEqual([
      ['<redacted>', 1, 1, {}],
      ['client_ip', 1, 0, { 'unsupported-protocol': 1 }],
    ]);
  });

  it('with filters and version hints', async () => {
    await expectSame(FIXTURES, { year: 2018, peer: 'google' });
    await expectSame(FIXTURES, { year: 2018, since: new Date('2018-08-23T21:00:00'), until: new Date('2018-11-29T02:29:00') });
    await expectSame(FIXTURES, { year: 2018, hints: { postfixVersion: '3.8.1', opensslVersion: '3.0.13' } });
    await expectSame(FIXTURES, { year: 2018, maxOpenSessions: 1 });
  });

  it('on a generated log of a few thousand lines (classic, busybox, RFC 3339, <PRI>, trimmed stamps)', async () => {
    const { file, text } = generated(6000, 42, 'generated.log');
    // The generator really mixes the formats the fast path has to scan.
    expect(text).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d mx\d postfix\/smtpd\[/m);
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+02:00 mx\d postfix/m);
    expect(text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d mx\d postfix/m);
    expect(text).toMatch(/^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d mx\d mail\.info postfix/m);
    expect(text).toMatch(/^<22>/m);
    expect(text).toMatch(/^postfix(-out)?\/smtp?d?\[\d+\]: /m);
    expect(text).toMatch(/^mx\d postfix/m);
    await expectSame([file], { year: 2024 }, true);
    await expectSame([file], { year: 2024, maxOpenSessions: 3 }, true);
    await expectSame([file], { year: 2024, since: new Date('2024-05-01T00:10:00'), peer: 'sender1' });
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.sessions.tls).toBeGreaterThan(100);
    expect(report.sessions.failed).toBeGreaterThan(20);
    expect(report.sessions.plaintext).toBeGreaterThan(20);
    expect(Object.keys(report.failures).length).toBeGreaterThan(5);
  });

  it('on several seeds, with the fixtures in front (version inference carried across files)', async () => {
    for (const seed of [1, 2, 3]) {
      const { file } = generated(3000, seed, `seed-${seed}.log`);
      await expectSame([...FIXTURES, file], { year: 2024 });
      await expectSame([file, ...FIXTURES], { year: 2024 });
    }
  });

  it('on non-ASCII lines, CRLF, empty lines, a last line without newline, and odd variants of the hot forms', async () => {
    const lines = [
      'May  1 10:00:00 mx postfix/smtpd[1]: connect from mäil.example[192.0.2.1]',
      'May  1 10:00:01 mx postfix/smtpd[1]: setting up TLS connection from mäil.example[192.0.2.1]\r',
      'May  1 10:00:01 mx postfix/smtpd[1]: Anonymous TLS connection established from mäil.example[192.0.2.1]: TLSv1.2 with cipher X (128/128 bits)',
      '',
      'May  1 10:00:02 mx postfix/smtpd[1]: disconnect from mäil.example[192.0.2.1] ehlo=1 starttls=1 commands=2',
      'May  1 10:00:03 mx postfix/smtpd[2]: connect from a.example[192.0.2.2]',
      'May  1 10:00:03 mx postfix/smtpd[2]: setting up TLS connection from a.example[192.0.2.2]',
      'May  1 10:00:04 mx postfix/smtpd[2]: Trusted TLS connection reused from a.example[192.0.2.2]: TLSv1.3 with cipher Y (256/256 bits)',
      'May  1 10:00:04 mx postfix/smtpd[2]: ABCDE12345: client=a.example[192.0.2.2], sasl_method=PLAIN',
      'May  1 10:00:04 mx postfix/smtpd[2]: warning: to=<x>, relay=none, delay=1, dsn=5.0.0, status=sent',
      'May  1 10:00:05 mx postfix/smtpd[2]: disconnect from a.example[192.0.2.2]',
      'May  1 10:00:06 mx postfix/smtp[3]: Verified TLS connection established to b.example[192.0.2.3]:25: TLSv1.3 with cipher Z (256/256 bits)',
      'May  1 10:00:06 mx postfix/smtp[3]: ABCDE12346: to=<u@b.example>, relay=b.example[192.0.2.3]:25, conn_use=2, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)',
      'May  1 10:00:07 mx postfix/smtp[3]: ABCDE12347: to=<u@c.example>, relay=c.example [192.0.2.4]:25, delay=1, dsn=2.0.0, status=sent',
      'May  1 10:00:07 mx postfix/smtp[3]: ABCDE12348: to=<u@c.example>, relay=c.example[192.0.2.4]:25, delay=1, dsn=2.0.0, status=sentx',
      'May  1 10:00:08 mx postfix/smtp[4]: setting up TLS connection to d.example[192.0.2.5]:25',
      'May  1 10:00:08 mx postfix/smtp[4]: ABCDE12349: to=<u@d.example>, relay=d.example[192.0.2.5]:25, delay=1, dsn=2.0.0, status=sent (250\rx)',
      'May  1 10:00:09 mx postfix/smtpd[5]: disconnect from e.example[192.0.2.6] ehlo=1 =3 quit',
      'May  1 10:00:08 mx postfix/smtpd[6]: connect from f.example[192.0.2.7]',
      'May  1 10:00:09 mx postfix/smtpd[6]: setting up TLS connection from f.example[192.0.2.7]',
      'May  1 10:00:09 mx postfix/smtpd[6]: disconnect from f.example[192.0.2.7] starttls=0/1',
      'May  1 10:00:10 mx postfix/qmgr[9]: ABCDE12349: removed extra',
      'May  1 10:00:10 mx postfix/qmgr[9]: ABCDE12349: from=<no-close',
      // A session without its connect takes the library error its process logged just before.
      'May  1 10:00:10 mx postfix/smtpd[8]: warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2283:',
      'May  1 10:00:10 mx postfix/smtpd[8]: lost connection after STARTTLS from h.example[192.0.2.9]',
      'May  1 10:00:10 mx postfix/smtpd[8]: disconnect from h.example[192.0.2.9] ehlo=1 starttls=0/1 commands=1/2',
      'May  1 10:00:10 mx postfix/smtpd[10]: connect from i.example[192.0.2.10]',
      'May  1 10:00:10 mx postfix/smtpd[10]: improper command pipelining after CONNECT from i.example[192.0.2.10]: \\026\\003\\001\\002\\000\\001',
      'May  1 10:00:10 mx postfix/smtpd[10]: lost connection after CONNECT from i.example[192.0.2.10]',
      'May  1 10:00:10 mx postfix/smtpd[10]: disconnect from i.example[192.0.2.10] commands=0/0',
      // Older versions: no trust word, servers named without address (matched by name to a delivery that has one).
      'May  1 10:00:10 mx postfix/smtpd[11]: TLS connection established from j.example[192.0.2.11]: TLSv1 with cipher W (256/256 bits)',
      'May  1 10:00:10 mx postfix/smtp[12]: setting up TLS connection to k.example',
      'May  1 10:00:10 mx postfix/smtp[12]: TLS connection established to k.example: TLSv1 with cipher V (256/256 bits)',
      'May  1 10:00:10 mx postfix/smtp[12]: ABCDE12350: to=<u@k.example>, relay=k.example[192.0.2.12]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      'May  1 10:00:10 mx postfix/smtp[13]: certificate verification failed for l.example: num=18:self signed certificate',
      'May  1 10:00:10 mx postfix/smtp[13]: ABCDE12351: to=<u@l.example>, relay=l.example[192.0.2.13]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      // A lost connection after STARTTLS, with no handshake line: with and without the session's other lines.
      'May  1 10:00:11 mx postfix/smtpd[14]: connect from m.example[192.0.2.14]',
      'May  1 10:00:11 mx postfix/smtpd[14]: lost connection after STARTTLS from m.example[192.0.2.14]',
      'May  1 10:00:11 mx postfix/smtpd[14]: disconnect from m.example[192.0.2.14] ehlo=1 starttls=0/1 commands=1/2',
      'May  1 10:00:11 mx postfix/smtpd[15]: lost connection after STARTTLS from n.example[192.0.2.15]',
      // Reasons for leaving a server that is not the last: after a delivery to the same server, on the same connection.
      'May  1 10:00:12 mx postfix/smtp[16]: Untrusted TLS connection established to o.example[192.0.2.16]:25: TLSv1.3 with cipher U (256/256 bits)',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12352: to=<u@o.example>, relay=o.example[192.0.2.16]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: lost connection with o.example[192.0.2.16] while sending MAIL FROM',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: TLS is required, but host p.example[192.0.2.17] refused to start TLS: 454 4.7.0 TLS not available due to local problem',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: host q.example[192.0.2.18] said: 450 4.7.1 try later (in reply to RCPT TO command)',
      'no header at all',
      'May  1 10:00:11 mx postfix/smtpd[7]: connect from g.example[192.0.2.8]',
    ];
    const file = path.join(dir, 'odd.log');
    writeFileSync(file, lines.join('\n'));
    await expectSame([file], { year: 2024 }, true);
    await expectSame([file, FIXTURES[0] as string], { year: 2024 }, true);
    // The first session of class unknown, quoted from its STARTTLS on.
    const unknown = lines.filter((line) => line.includes('f.example'));
    expect(unknown).toHaveLength(3);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.failures.unknown?.example).toEqual(unknown.slice(1));
    expect(report.peers.find((peer) => peer.peer === '192.0.2.9')?.failures).toEqual({ 'no-shared-cipher': 1 });
    expect(report.peers.find((peer) => peer.peer === '192.0.2.10')?.failures).toEqual({ 'implicit-tls': 1 });
    expect(report.peers.filter((peer) => ['192.0.2.14', '192.0.2.15'].includes(peer.peer)).map((peer) => peer.failures))
      .toEqual([{ 'unexpected-eof': 1 }, { 'unexpected-eof': 1 }]);
    expect(report.peers.filter((peer) => ['192.0.2.11', 'k.example', 'l.example'].includes(peer.peer)).map((peer) => [peer.peer, peer.tlsSuccesses, peer.failures, peer.plaintextDeliveries]))
      .toEqual([['192.0.2.11', 1, {}, 0], ['k.example', 1, {}, 0], ['l.example', 0, {}, 1]]);
  });

  it('on bare Postfix messages (no syslog header) among whole lines', async () => {
    const lines = [
      'connect from a.example[192.0.2.1]',
      'May  1 10:00:00 mx postfix/smtpd[1]: connect from b.example[192.0.2.2]',
      'SSL_accept error from a.example[192.0.2.1]: -1',
      'warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1419:',
      'May  1 10:00:01 mx postfix/smtpd[1]: Anonymous TLS connection established from b.example[192.0.2.2]: TLSv1.2 with cipher X (128/128 bits)',
      'lost connection after STARTTLS from a.example[192.0.2.1]',
      'disconnect from a.example[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
      'May  1 10:00:02 mx postfix/smtpd[1]: disconnect from b.example[192.0.2.2] ehlo=2 starttls=1 quit=1 commands=4',
      'Anonymous TLS connection established from c.example[192.0.2.3]: TLSv1.3 with cipher Y (256/256 bits)',
      'ABCDE12345: client=c.example[192.0.2.3]',
      'disconnect from c.example[192.0.2.3] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7',
      'SSL_connect error to mx.d.example[192.0.2.4]:25: lost connection',
      // smtpd's, while a bare smtp session is open: the two share pid and service, not the side.
      'improper command pipelining after CONNECT from e.example[192.0.2.6]: \\026\\003\\001\\002',
      'ABCDE12346: to=<u@d.example>, relay=mx.d.example[192.0.2.4]:25, delay=1, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      'ABCDE12346: to=<u@d.example>, relay=mx.d.example[192.0.2.4]:25, delay=2, dsn=2.0.0, status=sent (250 ok)',
      'May  1 10:00:03 mx kernel: connect from e.example[192.0.2.5]',
      'not a Postfix message',
    ];
    const file = path.join(dir, 'bare.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.stats).toEqual({ lines: 17, events: 15, unrecognised: 0, foreign: 2 });
    expect(report.peers.map((peer) => [peer.peer, peer.attempts, peer.tlsSuccesses, peer.failures, peer.plaintextDeliveries])).toEqual([
      ['192.0.2.4', 2, 0, { 'unexpected-eof': 1 }, 1],
      ['192.0.2.1', 1, 0, { 'no-shared-cipher': 1 }, 0],
      ['192.0.2.2', 1, 1, {}, 0],
      ['192.0.2.3', 1, 1, {}, 0],
      ['192.0.2.6', 1, 0, { 'implicit-tls': 1 }, 0],
    ]);
  });

  it('on TLS sessions that logged no established line (smtpd_tls_loglevel 0): TLS by the command counters, not plaintext', async () => {
    const file = logFile('loglevel-0.log', [
      'May  1 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]',
      'May  1 10:00:01 mx postfix/smtpd[1]: ABCDE12345: client=a.example[192.0.2.1]',
      'May  1 10:00:02 mx postfix/smtpd[1]: disconnect from a.example[192.0.2.1] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7',
      // A second STARTTLS inside TLS is refused: one of two succeeded.
      'May  1 10:00:03 mx postfix/smtpd[2]: connect from a.example[192.0.2.1]',
      'May  1 10:00:04 mx postfix/smtpd[2]: setting up TLS connection from a.example[192.0.2.1]',
      'May  1 10:00:05 mx postfix/smtpd[2]: disconnect from a.example[192.0.2.1] ehlo=2 starttls=1/2 quit=1 commands=4/5',
      'May  1 10:00:06 mx postfix/smtpd[3]: connect from b.example[192.0.2.2]',
      'May  1 10:00:07 mx postfix/smtpd[3]: ABCDE12346: client=b.example[192.0.2.2]',
      'May  1 10:00:08 mx postfix/smtpd[3]: disconnect from b.example[192.0.2.2] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
      'May  1 10:00:09 mx postfix/smtpd[4]: connect from c.example[192.0.2.3]',
      'May  1 10:00:10 mx postfix/smtpd[4]: SSL_accept error from c.example[192.0.2.3]: -1',
      'May  1 10:00:10 mx postfix/smtpd[4]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:ssl/statem/statem_srvr.c:1657:',
      'May  1 10:00:10 mx postfix/smtpd[4]: lost connection after STARTTLS from c.example[192.0.2.3]',
      'May  1 10:00:10 mx postfix/smtpd[4]: disconnect from c.example[192.0.2.3] ehlo=1 starttls=0/1 commands=1/2',
      // Some versions count a STARTTLS whose handshake failed: the failure's own lines outweigh `starttls=1`.
      'May  1 10:00:11 mx postfix/smtpd[5]: connect from d.example[192.0.2.4]',
      'May  1 10:00:12 mx postfix/smtpd[5]: SSL_accept error from d.example[192.0.2.4]: -1',
      'May  1 10:00:12 mx postfix/smtpd[5]: disconnect from d.example[192.0.2.4] ehlo=1 starttls=1 quit=1 commands=3',
    ]);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.sessions).toEqual({ total: 5, tls: 2, failed: 2, plaintext: 1 });
    expect(report.protocols).toEqual({ '(not logged)': 2 });
    expect(report.peers.map((peer) => [peer.peer, peer.tlsSuccesses, peer.plaintextDeliveries, peer.failures])).toEqual([
      ['192.0.2.1', 2, 0, {}], ['192.0.2.2', 0, 1, {}], ['192.0.2.3', 0, 0, { 'unsupported-protocol': 1 }], ['192.0.2.4', 0, 0, { 'unexpected-eof': 1 }],
    ]);
  });

  it('on handshakes that Postfix before 2.9 ended with a bare return code: a wait of minutes is a timeout on both paths', async () => {
    // As posted from a Postfix 2.5.5 wrapper-mode listener: one client hung up after 9 s, the other never sent a hello.
    const file = logFile('bare-return-code.log', [
      'Apr 21 17:42:04 hurricane postfix/smtpd[25847]: connect from gilbert.local[192.168.1.34]',
      'Apr 21 17:42:13 hurricane postfix/smtpd[25847]: SSL_accept error from gilbert.local[192.168.1.34]: -1',
      'Apr 21 17:42:13 hurricane postfix/smtpd[25847]: lost connection after CONNECT from gilbert.local[192.168.1.34]',
      'Apr 21 17:42:13 hurricane postfix/smtpd[25847]: disconnect from gilbert.local[192.168.1.34]',
      'Apr 21 18:10:50 hurricane postfix/smtpd[26571]: connect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: SSL_accept error from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]: -1',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: lost connection after CONNECT from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: disconnect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
    ]);
    await expectSame([file], { year: 2009 }, true);
    const report = await analyzeLogs([file], { year: 2009 });
    expect(report.peers.map((peer) => [peer.peer, peer.failures])).toEqual([['192.168.1.34', { 'unexpected-eof': 1 }], ['217.208.2.63', { timeout: 1 }]]);
    // Given an smtpd_starttls_timeout of 9 s, the 9 s wait is one too.
    const hinted = { year: 2009, hints: { starttlsTimeout: { smtpd: 9 } } };
    await expectSame([file], hinted, true);
    expect(Object.entries((await analyzeLogs([file], hinted)).failures).map(([cls, group]) => [cls, group.count])).toEqual([['timeout', 2]]);
  });

  it('on journalctl output in French, German, Russian and Polish locales, month names with dots and non-ASCII letters', async () => {
    // Built in the stamp formats of the locales, as a posted French excerpt has them (`janv. 07 20:24:55`).
    const file = logFile('locale-months.log', [
      'janv. 07 20:24:55 mail postfix/smtpd[1001]: connect from a.example[192.0.2.1]',
      'janv. 07 20:24:55 mail postfix/smtpd[1001]: Anonymous TLS connection established from a.example[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'janv. 07 20:24:56 mail postfix/smtpd[1001]: disconnect from a.example[192.0.2.1] ehlo=2 starttls=1 quit=1 commands=4',
      'févr. 08 10:00:00 mail postfix/smtpd[1002]: connect from b.example[192.0.2.2]',
      'févr. 08 10:00:01 mail postfix/smtpd[1002]: SSL_accept error from b.example[192.0.2.2]: -1',
      'févr. 08 10:00:01 mail postfix/smtpd[1002]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
      'févr. 08 10:00:01 mail postfix/smtpd[1002]: lost connection after STARTTLS from b.example[192.0.2.2]',
      'févr. 08 10:00:01 mail postfix/smtpd[1002]: disconnect from b.example[192.0.2.2] ehlo=1 starttls=0/1 commands=1/2',
      'août 09 11:00:00.123456 mail postfix/smtpd[1003]: connect from c.example[192.0.2.3]',
      'août 09 11:00:00.223456 mail postfix/smtpd[1003]: disconnect from c.example[192.0.2.3] ehlo=1 quit=1 commands=2',
      'déc. 31 23:59:59 mail postfix/smtpd[1004]: connect from c.example[192.0.2.3]',
      'déc. 31 23:59:59 mail postfix/smtpd[1004]: disconnect from c.example[192.0.2.3] ehlo=1 quit=1 commands=2',
      'Mär 08 12:49:38 mail postfix/smtpd[2001]: connect from a.example[192.0.2.1]',
      'Mär 08 12:49:38 mail postfix/smtpd[2001]: Anonymous TLS connection established from a.example[192.0.2.1]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Mär 08 12:49:39 mail postfix/smtpd[2001]: disconnect from a.example[192.0.2.1] ehlo=2 starttls=1 quit=1 commands=4',
      'Mai 08 12:49:38 mail postfix/smtpd[2002]: connect from d.example[192.0.2.4]',
      'Mai 08 12:49:40 mail postfix/smtpd[2002]: disconnect from d.example[192.0.2.4] ehlo=1 quit=1 commands=2',
      'Okt 08 12:49:38 mail postfix/smtpd[2003]: connect from d.example[192.0.2.4]',
      'Okt 08 12:49:41 mail postfix/smtpd[2003]: disconnect from d.example[192.0.2.4] ehlo=1 quit=1 commands=2',
      // Russian (Cyrillic) and Polish (ASCII, then Latin Extended-A), in glibc's abbreviations.
      'июн 27 10:00:00 mail postfix/smtpd[3001]: connect from e.example[192.0.2.5]',
      'июн 27 10:00:01 mail postfix/smtpd[3001]: disconnect from e.example[192.0.2.5] ehlo=1 quit=1 commands=2',
      'lis 27 10:00:00 mail postfix/smtpd[3002]: connect from f.example[192.0.2.6]',
      'lis 27 10:00:02 mail postfix/smtpd[3002]: disconnect from f.example[192.0.2.6] ehlo=1 quit=1 commands=2',
      'paź 27 10:00:00 mail postfix/smtpd[3003]: connect from f.example[192.0.2.6]',
      'paź 27 10:00:03 mail postfix/smtpd[3003]: disconnect from f.example[192.0.2.6] ehlo=1 quit=1 commands=2',
    ]);
    await expectSame([file], { year: 2025 }, true);
    const report = await analyzeLogs([file], { year: 2025 });
    expect([report.stats.foreign, report.sessions]).toEqual([0, { total: 10, tls: 2, failed: 1, plaintext: 0 }]);
    expect(report.peers.map((peer) => [peer.peer, peer.lastSeen])).toEqual([
      ['192.0.2.1', '2025-03-08T12:49:39'], ['192.0.2.3', '2025-12-31T23:59:59'], ['192.0.2.4', '2025-10-08T12:49:41'], ['192.0.2.6', '2025-11-27T10:00:02'],
      ['192.0.2.2', '2025-02-08T10:00:01'], ['192.0.2.5', '2025-06-27T10:00:01'],
    ]);
  });

  it('on a peer with a space before its bracket, as a web page may give it', async () => {
    const file = logFile('spaced-peer.log', [
      'May  1 10:00:00 mx postfix/smtpd[1]: connect from a.example [192.0.2.1]',
      'May  1 10:00:01 mx postfix/smtpd[1]: SSL_accept error from a.example [192.0.2.1]: -1',
      'May  1 10:00:01 mx postfix/smtpd[1]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:ssl/statem/statem_srvr.c:2220:',
      'May  1 10:00:01 mx postfix/smtpd[1]: lost connection after STARTTLS from a.example [192.0.2.1]',
      'May  1 10:00:01 mx postfix/smtpd[1]: disconnect from a.example [192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
    ]);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.peers.map((peer) => [peer.peer, peer.names, peer.attempts, peer.failures])).toEqual([['192.0.2.1', ['a.example'], 1, { 'no-shared-cipher': 1 }]]);
  });

  it('on messages rsyslog folded into `message repeated N times: [ ...]`: no new event, no new session', async () => {
    // As posted from a server that logged each line three times over, then the form of Ubuntu's rsyslog.conf
    // ($RepeatedMsgReduction on) for a library error.
    const file = logFile('repeated.log', [
      'Sep 30 17:10:43 svcenmta01 postfix/smtpd[11557]: connect from pccenofi35.ldomain.local[192.168.0.135]',
      'Sep 30 17:10:43 svcenmta01 postfix/smtpd[11557]: message repeated 2 times: [ connect from pccenofi35.ldomain.local[192.168.0.135]]',
      'Sep 30 17:10:43 svcenmta01 postfix/smtpd[11557]: Anonymous TLS connection established from pccenofi35.ldomain.local[192.168.0.135]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Sep 30 17:10:43 svcenmta01 postfix/smtpd[11557]: message repeated 2 times: [ Anonymous TLS connection established from pccenofi35.ldomain.local[192.168.0.135]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)]',
      'Sep 30 17:10:44 svcenmta01 postfix/smtpd[11557]: disconnect from pccenofi35.ldomain.local[192.168.0.135]',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: connect from a.example[192.0.2.1]',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: SSL_accept error from a.example[192.0.2.1]: -1',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1543:SSL alert number 48:',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: message repeated 2 times: [ warning: TLS library problem: error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1543:SSL alert number 48:]',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: lost connection after STARTTLS from a.example[192.0.2.1]',
      'Jun 10 06:25:13 mail postfix/smtpd[4242]: disconnect from a.example[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
    ]);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect([report.stats.unrecognised, report.sessions.total, report.protocols, Object.keys(report.failures)]).toEqual([0, 2, { 'TLSv1.2': 1 }, ['certificate-verification']]);
  });

  it('on Postfix 3.10\'s TLSRPT lines, of a success and of a failure, on an SNI name without a chain, and on a CA check', async () => {
    const file = logFile('tlsrpt.log', [
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: TLS SNI mail.justandras.com from host-46-251-21-116.kabelnet.hu[46.251.21.116] not matched, using default chain',
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: SSL_accept error from host-46-251-21-116.kabelnet.hu[46.251.21.116]: -1',
      'Jul 27 23:55:10 helios postfix/smtp[56218]: Verified TLS connection established to mail.nwex.de[2a01:4f8:222:1548::]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange x25519 server-signature RSA-PSS (4096 bits) server-digest SHA256',
      'Jul 27 23:55:10 helios postfix/smtp[56218]: TLSRPT: status=success, domain=nwex.de, receiving_mx=mail.nwex.de[2a01:4f8:222:1548::]',
      'Jul 27 23:55:10 helios postfix/smtp[56218]: 317123EE1029: to=<admin@nwex.de>, relay=mail.nwex.de[2a01:4f8:222:1548::]:25, delay=1.5, delays=0.61/0.07/0.29/0.54, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 322881B17FA)',
      'Jul 27 23:56:00 helios postfix/smtp[56219]: setting up TLS connection to mx.example.net[192.0.2.25]:25',
      'Jul 27 23:56:00 helios postfix/smtp[56219]: TLSRPT: status=failure, domain=example.net, receiving_mx=mx.example.net[192.0.2.25], failure_type=certificate_expired',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CA certificate verification failed for mail.mydomain.com[157.90.161.81]:25: num=65:no matching DANE TLSA records',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CB91A11607FF: to=<my_account@my_domain.com>, relay=mail.mydomain.com[157.90.161.81]:25, delay=0.37, delays=0.21/0.07/0.09/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ]);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect([report.stats.unrecognised, report.protocols, Object.keys(report.failures).sort()]).toEqual([0, { 'TLSv1.3': 1 }, ['certificate-verification', 'unexpected-eof']]);
    expect(report.failures['unexpected-eof']?.explanation).toContain('by SNI');
    expect(report.failures['certificate-verification']?.count).toBe(2);
  });

  it('on the ends of deferral lines, quoted without the rest', async () => {
    const file = logFile('fragments.log', [
      'status=deferred (TLS is required, but was not offered by host mx.e.example[192.0.2.5])',
      '(delivery temporarily suspended: Server certificate not verified)',
      'Cannot start TLS: handshake failure',
      'May  1 10:00:00 mx postfix/smtp[3]: status=deferred (TLS is required, but was not offered by host mx.f.example[192.0.2.6])',
      'TLS is required, but was not offered by host mx.g.example[192.0.2.7]',
      'Server certificate not verified',
    ]);
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.stats).toEqual({ lines: 6, events: 6, unrecognised: 0, foreign: 0 });
  });

  it('without a year given: classic stamps after tomorrow\'s date are last year\'s on both paths', async () => {
    const file = path.join(dir, 'no-year.log');
    const month = (offset: number) => new Date(2000, (new Date().getMonth() + offset) % 12, 1).toLocaleString('en-US', { month: 'short' });
    writeFileSync(file, [
      `${month(1)} 28 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]`,
      `${month(1)} 28 10:00:01 mx postfix/smtpd[1]: disconnect from a.example[192.0.2.1] ehlo=1 quit=1 commands=2`,
      `${month(0)}  1 10:00:00 mx postfix/smtpd[2]: connect from b.example[192.0.2.2]`,
      `${month(0)}  1 10:00:01 mx postfix/smtpd[2]: disconnect from b.example[192.0.2.2] ehlo=1 quit=1 commands=2`,
    ].join('\n'));
    await expectSame([file], {}, true);
    const { peers } = await analyzeLogs([file]);
    const year = (addr: string) => Number(peers.find((peer) => peer.peer === addr)?.lastSeen?.slice(0, 4));
    const thisYear = new Date().getFullYear();
    // The 28th of next month is last year's, unless next month is January (the test runs in December).
    expect(year('192.0.2.1')).toBe(new Date().getMonth() === 11 ? thisYear : thisYear - 1);
    expect(year('192.0.2.2')).toBe(thisYear);
  });

  it('on a small file that lists its newest line first: both read it turned round and say so', async () => {
    const file = path.join(dir, 'newest-first.log');
    writeFileSync(file, [
      '5/3/2024, 10:00:01 AM | info | disconnect from a.example[192.0.2.60] ehlo=1 starttls=0/1 commands=1/2',
      '5/3/2024, 10:00:01 AM | info | lost connection after STARTTLS from a.example[192.0.2.60]',
      '5/3/2024, 10:00:01 AM | warning | warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
      '5/3/2024, 10:00:01 AM | info | SSL_accept error from a.example[192.0.2.60]: -1',
      '5/3/2024, 10:00:01 AM | info | connect from a.example[192.0.2.60]',
      '',
    ].join('\r\n'));
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.reversed).toEqual([file]);
    expect(report.sessions).toEqual({ total: 1, tls: 0, failed: 1, plaintext: 0 });
    expect(report.stats).toEqual({ lines: 5, events: 5, unrecognised: 0, foreign: 0 });
    expect((await analyzeLogs([fixturePath('seed-maillog.log')], { year: 2024 })).reversed).toBeUndefined();
  });

  it('on a small file whose lines a mail client wrapped: both join them', async () => {
    const file = path.join(dir, 'wrapped.log');
    const error = 'May  3 10:00:00 mx postfix/smtpd[4]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:';
    writeFileSync(file, [
      'May  3 10:00:00 mx postfix/smtpd[4]: connect from b.example[192.0.2.61]',
      error.slice(0, 72), error.slice(72, 144), error.slice(144),
      'May  3 10:00:00 mx postfix/smtpd[4]: lost connection after STARTTLS from b.example[192.0.2.61]',
      'May  3 10:00:00 mx postfix/smtpd[4]: disconnect from b.example[192.0.2.61] ehlo=1 starttls=0/1 commands=1/2',
    ].join('\n'));
    await expectSame([file], { year: 2024 }, true);
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.peers[0]?.failures).toEqual({ 'unsupported-protocol': 1 });
    expect(report.stats.lines).toBe(4);
    expect(report.reversed).toBeUndefined();
  });

  it('on every header format the parser knows, and some it does not', async () => {
    await expectSame([fixturePath('header-formats.log')], { year: 2024 }, true);
    const { peers } = await analyzeLogs([fixturePath('header-formats.log')], { year: 2024 });
    const failures = (addr: string) => peers.find((peer) => peer.peer === addr)?.failures;
    // A line logged twice over, and a console's table rows (one with a stamp the header reader knows).
    expect(failures('192.0.2.28')).toEqual({ 'no-suitable-signature-algorithm': 1 });
    expect(failures('192.0.2.29')).toEqual({ 'unsupported-protocol': 1 });
    // socklog's lines, and JSON records of journald and Docker.
    expect(failures('192.0.2.30')).toEqual({ 'no-suitable-signature-algorithm': 1 });
    expect(failures('192.0.2.31')).toEqual({ 'certificate-verification': 1 });
    expect(failures('192.0.2.32')).toEqual({ 'no-shared-cipher': 1 });
    // Lines quoted in a report, with and without a header.
    expect(failures('192.0.2.33')).toEqual({ 'unsupported-protocol': 1 });
    expect(peers.find((peer) => peer.peer === '192.0.2.34')?.attempts).toBe(1);
    // A syslog_name of its own.
    expect(failures('192.0.2.35')).toEqual({ 'no-shared-cipher': 1 });
    expect(peers.find((peer) => peer.peer === '192.0.2.31')?.lastSeen).toBe('2024-03-05T09:13:20.423456Z');
  });

  it('whatever the chunking: lines split across pushes give the same report', async () => {
    const { file, text } = generated(2000, 9, 'chunked.log');
    const whole = await analyzeLogs([file], { year: 2024 });
    const bytes = Buffer.from(text);
    for (const size of [1, 7, 4096]) {
      const analyzer = new LogAnalyzer();
      const fast = new FastAnalyzer(analyzer, { year: 2024 });
      for (let at = 0; at < bytes.length; at += size) fast.push(bytes.subarray(at, Math.min(bytes.length, at + size)));
      fast.finish();
      expect(analyzer.report(fast.stats, fast.versions)).toEqual(whole);
    }
  });

  it('reads gzip files and stdin (gzip or not) like plain files', async () => {
    const { file } = generated(2000, 5, 'plain.log');
    const plain = await analyzeLogs([file], { year: 2024 });
    const gz = path.join(dir, 'rotated.1');
    writeFileSync(gz, gzipSync(readFileSync(file)));
    expect(await analyzeLogs([gz], { year: 2024 })).toEqual(plain);
    expect(await analyzeLogs(['-'], { year: 2024, stdin: Readable.from([readFileSync(file)]) })).toEqual(plain);
    expect(await analyzeLogs(['-'], { year: 2024, stdin: Readable.from([readFileSync(gz)]) })).toEqual(plain);
    expect(await analyzeLogsWithTracker([gz], { year: 2024 })).toEqual(plain);
  });
});

describe('the scanning worker', WORKER_TIMEOUT, () => {
  it('gives the report of a single thread on a file of many slots, with its progress', async () => {
    const { file, text } = generated(40_000, 11, 'large.log');
    const single = await analyzeLogs([file], { year: 2024, scanWorker: false });
    const seen: ReadProgress[] = [];
    const scanned = await analyzeLogs([file], { year: 2024, scanWorker: { bytes: 64 << 10, records: 1024, handOver: 'first-chunk' }, onProgress: (progress) => seen.push(progress) });
    expect(JSON.stringify(scanned)).toBe(JSON.stringify(single));
    expect(scanned.stats.lines).toBe(40_000);
    const bytes = seen.map((progress) => progress.bytes);
    expect(bytes.length).toBeGreaterThan(10);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ done: true, bytes: Buffer.byteLength(text), total: Buffer.byteLength(text) });
  });

  it('with one record per slot, and with a line longer than a slot (read on without the worker from there)', async () => {
    const { file } = generated(500, 12, 'records.log');
    const single = await analyzeLogs([file], { year: 2024, scanWorker: false });
    expect(JSON.stringify(await analyzeLogs([file], { year: 2024, scanWorker: { ...SMALL_SLOTS, records: 1 } }))).toBe(JSON.stringify(single));

    const lines = new LogGenerator({ seed: 13 }).lineList(2000);
    lines.splice(1000, 0, `May  1 10:00:00 mx postfix/smtpd[77]: warning: ${'x'.repeat(10_000)}`);
    const long = path.join(dir, 'long-line.log');
    writeFileSync(long, `${lines.join('\n')}\n`);
    await expectSame([long], { year: 2024 }, true);
    expect((await analyzeLogs([long], { year: 2024, scanWorker: SMALL_SLOTS })).stats.lines).toBe(2001);
  });

  it('takes over a file past its default size at a line boundary, with the report of one thread', async () => {
    const file = path.join(dir, 'past-threshold.log');
    const generator = new LogGenerator({ seed: 15 });
    const fd = openSync(file, 'w');
    let written = 0;
    try {
      while (written < 72 << 20) written += writeSync(fd, generator.chunk(4 << 20));
    } finally {
      closeSync(fd);
    }
    const single = await analyzeLogs([file], { year: 2024, scanWorker: false });
    const seen: number[] = [];
    const scanned = await analyzeLogs([file], { year: 2024, onProgress: (progress) => seen.push(progress.bytes) });
    expect(JSON.stringify(scanned)).toBe(JSON.stringify(single));
    expect(seen.at(-1)).toBe(written);
    // This thread reads whole chunks of 4 MiB; the worker's slots end at a line.
    expect(seen.some((bytes) => bytes % (4 << 20) !== 0 && bytes !== written)).toBe(true);
  });

  it('leaves a file to this thread when it is read before the worker has started', async () => {
    const { file } = generated(300, 14, 'quick.log');
    const single = await analyzeLogs([file], { year: 2024, scanWorker: false });
    expect(JSON.stringify(await analyzeLogs([file], { year: 2024, scanWorker: true }))).toBe(JSON.stringify(single));
  });

  it('reports a file without a newline, an empty file, and stops with the file missing like the single thread', async () => {
    const bare = path.join(dir, 'bare.log');
    writeFileSync(bare, 'May  1 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]');
    await expectSame([bare], { year: 2024 }, true);
    const empty = path.join(dir, 'empty.log');
    writeFileSync(empty, '');
    await expectSame([empty], { year: 2024 }, true);
    await expect(analyzeLogs([path.join(dir, 'missing.log')], { scanWorker: SMALL_SLOTS })).rejects.toThrow(/ENOENT/);
  });
});
