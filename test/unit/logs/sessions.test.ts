import { describe, expect, it } from 'vitest';
import { readLogFailures } from '../../../lab/advice/failures.ts';
import { readSessions, SessionTracker } from '../../../lab/logs/index.ts';
import { fixtureLines, TLSPROXY_LINES } from './fixture-files.ts';

describe('SessionTracker', () => {
  it('keeps interleaved sessions of different pids apart', () => {
    const { sessions } = readSessions([
      'mx postfix/smtpd[1]: connect from a[192.0.2.1]',
      'mx postfix/smtpd[2]: connect from b[192.0.2.2]',
      'mx postfix/smtpd[1]: setting up TLS connection from a[192.0.2.1]',
      'mx postfix/smtpd[2]: 4F6D0629C: client=b[192.0.2.2]',
      'mx postfix/smtpd[1]: Anonymous TLS connection established from a[192.0.2.1]: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)',
      'mx postfix/smtpd[2]: disconnect from b[192.0.2.2]',
      'mx postfix/smtpd[1]: disconnect from a[192.0.2.1]',
    ]);
    expect(sessions.map((s) => [s.pid, s.peer.name, s.lines.length, s.tls?.protocol ?? null, s.queueIds])).toEqual([
      [1, 'a', 4, 'TLSv1.2', []],
      [2, 'b', 3, null, ['4F6D0629C']],
    ]);
  });

  it('closes an open session as unterminated when its pid connects again', () => {
    const tracker = new SessionTracker();
    expect(tracker.push('mx postfix/smtpd[1]: connect from a[192.0.2.1]')).toEqual([]);
    const closed = tracker.push('mx postfix/smtpd[1]: connect from b[192.0.2.2]');
    expect(closed.map((s) => [s.peer.name, s.complete, s.closedBy])).toEqual([['a', false, 'pid-reuse']]);
    expect(tracker.end().map((s) => [s.peer.name, s.complete, s.closedBy])).toEqual([['b', false, 'end-of-input']]);
  });

  it('tells the connections one tlsproxy process serves at once apart by peer and port', () => {
    const { sessions } = readSessions(TLSPROXY_LINES);
    expect(sessions.map((s) => [s.peer.addr, s.peer.port ?? null, s.tls?.protocol ?? null, s.failure?.class ?? null])).toEqual([
      ['173.194.222.27', 25, 'TLSv1.3', null],
      ['93.188.3.14', 25, 'TLSv1.3', null],
      ['212.3.0.44', 25, 'TLSv1', null],
      ['198.51.100.7', 40000, null, 'no-shared-cipher'],
      ['198.51.100.7', 40002, 'TLSv1.2', null],
    ]);
  });

  it('tells the same pid on two hosts apart', () => {
    const { sessions } = readSessions([
      'h1 postfix/smtpd[81]: connect from a[192.0.2.1]',
      'h2 postfix/smtpd[81]: connect from b[192.0.2.2]',
      'h1 postfix/smtpd[81]: disconnect from a[192.0.2.1]',
      'h2 postfix/smtpd[81]: disconnect from b[192.0.2.2]',
    ]);
    expect(sessions.map((s) => [s.host, s.peer.name, s.closedBy])).toEqual([['h1', 'a', 'disconnect'], ['h2', 'b', 'disconnect']]);
  });

  it('links queue ids to fates logged by other processes, plaintext delivery included', () => {
    const { sessions, fates } = readSessions([
      'mx postfix/smtpd[5]: connect from plain.example[192.0.2.9]',
      'mx postfix/smtpd[5]: 3F1A2B4C5D: client=plain.example[192.0.2.9]',
      'mx postfix/cleanup[6]: 3F1A2B4C5D: message-id=<x@plain.example>',
      'mx postfix/qmgr[7]: 3F1A2B4C5D: from=<s@plain.example>, size=300, nrcpt=1 (queue active)',
      'mx postfix/smtpd[5]: disconnect from plain.example[192.0.2.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
      'mx postfix/local[8]: 3F1A2B4C5D: to=<u@mx>, relay=local, delay=0.1, delays=0.05/0.01/0/0.04, dsn=2.0.0, status=sent (delivered to mailbox)',
    ]);
    const session = sessions[0];
    expect(session?.starttls).toBe(false);
    expect(session?.commands).toEqual({ ehlo: '1', mail: '1', rcpt: '1', data: '1', quit: '1', commands: '5' });
    expect(session?.queueIds).toEqual(['3F1A2B4C5D']);
    expect(fates.get('3F1A2B4C5D')?.map((f) => [f.recipient, f.status, f.relay])).toEqual([['u@mx', 'sent', 'local']]);
  });

  it('splits an outbound deferral and the later plaintext delivery, and reads the 3.4 summary', () => {
    const { sessions, fates, versions } = readSessions(fixtureLines('outbound-3x.log'));
    expect(sessions.map((s) => [s.service, s.pid, s.peer.addr, s.peer.port, s.starttls, s.tls?.protocol ?? null, s.failure?.class ?? null, s.plaintextFallback ?? false])).toEqual([
      ['postfix-out/smtp', 4100, '192.0.2.10', 25, true, null, 'peer-aborted', false],
      ['postfix-out/smtp', 4100, '192.0.2.10', 25, false, null, null, true],
      ['postfix-out/smtp', 4101, '198.51.100.7', 25, true, 'TLSv1.3', null, false],
      ['postfix-out/smtp', 4102, '203.0.113.5', 25, false, null, 'starttls-not-offered', false],
    ]);
    expect(sessions[2]?.tls).toEqual({ trust: 'Verified', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: { used: 256, total: 256 }, keyExchange: 'X25519', serverSignature: 'RSA-PSS' });
    expect(sessions[0]?.start).toBe('2024-05-01T10:00:00.123456+02:00');
    expect(fates.get('4VTx1b2c3dz9')?.map((f) => f.status)).toEqual(['deferred', 'sent']);
    expect(versions.postfixRange).toBe('>=3.4');
    expect(versions.openssl).toBe('3.x');
  });

  it('groups Postfix 2.x in-process plaintext retry after SSL_connect failure as a separate session', () => {
    const { sessions } = readSessions([
      'mx postfix/smtp[30]: setting up TLS connection to mx.b[192.0.2.3]:25',
      'mx postfix/smtp[30]: SSL_connect error to mx.b[192.0.2.3]:25: -1',
      'mx postfix/smtp[30]: warning: TLS library problem: 30:error:14077410:SSL routines:SSL23_GET_SERVER_HELLO:sslv3 alert handshake failure:s23_clnt.c:602:',
      'mx postfix/smtp[30]: ABCDE12345: to=<a@b>, relay=mx.b[192.0.2.3]:25, delay=1, delays=0.5/0/0.5/0, dsn=2.0.0, status=sent (250 ok)',
    ]);
    expect(sessions.map((s) => [s.failure?.class ?? null, s.plaintextFallback ?? false, s.queueIds])).toEqual([
      ['peer-aborted', false, []],
      [null, true, ['ABCDE12345']],
    ]);
  });

  it('reads the formats of older versions: a server named without its address, an established line without a trust word', () => {
    const verifyFailed = 'mx postfix/smtp[31]: certificate verification failed for smtp.b.example: num=20:unable to get local issuer certificate';
    const { sessions } = readSessions([
      'mx postfix/smtpd[32]: connect from c.example[192.0.2.5]',
      'mx postfix/smtpd[32]: setting up TLS connection from c.example[192.0.2.5]',
      'mx postfix/smtpd[32]: TLS connection established from c.example[192.0.2.5]: TLSv1 with cipher DHE-RSA-AES256-SHA (256/256 bits)',
      'mx postfix/smtpd[32]: disconnect from c.example[192.0.2.5]',
      'mx postfix/smtp[31]: setting up TLS connection to smtp.b.example',
      verifyFailed,
      'mx postfix/smtp[31]: SSL_connect error to smtp.b.example: -1',
      'mx postfix/smtp[31]: warning: TLS library problem: 31:error:14090086:SSL routines:SSL3_GET_SERVER_CERTIFICATE:certificate verify failed:s3_clnt.c:894:',
      // The delivery names the address: the same server by name, so the same session.
      'mx postfix/smtp[31]: ABCDE12346: to=<a@b.example>, relay=smtp.b.example[192.0.2.6]:587, delay=1, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      // A client that does not verify logs the failure and goes on over TLS; the delivery shows the handshake completed.
      'mx postfix/smtp[33]: certificate verification failed for smtp.d.example: num=18:self signed certificate',
      'mx postfix/smtp[33]: ABCDE12347: to=<a@d.example>, relay=smtp.d.example[192.0.2.7]:25, delay=1, dsn=5.1.1, status=bounced (host smtp.d.example[192.0.2.7] said: 550 no such user (in reply to RCPT TO command))',
    ]);
    expect(sessions.map((s) => [s.side, s.peer.name, s.peer.addr, s.tls?.trust ?? null, s.failure?.class ?? null, s.queueIds])).toEqual([
      ['smtpd', 'c.example', '192.0.2.5', 'Unstated', null, []],
      ['smtp', 'smtp.b.example', '', null, 'certificate-verification', ['ABCDE12346']],
      ['smtp', 'smtp.d.example', '', null, null, ['ABCDE12347']],
    ]);
    expect(sessions[1]?.failure?.evidence).toContain('mx postfix/smtp[31]: warning: TLS library problem: 31:error:14090086:SSL routines:SSL3_GET_SERVER_CERTIFICATE:certificate verify failed:s3_clnt.c:894:');
    expect(sessions[1]?.lines).toContain(verifyFailed);
  });

  it('bounds open sessions by evicting the oldest', () => {
    const tracker = new SessionTracker({ maxOpenSessions: 2 });
    tracker.push('mx postfix/smtpd[1]: connect from a[192.0.2.1]');
    tracker.push('mx postfix/smtpd[2]: connect from b[192.0.2.2]');
    const closed = tracker.push('mx postfix/smtpd[3]: connect from c[192.0.2.3]');
    expect(closed.map((s) => [s.pid, s.closedBy])).toEqual([[1, 'evicted']]);
    expect(tracker.end().map((s) => s.pid)).toEqual([2, 3]);
  });

  it('starts a session from an excerpt that lacks the connect line', () => {
    const { sessions } = readSessions(['x postfix/smtpd[4]: SSL_accept error from c[192.0.2.4]: lost connection', 'x postfix/smtpd[4]: disconnect from c[192.0.2.4]']);
    expect(sessions.map((s) => [s.peer.addr, s.complete, s.failure?.class])).toEqual([['192.0.2.4', true, 'unexpected-eof']]);
  });

  it('gives a session that starts mid-way the library errors its process logged just before (an excerpt, a grep)', () => {
    const noSharedCipher = 'x postfix/smtpd[5]: warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2283:';
    const { sessions } = readSessions([
      noSharedCipher,
      'x postfix/smtpd[5]: lost connection after STARTTLS from a[192.0.2.5]',
      'x postfix/smtpd[5]: disconnect from a[192.0.2.5] ehlo=1 starttls=0/1 commands=1/2',
      // The next session of the process has its connect: the error is not carried to it.
      'x postfix/smtpd[5]: connect from b[192.0.2.6]',
      'x postfix/smtpd[5]: disconnect from b[192.0.2.6] ehlo=1 quit=1 commands=2',
    ]);
    expect(sessions.map((s) => [s.peer.name, s.starttls, s.failure?.class ?? null])).toEqual([['a', true, 'no-shared-cipher'], ['b', false, null]]);
    expect(sessions[0]?.lines[0]).toBe(noSharedCipher);
    expect(sessions[0]?.failure?.evidence).toContain(noSharedCipher);
    expect(sessions[1]?.processContext).toBeUndefined();
  });

  it('reads bare Postfix messages (no syslog header) as one process whose daemon the messages tell', () => {
    const { sessions, stats } = readSessions([
      'connect from a.example[192.0.2.1]',
      'SSL_accept error from a.example[192.0.2.1]: -1',
      'warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1419:',
      'lost connection after STARTTLS from a.example[192.0.2.1]',
      'disconnect from a.example[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
      'SSL_connect error to mx.b.example[192.0.2.2]:25: -1',
      // A library error goes to the daemon of the bare line before it: smtp here.
      'warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:',
      'ABCDE12345: to=<u@b.example>, relay=mx.b.example[192.0.2.2]:25, delay=1, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      'ABCDE12345: removed',
      // smtpd's alone: a TLS hello where a command belongs (the library error before it went to smtp).
      'improper command pipelining after CONNECT from c.example[192.0.2.3]: \\026\\003\\001\\002',
      // The smtp client names the server with its port (as posted from a Mailu relay).
      'server certificate verification failed for mx-mibc-fr-03.mailinblack.com[40.89.154.15]:25: num=62:hostname mismatch',
      'this line is no Postfix message',
      // A stamp with a program but no pid is a header this parser does not know, not a bare message.
      'May  1 10:00:00 mx kernel: connect from c.example[192.0.2.3]',
    ]);
    expect(sessions.map((s) => [s.side, s.peer.addr, s.pid, s.service, s.host ?? null, s.failure?.class ?? null])).toEqual([
      ['smtpd', '192.0.2.1', 0, '', null, 'no-shared-cipher'],
      ['smtp', '192.0.2.2', 0, '', null, 'wrong-version-number'],
      ['smtpd', '192.0.2.3', 0, '', null, 'implicit-tls'],
      ['smtp', '40.89.154.15', 0, '', null, 'certificate-verification'],
    ]);
    expect(stats).toEqual({ lines: 13, events: 11, unrecognised: 0, foreign: 2 });
  });

  it('reads bare messages after their program without a pid (`[postfix/smtpd] ...`), the daemon as the program says', () => {
    // As posted in ioerror/duraconf#52: the report rewrote each header to the program in brackets.
    const lines = [
      '[postfix/smtpd] connect from mail-yh0-f41.google.com[209.85.213.41]',
      '[postfix/smtpd] SSL_accept error from mail-yh0-f41.google.com[209.85.213.41]: -1',
      '[postfix/smtpd] warning: TLS library problem: error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1360:',
      '[postfix/smtpd] lost connection after STARTTLS from mail-yh0-f41.google.com[209.85.213.41]',
      '[postfix/smtpd] disconnect from mail-yh0-f41.google.com[209.85.213.41]',
      // `program: message`, of a multi-instance service: the session's service is that program.
      'postfix-out/smtp: SSL_connect error to mx.b.example[192.0.2.2]:25: -1',
      'postfix-out/smtp: warning: TLS library problem: error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:',
      // Not a Postfix program: no bare message.
      '[kernel] connect from c.example[192.0.2.3]',
    ];
    const { sessions, stats } = readSessions(lines);
    expect(sessions.map((s) => [s.side, s.service, s.pid, s.failure?.class ?? null, s.events.length])).toEqual([
      ['smtpd', 'postfix/smtpd', 0, 'no-shared-cipher', 5],
      ['smtp', 'postfix-out/smtp', 0, 'certificate-verification', 2],
    ]);
    expect(stats).toMatchObject({ lines: 8, foreign: 1 });
    // Mended as an excerpt, the library error stays one line with its program.
    expect(readLogFailures(lines.slice(0, 5)).failures.map((f) => [f.class, f.evidence.length])).toEqual([['no-shared-cipher', 5]]);
  });

  it('reads a deferral\'s reason quoted alone, without its parentheses, as an outbound failure outside any session', () => {
    // As a blog quotes it, from the bounce (the address a placeholder of its own).
    const quoted = 'TLS is required, but was not offered by host smtp.sendgrid.net[%Global IP%]';
    const { sessions, unattached } = readSessions([quoted]);
    expect([sessions, unattached.map((u) => [u.side, u.event.kind, u.line])]).toEqual([[], [['smtp', 'queue-tls-problem', quoted]]]);
    expect(readLogFailures(['Server certificate not verified']).outbound.map((f) => f.class)).toEqual(['certificate-verification']);
    const withAddress = quoted.replace('%Global IP%', '192.0.2.25');
    expect(readLogFailures([withAddress]).outbound.map((f) => [f.class, f.peers])).toEqual([['starttls-not-offered', [{ name: 'smtp.sendgrid.net', addr: '192.0.2.25' }]]]);
  });

  it('counts the reason for leaving a server that is not the last at the server it names', () => {
    const lines = [
      'May  1 10:00:12 mx postfix/smtp[16]: Untrusted TLS connection established to o.example[192.0.2.16]:25: TLSv1.3 with cipher U (256/256 bits)',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12352: to=<u@o.example>, relay=o.example[192.0.2.16]:25, delay=1, dsn=2.0.0, status=sent (250 ok)',
      // The next message over the same cached connection: the same session.
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: lost connection with o.example[192.0.2.16] while sending MAIL FROM',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: TLS is required, but host p.example[192.0.2.17] refused to start TLS: 454 4.7.0 TLS not available due to local problem',
      'May  1 10:00:12 mx postfix/smtp[16]: ABCDE12353: host q.example[192.0.2.18] said: 450 4.7.1 try later (in reply to RCPT TO command)',
    ];
    const { sessions, unattached } = readSessions(lines);
    expect(sessions.map((s) => [s.peer.name, s.lines.length, s.tls?.protocol ?? null, s.failure?.class ?? null])).toEqual([
      ['o.example', 3, 'TLSv1.3', null],
      ['p.example', 1, null, 'invalid-local-config'],
      ['q.example', 1, null, null],
    ]);
    expect(unattached).toEqual([]);
  });

  it('blames a dropped wrapper-mode request on the set-up error its process logged before', () => {
    const cause = 'x postfix/smtps/smtpd[7]: warning: cannot get RSA private key from file /etc/ssl/private/mx.key: disabling TLS support';
    const dropped = 'x postfix/smtps/smtpd[7]: warning: Wrapper-mode request dropped from a[192.0.2.9] for service smtps. TLS context initialization failed. For details see earlier warnings in your logs.';
    const { sessions } = readSessions([
      'x postfix/smtps/smtpd[7]: initializing the server-side TLS engine',
      cause,
      'x postfix/smtps/smtpd[7]: connect from a[192.0.2.9]',
      dropped,
      'x postfix/smtps/smtpd[7]: disconnect from a[192.0.2.9] commands=0/0',
    ]);
    const failure = sessions[0]?.failure;
    expect(failure?.class).toBe('invalid-local-config');
    expect(failure?.explanation).toContain('cannot get RSA private key from file /etc/ssl/private/mx.key');
    expect(failure?.evidence).toEqual([cause, dropped]);
  });

  it('blames a handshake aborted for a broken SNI table on the local configuration', () => {
    const mismatch = 'x postfix/smtpd[8]: warning: key at index 1 in SNI data for mx.example does not match next certificate';
    const { sessions } = readSessions([
      'x postfix/smtpd[8]: connect from a[192.0.2.10]',
      mismatch,
      'x postfix/smtpd[8]: warning: TLS library problem: error:1426D121:SSL routines:ssl_set_cert_and_key:not replacing certificate:../ssl/ssl_rsa.c:1107:',
      'x postfix/smtpd[8]: warning: error loading private keys and certificates from: SNI data for mx.example: aborting TLS handshake',
      'x postfix/smtpd[8]: SSL_accept error from a[192.0.2.10]: -1',
      'x postfix/smtpd[8]: warning: TLS library problem: error:1422E0EA:SSL routines:final_server_name:callback failed:../ssl/statem/extensions.c:1007:',
      'x postfix/smtpd[8]: lost connection after STARTTLS from a[192.0.2.10]',
      'x postfix/smtpd[8]: disconnect from a[192.0.2.10] ehlo=1 starttls=0/1 commands=1/2',
    ]);
    expect(sessions[0]?.failure?.class).toBe('invalid-local-config');
    expect(sessions[0]?.failure?.explanation).toContain('key at index 1 in SNI data for mx.example does not match next certificate');
    expect(sessions[0]?.failure?.evidence[0]).toBe(mismatch);
  });

  it('keeps what a process logged before a session that has its connect as context, and does not adopt it', () => {
    const certificate = 'x postfix/smtpd[6]: warning: TLS library problem: error:02001002:system library:fopen:No such file or directory:bss_file.c:402:fopen(\'/etc/ssl/mx.pem\',\'r\'):';
    const { sessions } = readSessions([
      'x postfix/smtpd[6]: initializing the server-side TLS engine',
      certificate,
      'x postfix/smtpd[6]: connect from a[192.0.2.7]',
      'x postfix/smtpd[6]: disconnect from a[192.0.2.7] ehlo=1 quit=1 commands=2',
      'x postfix/smtpd[6]: lost connection after STARTTLS from b[192.0.2.8]',
    ]);
    expect(sessions.map((s) => [s.peer.name, s.lines.length, s.processContext?.lines ?? null])).toEqual([
      ['a', 2, [certificate]],
      ['b', 1, [certificate]],
    ]);
  });
});
