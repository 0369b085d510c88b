import { describe, expect, it } from 'vitest';
import { readSessions, type FailureClass, type LogHints, type Session } from '../../../lab/logs/index.ts';

// The OpenSSL error strings come from the OpenSSL sources (ssl_err.c, ssl.h of each release) or the real fixtures.
// "built" marks strings assembled from the documented code layout and reason text rather than copied from a log;
// "lab" marks error strings copied from the lab's own runs (test/fixtures/logs/lab-*.log).

/** An inbound session as Postfix ≥ 2.11 logs it (no pid field), around one `TLS library problem`. */
function inbound(error: string, extra: string[] = []): string[] {
  return [
    'May  1 10:00:00 mx postfix/smtpd[100]: connect from c.example[192.0.2.7]',
    'May  1 10:00:00 mx postfix/smtpd[100]: setting up TLS connection from c.example[192.0.2.7]',
    ...extra,
    'May  1 10:00:00 mx postfix/smtpd[100]: SSL_accept error from c.example[192.0.2.7]: -1',
    `May  1 10:00:00 mx postfix/smtpd[100]: warning: TLS library problem: ${error}`,
    'May  1 10:00:00 mx postfix/smtpd[100]: lost connection after STARTTLS from c.example[192.0.2.7]',
    'May  1 10:00:01 mx postfix/smtpd[100]: disconnect from c.example[192.0.2.7] ehlo=1 starttls=0/1 commands=1/2',
  ];
}

/** An outbound attempt that Postfix ≥ 3.0 defers first (facts A5). */
function outbound(error: string): string[] {
  return [
    'May  1 10:00:00 mx postfix/smtp[200]: setting up TLS connection to mx.peer.example[198.51.100.9]:25',
    'May  1 10:00:00 mx postfix/smtp[200]: SSL_connect error to mx.peer.example[198.51.100.9]:25: -1',
    `May  1 10:00:00 mx postfix/smtp[200]: warning: TLS library problem: ${error}`,
    'May  1 10:00:00 mx postfix/smtp[200]: 4F6D0629C: to=<a@peer.example>, relay=mx.peer.example[198.51.100.9]:25, delay=0.2, delays=0.1/0/0.1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
  ];
}

function only(lines: string[], hints?: LogHints): Session {
  const { sessions } = readSessions(lines, { year: 2024, ...(hints === undefined ? {} : { hints }) });
  expect(sessions).toHaveLength(1);
  return sessions[0] as Session;
}

const CASES: { cls: FailureClass; generation: string; lines: string[]; hints?: { opensslVersion: string } }[] = [
  // no shared cipher
  { cls: 'no-shared-cipher', generation: '1.0.1', lines: inbound('7659:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1387:') },
  { cls: 'no-shared-cipher', generation: '1.0.2', lines: inbound('error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1427:') },
  { cls: 'no-shared-cipher', generation: '1.1.x', lines: inbound('error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2283:') },
  { cls: 'no-shared-cipher', generation: '3.x', lines: inbound('error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:') },
  // unknown protocol
  { cls: 'unknown-protocol', generation: '1.0.1', lines: inbound('81:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:628:') },
  { cls: 'unknown-protocol', generation: '1.0.2', lines: inbound('error:140760FC:SSL routines:ssl23_get_client_hello:unknown protocol:s23_srvr.c:643:') }, // built
  { cls: 'unknown-protocol', generation: '1.1.x', lines: inbound('error:142090FC:SSL routines:tls_early_post_process_client_hello:unknown protocol:../ssl/statem/statem_srvr.c:1659:') }, // lab: Debian 11, an SSLv2 hello
  { cls: 'unknown-protocol', generation: '3.x', lines: inbound('error:0A0000FC:SSL routines::unknown protocol:../ssl/statem/statem_srvr.c:1641:') }, // lab: Debian 12, an SSLv2 hello
  // unsupported protocol
  { cls: 'unsupported-protocol', generation: '1.0.1', lines: inbound('error:14076102:SSL routines:SSL23_GET_CLIENT_HELLO:unsupported protocol:s23_srvr.c:549:') }, // built
  { cls: 'unsupported-protocol', generation: '1.0.2', lines: inbound('error:14076102:SSL routines:ssl23_get_client_hello:unsupported protocol:s23_srvr.c:605:') }, // built
  { cls: 'unsupported-protocol', generation: '1.1.x', lines: inbound('error:14209102:SSL routines:tls_early_post_process_client_hello:unsupported protocol:../ssl/statem/statem_srvr.c:1714:') },
  { cls: 'unsupported-protocol', generation: '3.x', lines: inbound('error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:') },
  // lab: Debian's Postfix 3.5, 3.7 and 3.10 as clients with TLS 1.2 only, against a server that answers TLS 1.0 (lab-client-protocol-floor.log)
  { cls: 'unsupported-protocol', generation: '1.1.x', lines: outbound('error:1425F102:SSL routines:ssl_choose_client_version:unsupported protocol:../ssl/statem/statem_lib.c:1957:') },
  { cls: 'unsupported-protocol', generation: '3.x', lines: outbound('error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:1952:') },
  { cls: 'unsupported-protocol', generation: '3.x', lines: outbound('error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_lib.c:2407:') },
  // version too low (1.1.x and 3.x only)
  { cls: 'version-too-low', generation: '1.1.x', lines: inbound('error:1420918C:SSL routines:tls_early_post_process_client_hello:version too low:../ssl/statem/statem_srvr.c:1714:') },
  { cls: 'version-too-low', generation: '3.x', lines: inbound('error:0A00018C:SSL routines::version too low:../ssl/statem/statem_srvr.c:1657:') },
  // wrong version number
  { cls: 'wrong-version-number', generation: '1.0.1', lines: inbound('81:error:1408A10B:SSL routines:SSL3_GET_CLIENT_HELLO:wrong version number:s3_srvr.c:960:') },
  { cls: 'wrong-version-number', generation: '1.0.2', lines: inbound('error:1408A10B:SSL routines:ssl3_get_client_hello:wrong version number:s3_srvr.c:969:') }, // built
  // lab: Debian's Postfix 3.5, 3.7 and 3.10 as clients, against a server that answers the hello in plaintext
  // (lab-broken-starttls-servers.log); OpenSSL 3.5 reads records in tlsany_meth.c
  { cls: 'wrong-version-number', generation: '1.1.x', lines: outbound('error:1408F10B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:331:') },
  { cls: 'wrong-version-number', generation: '3.x', lines: outbound('error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:') },
  { cls: 'wrong-version-number', generation: '3.x', lines: outbound('error:0A00010B:SSL routines::wrong version number:../ssl/record/methods/tlsany_meth.c:77:') },
  // alert protocol version, received
  { cls: 'alert-protocol-version', generation: '1.0.1', lines: outbound('error:1407742E:SSL routines:SSL23_GET_SERVER_HELLO:tlsv1 alert protocol version:s23_clnt.c:770:') },
  { cls: 'alert-protocol-version', generation: '1.0.2', lines: outbound('error:1407742E:SSL routines:ssl23_get_server_hello:tlsv1 alert protocol version:s23_clnt.c:802:') },
  // lab: the same clients from TLS 1.2 up with TLS 1.3 on, refused by the TLS 1.0 server (lab-client-protocol-floor.log)
  { cls: 'alert-protocol-version', generation: '1.1.x', lines: outbound('error:1409442E:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1562:SSL alert number 70:') },
  { cls: 'alert-protocol-version', generation: '3.x', lines: outbound('error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1584:SSL alert number 70:') },
  { cls: 'alert-protocol-version', generation: '3.x', lines: outbound('error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:') },
  { cls: 'alert-protocol-version', generation: '3.x', lines: outbound('error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:918:SSL alert number 70:') },
  // peer aborted with an alert
  { cls: 'peer-aborted', generation: '1.0.1', lines: outbound('error:14077410:SSL routines:SSL23_GET_SERVER_HELLO:sslv3 alert handshake failure:s23_clnt.c:770:') },
  { cls: 'peer-aborted', generation: '1.0.2', lines: outbound('error:14077410:SSL routines:ssl23_get_server_hello:sslv3 alert handshake failure:s23_clnt.c:802:') },
  // lab: Debian 11, 12 and 13 servers with a 1024-bit DHE group, against a client at security level 2 (lab-dh1024.log);
  // OpenSSL 3.5 spells the alert "ssl/tls alert"
  { cls: 'peer-aborted', generation: '1.1.x', lines: inbound('error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1562:SSL alert number 40:') },
  { cls: 'peer-aborted', generation: '3.x', lines: inbound('error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:') },
  { cls: 'peer-aborted', generation: '3.x', lines: inbound('error:0A000410:SSL routines::ssl/tls alert handshake failure:../ssl/record/rec_layer_s3.c:918:SSL alert number 40:') },
  // certificate verification: the library's own failure, as clients that abort on it log it. Postfix's smtp client
  // does not abort; in the lab it logs `Server certificate not verified` (lab-outbound-verify-bookworm.log)
  { cls: 'certificate-verification', generation: '1.0.1', lines: outbound('error:14090086:SSL routines:SSL3_GET_SERVER_CERTIFICATE:certificate verify failed:s3_clnt.c:1180:') }, // built
  { cls: 'certificate-verification', generation: '1.1.x', lines: outbound('error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed:../ssl/statem/statem_clnt.c:1915:') }, // built
  { cls: 'certificate-verification', generation: '3.x', lines: outbound('error:0A000086:SSL routines::certificate verify failed:../ssl/statem/statem_clnt.c:1889:') }, // built
  // lab: the server's side, a client that requires a verified certificate against a self-signed one (lab-verifying-senders.log)
  { cls: 'certificate-verification', generation: '1.1.x', lines: inbound('error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1562:SSL alert number 48:') },
  { cls: 'certificate-verification', generation: '3.x', lines: inbound('error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1601:SSL alert number 48:') },
  { cls: 'certificate-verification', generation: '3.x', lines: inbound('error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:918:SSL alert number 48:') },
  // Alerts whose reason has no "alert" in it: the class comes from the alert's number (reason 1000 + number). Built from ssl_err.c's strings.
  { cls: 'peer-aborted', generation: '3.x', lines: outbound('error:0A000458:SSL routines::tlsv1 unrecognized name:../ssl/record/rec_layer_s3.c:1584:SSL alert number 112') },
  { cls: 'peer-aborted', generation: '1.1.x', lines: outbound('error:14094458:SSL routines:ssl3_read_bytes:tlsv1 unrecognized name:../ssl/record/rec_layer_s3.c:1543:SSL alert number 112') },
  { cls: 'certificate-verification', generation: '3.x', lines: inbound('error:0A00045A:SSL routines::tlsv1 bad certificate hash value:../ssl/record/rec_layer_s3.c:1584:SSL alert number 114') },
  // client certificate: an alert about one read by the client, or a server that fails the handshake without one (SSL_VERIFY_FAIL_IF_NO_PEER_CERT); built.
  { cls: 'client-certificate', generation: '3.x', lines: outbound('error:0A00045C:SSL routines::tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1584:SSL alert number 116') },
  { cls: 'client-certificate', generation: '1.1.x', lines: outbound('error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1543:SSL alert number 48') },
  { cls: 'client-certificate', generation: '1.0.2', lines: outbound('error:14094412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:s3_pkt.c:1472:SSL alert number 42') },
  { cls: 'client-certificate', generation: '3.x', lines: inbound('error:0A0000C7:SSL routines::peer did not return a certificate:../ssl/statem/statem_srvr.c:3708:') },
  // DH key too small (client side; 1.0.1n+/1.0.2b+ check it)
  // no shared key-exchange group (TLS 1.3: 1.1.x and 3.x only); lab: Debian 11, 12 and 13 with tls_eecdh_auto_curves = X448 (lab-no-shared-group.log)
  { cls: 'no-shared-group', generation: '1.1.x', lines: inbound('error:141F7065:SSL routines:final_key_share:no suitable key share:../ssl/statem/extensions.c:1417:') },
  { cls: 'no-shared-group', generation: '3.x', lines: inbound('error:0A000065:SSL routines::no suitable key share:../ssl/statem/extensions.c:1362:') },
  { cls: 'no-shared-group', generation: '3.x', lines: inbound('error:0A000065:SSL routines::no suitable key share:../ssl/statem/extensions.c:1411:') },
  // 1.0.1: a postfix/smtp line that a Postfix log parser's tests quote from a production log
  { cls: 'dh-key-too-small', generation: '1.0.1', lines: outbound('error:14082174:SSL routines:SSL3_CHECK_CERT_AND_ALGORITHM:dh key too small:s3_clnt.c:3347:') },
  { cls: 'dh-key-too-small', generation: '1.0.2', lines: outbound('error:14082174:SSL routines:ssl3_check_cert_and_algorithm:dh key too small:s3_clnt.c:3641:') }, // built
  // lab: Debian's Postfix 3.5, 3.7 and 3.10 as clients with @SECLEVEL=2, against a 1024-bit group (lab-dh1024.log)
  { cls: 'dh-key-too-small', generation: '1.1.x', lines: outbound('error:141A318A:SSL routines:tls_process_ske_dhe:dh key too small:../ssl/statem/statem_clnt.c:2162:') },
  { cls: 'dh-key-too-small', generation: '3.x', lines: outbound('error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2092:') },
  { cls: 'dh-key-too-small', generation: '3.x', lines: outbound('error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2354:') },
  // unexpected EOF (3.x names it; older libraries leave only the -1 / errno line, see the session tests). In the lab,
  // Debian's Postfix 3.5, 3.7 and 3.10 log only `lost connection` when a peer hangs up mid-handshake
  // (lab-misbehaving-clients.log, lab-broken-starttls-servers.log)
  { cls: 'unexpected-eof', generation: '3.x', lines: inbound('error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:') }, // built
  // plaintext or HTTP after STARTTLS
  { cls: 'plaintext-after-starttls', generation: '1.0.1', lines: inbound('error:1407609C:SSL routines:SSL23_GET_CLIENT_HELLO:http request:s23_srvr.c:414:') }, // built (line)
  { cls: 'plaintext-after-starttls', generation: '1.0.2', lines: inbound('error:1407609C:SSL routines:ssl23_get_client_hello:http request:s23_srvr.c:394:') }, // built (line)
  { cls: 'plaintext-after-starttls', generation: '1.1.x', lines: inbound('error:1408F09C:SSL routines:ssl3_get_record:http request:../ssl/record/ssl3_record.c:322:'), hints: { opensslVersion: '1.1.1' } },
  { cls: 'plaintext-after-starttls', generation: '1.1.x', lines: inbound('error:1408F10B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:332:'), hints: { opensslVersion: '1.1.1' } },
  { cls: 'plaintext-after-starttls', generation: '3.x', lines: inbound('error:0A00009C:SSL routines::http request:../ssl/record/ssl3_record.c:341:') }, // lab: Debian 12
  { cls: 'plaintext-after-starttls', generation: '3.x', lines: inbound('error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:') }, // lab: Debian 12, plaintext EHLO
  // TLS bytes that break the protocol, logged by this side. 1.0.1: a Zimbra 8 log parser's sample line (sgros/LogParser);
  // lab: Debian's Postfix 3.5, 3.7 and 3.10 against the raw sender's malformed records (lab-protocol-violations.log)
  { cls: 'protocol-violation', generation: '1.0.1', lines: inbound('23025:error:1408F119:SSL routines:SSL3_GET_RECORD:decryption failed or bad record mac:s3_pkt.c:484:') },
  { cls: 'protocol-violation', generation: '1.1.x', lines: inbound('error:141A20F4:SSL routines:ossl_statem_server_read_transition:unexpected message:../ssl/statem/statem_srvr.c:311:') },
  { cls: 'protocol-violation', generation: '1.1.x', lines: inbound('error:1408F0C6:SSL routines:ssl3_get_record:packet length too long:../ssl/record/ssl3_record.c:362:') },
  { cls: 'protocol-violation', generation: '1.1.x', lines: inbound('error:1417D09F:SSL routines:tls_process_client_hello:length mismatch:../ssl/statem/statem_srvr.c:1527:') },
  { cls: 'protocol-violation', generation: '3.x', lines: inbound('error:0A0000F4:SSL routines::unexpected message:../ssl/statem/statem_srvr.c:312:') },
  { cls: 'protocol-violation', generation: '3.x', lines: inbound('error:0A0000C6:SSL routines::packet length too long:../ssl/record/ssl3_record.c:379:') },
  { cls: 'protocol-violation', generation: '3.x', lines: inbound('error:0A000092:SSL routines::data length too long:../ssl/record/methods/tlsany_meth.c:121:') },
  { cls: 'protocol-violation', generation: '3.x', lines: inbound('error:0A00009F:SSL routines::length mismatch:../ssl/statem/statem_srvr.c:1640:') },
  { cls: 'protocol-violation', generation: '3.x', lines: inbound('error:0A000070:SSL routines::missing sigalgs extension:../ssl/statem/extensions.c:720:') }, // built
  { cls: 'protocol-violation', generation: '1.1.x', lines: outbound('error:141A1101:SSL routines:tls_process_server_hello:unsupported compression algorithm:../ssl/statem/statem_clnt.c:1524:') }, // built
  // no shared signature algorithms: the peer's list and the certificate's key leave none (reason 0x178, openssl errstr)
  { cls: 'no-suitable-signature-algorithm', generation: '3.x', lines: inbound('error:0A000178:SSL routines::no shared signature algorithms:../ssl/t1_lib.c:3387:') }, // built
  // 3.0 signature algorithms at SECLEVEL >= 1, server and client side (lab: Debian 12's Postfix with @SECLEVEL=1 against
  // a TLS 1.0 client and a TLS 1.0 server, lab-security-level-1.log)
  { cls: 'no-suitable-signature-algorithm', generation: '3.x', lines: inbound('error:0A000076:SSL routines::no suitable signature algorithm:../ssl/t1_lib.c:3353:') },
  { cls: 'no-suitable-signature-algorithm', generation: '3.x', lines: outbound('error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported:../ssl/statem/statem_clnt.c:2254:') },
  // inappropriate fallback (RFC 7507; 1.0.1j and later). Server side: see lab-captured.test.ts; here the alert the client reads.
  { cls: 'inappropriate-fallback', generation: '1.0.1', lines: inbound('2481:error:140A1175:SSL routines:SSL_BYTES_TO_CIPHER_LIST:inappropriate fallback:s3_lib.c:3624:') }, // built
  { cls: 'inappropriate-fallback', generation: '1.1.x', lines: outbound('error:1409443E:SSL routines:ssl3_read_bytes:tlsv1 alert inappropriate fallback:../ssl/record/rec_layer_s3.c:1562:SSL alert number 86:'), hints: { opensslVersion: '1.1.1w' } },
  { cls: 'inappropriate-fallback', generation: '3.x', lines: outbound('error:0A00043E:SSL routines::tlsv1 alert inappropriate fallback:../ssl/record/rec_layer_s3.c:1601:SSL alert number 86:') },
  // OpenSSL 3.0 no longer connects to servers without RFC 5746 secure renegotiation (as Postfix 3.7 / 3.0 and 3.10 / 3.5
  // logged it in the lab against an Exim/GnuTLS server with %DISABLE_SAFE_RENEGOTIATION; 1.1.1 connects)
  { cls: 'unsafe-legacy-renegotiation', generation: '3.x', lines: outbound('error:0A000152:SSL routines::unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:') },
  { cls: 'unsafe-legacy-renegotiation', generation: '3.x', lines: outbound('error:0A000152:SSL routines::unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:896:') },
  // the local protocol settings leave nothing (reason strings as the lab's 1.1.1w and 3.0 s_client printed them)
  { cls: 'invalid-local-config', generation: '1.1.x', lines: outbound('error:141E70BF:SSL routines:tls_construct_client_hello:no protocols available:../ssl/statem/statem_clnt.c:1113:'), hints: { opensslVersion: '1.1.1w' } },
  { cls: 'invalid-local-config', generation: '3.x', lines: outbound('error:0A0000BF:SSL routines::no protocols available:../ssl/statem/statem_lib.c:102:') },
];

describe('classify by OpenSSL error, per generation', () => {
  it.each(CASES)('$cls from $generation: $lines.2', ({ cls, generation, lines, hints }) => {
    const session = only(lines, hints);
    expect(session.failure?.class).toBe(cls);
    expect(session.failure?.generation).toBe(generation);
    expect(session.failure?.evidence.some((line) => line.includes('TLS library problem'))).toBe(true);
    expect(session.failure?.summary.length).toBeGreaterThan(0);
    expect(session.failure?.remedy.length).toBeGreaterThan(0);
  });

  it('a sender\'s "insufficient security" alert names the TLSA records (DANE) this server publishes', () => {
    // As posted (a docker-mailserver issue, OpenSSL 1.0.2): GMX aborted, and the server's TLSA record was the cause.
    const lines = [
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: connect from mout.gmx.net[212.227.15.19]',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: warning: TLS library problem: error:1409442F:SSL routines:ssl3_read_bytes:tlsv1 alert insufficient security:s3_pkt.c:1487:SSL alert number 71:',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: lost connection after STARTTLS from . mout.gmx.net[212.227.15.19]',
      'Oct  2 09:40:03 mail postfix/smtpd[1393]: disconnect from mout.gmx.net[212.227.15.19] ehlo=1 starttls=1 commands=2',
    ];
    const failure = only(lines).failure;
    expect(failure?.class).toBe('peer-aborted');
    expect(failure?.explanation).toContain('TLSA records published for this server match none of the certificates it serves');
    expect(failure?.remedy).toContain('_25._tcp.<MX name>');
    // The smtp client's view of the same alert is about what this client offered, not about DANE records of its own.
    const outbound = only([
      'May  1 10:00:00 mx postfix/smtp[200]: SSL_connect error to mx.peer.example[198.51.100.9]:25: -1',
      'May  1 10:00:00 mx postfix/smtp[200]: warning: TLS library problem: error:1409442F:SSL routines:ssl3_read_bytes:tlsv1 alert insufficient security:s3_pkt.c:1487:SSL alert number 71:',
      'May  1 10:00:00 mx postfix/smtp[200]: 4F6D0629C: to=<a@peer.example>, relay=mx.peer.example[198.51.100.9]:25, delay=0.2, delays=0.1/0/0.1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ]).failure; // built
    expect(outbound?.class).toBe('peer-aborted');
    expect(outbound?.explanation).not.toContain('TLSA');
  });

  it('no shared cipher of 1.1.x and 3.x says that the cipher list leaves TLS 1.3 alone; 1.0.x has no TLS 1.3 to mention', () => {
    const byGeneration = (generation: string) => CASES.find((c) => c.cls === 'no-shared-cipher' && c.generation === generation)?.lines ?? [];
    for (const generation of ['1.1.x', '3.x']) expect(only(byGeneration(generation)).failure?.explanation).toContain('the server is TLS 1.3-only in effect');
    expect(only(byGeneration('1.0.2')).failure?.explanation).not.toContain('TLS 1.3');
  });

  it.each([
    // A public report (OpenSSL 1.1.1 server, submission), and the lab's bookworm receiver (test/docker/verifying-senders.test.ts).
    ['error:14094415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired:../ssl/record/rec_layer_s3.c:1543:SSL alert number 45:', 'end date has passed', 'postfix reload'],
    ['error:0A000415:SSL routines::sslv3 alert certificate expired:../ssl/record/rec_layer_s3.c:1601:SSL alert number 45:', 'end date has passed', 'postfix reload'],
    ['error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1601:SSL alert number 42:', 'does not carry the name they connected by', 'every name clients connect by'],
    ['error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:../ssl/record/rec_layer_s3.c:1528:SSL alert number 46:', 'Java clients', 'whole chain'],
    ['error:0A000413:SSL routines::sslv3 alert unsupported certificate:../ssl/record/rec_layer_s3.c:1601:SSL alert number 43:', 'extended key usage leaving out serverAuth', 'TLS server authentication'],
    ['error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1601:SSL alert number 48:', 'self-signed, from a private CA', 'whole chain'],
  ])('a client\'s alert about the certificate says its own causes: %s', (error, explanation, remedy) => {
    const failure = only(inbound(error)).failure;
    expect(failure?.class).toBe('certificate-verification');
    expect(failure?.explanation).toContain('The sending client rejected this server\'s certificate');
    expect(failure?.explanation).toContain(explanation);
    expect(failure?.remedy).toContain(remedy);
  });

  it('tells 1.0.2 from 1.1.x by the source file when the function name exists in both (ssl3_get_record)', () => {
    // 1.0.2 (file without directory): a record-layer version mismatch is not proof of plaintext.
    const old = only(inbound('error:1408F10B:SSL routines:ssl3_get_record:wrong version number:s3_pkt.c:365:'));
    expect(old.failure?.class).toBe('wrong-version-number');
    expect(old.failure?.generation).toBe('1.0.2');
    // 1.1.1, as Debian 11's Postfix 3.5 logged plaintext EHLO after STARTTLS in the lab.
    const modern = only(inbound('error:1408F10B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:331:'));
    expect(modern.failure?.class).toBe('plaintext-after-starttls');
    expect(modern.failure?.generation).toBe('1.1.x');
  });

  it('explains unknown protocol differently in 3.x (a real SSLv2 hello)', () => {
    const session = only(inbound('error:0A0000FC:SSL routines::unknown protocol:../ssl/statem/statem_srvr.c:1641:'));
    expect(session.failure?.explanation).toContain('genuine SSLv2-format ClientHello');
  });

  it('explains the client-side refusal of legacy signatures from the client\'s point of view', () => {
    const session = only(outbound('error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported:../ssl/t1_lib.c:1600:'));
    expect(session.failure?.summary).toBe('legacy signature algorithm refused');
    expect(session.failure?.explanation).toContain('This Postfix client refused the signature the receiving server made');
  });

  it('names the remedies for a server without secure renegotiation and for an empty protocol range', () => {
    const renegotiation = only(outbound('error:0A000152:SSL routines::unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:'));
    expect(renegotiation.failure?.remedy).toContain('LEGACY_SERVER_CONNECT');
    const none = only(outbound('error:0A0000BF:SSL routines::no protocols available:../ssl/statem/statem_lib.c:102:'));
    expect(none.failure?.summary).toBe('no protocols available');
  });

  it('explains no suitable signature algorithm as the TLS 1.0/1.1 SHA-1 limit of OpenSSL 3.0', () => {
    const session = only(inbound('error:0A000076:SSL routines::no suitable signature algorithm:../ssl/t1_lib.c:3367:'));
    expect(session.failure?.explanation).toContain('TLS 1.0/1.1 handshake cannot sign');
  });
});

describe('client certificates', () => {
  it('the smtp client that reads one was refused its own certificate: none, or one the server does not accept', () => {
    const required = only(outbound('error:0A00045C:SSL routines::tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1584:SSL alert number 116')).failure;
    expect(required?.summary).toBe('destination requires a client certificate');
    expect(required?.remedy).toContain('smtp_tls_chain_files');
    const rejected = only(outbound('error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1584:SSL alert number 48')).failure;
    expect(rejected?.summary).toBe('destination rejected the client certificate');
    expect(rejected?.explanation).toContain('tlsv1 alert unknown ca');
  });

  it('a server that fails the handshake for want of a client certificate says so', () => {
    const failure = only(inbound('error:0A0000C7:SSL routines::peer did not return a certificate:../ssl/statem/statem_srvr.c:3708:')).failure;
    expect(failure?.summary).toBe('client certificate required, none presented');
    expect(failure?.explanation).toContain('The server ended the handshake');
  });
});

describe('classify without a library error', () => {
  it.each([
    ['TLS is required, but our TLS engine is unavailable', 'invalid-local-config'],
    ['TLS is required, but host mx.y.example[192.0.2.31] refused to start TLS: 502 5.5.1 Error: command not implemented', 'starttls-not-offered'],
    // As Debian's Postfix 3.7 logged it in the lab, against a destination with an invalid protocol list.
    ['TLS is required, but host 192.168.96.2[192.168.96.2] refused to start TLS: 454 4.7.0 TLS not available due to local problem', 'invalid-local-config'],
    ['TLS is required, but was not offered by host 192.168.96.3[192.168.96.3]', 'starttls-not-offered'],
  ])('mandatory TLS that never started: "%s"', (detail, cls) => {
    const session = only([`May  1 10:00:00 mx postfix/smtp[300]: 1A2B3C4D5E: to=<a@x.example>, relay=mx.x.example[192.0.2.30]:25, delay=0.2, delays=0.1/0/0.1/0, dsn=4.7.4, status=deferred (${detail})`]);
    expect(session.failure?.class).toBe(cls);
  });

  it('timeout after STARTTLS', () => {
    const session = only([
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: setting up TLS connection from c[192.0.2.1]',
      'mx postfix/smtpd[7]: timeout after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1]',
    ]);
    expect(session.failure?.class).toBe('timeout');
    expect(session.failure?.evidence).toEqual(['mx postfix/smtpd[7]: timeout after STARTTLS from c[192.0.2.1]']);
  });

  it.each(['lost connection', 'Connection reset by peer', '-1'])('SSL_accept error "%s" alone is an unexpected EOF', (detail) => {
    const session = only([
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      `mx postfix/smtpd[7]: SSL_accept error from c[192.0.2.1]: ${detail}`,
      'mx postfix/smtpd[7]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1]',
    ]);
    expect(session.failure?.class).toBe('unexpected-eof');
  });

  it.each([
    ['alone', ['mx postfix/smtpd[7]: lost connection after STARTTLS from c[192.0.2.1]']],
    ['between connect and disconnect', [
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
    ]],
  ])('a lost connection after STARTTLS with no handshake line (%s) is an unexpected EOF that says the cause is not logged', (_, lines) => {
    const failure = only(lines).failure;
    expect(failure?.class).toBe('unexpected-eof');
    expect(failure?.summary).toBe('connection lost after STARTTLS');
    expect(failure?.explanation).toMatch(/log was filtered/);
    expect(failure?.evidence).toEqual(['mx postfix/smtpd[7]: lost connection after STARTTLS from c[192.0.2.1]']);
  });

  it('"unexpected eof while reading" says that OpenSSL 3.x also reports a session that worked and ended without close_notify', () => {
    const eof = only(inbound('error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:308:')).failure;
    expect(eof?.explanation).toMatch(/without a close_notify alert.*the warning is harmless/);
    const lost = only(inbound('error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1427:'));
    expect(lost.failure?.explanation).not.toContain('close_notify');
  });

  it('a lost connection after another command is no TLS failure', () => {
    expect(only([
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: lost connection after EHLO from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1] ehlo=1 commands=1',
    ]).failure).toBeUndefined();
  });

  // As Debian's Postfix 3.7 logged it in the lab, sending to a raw destination that stays silent after its 220 to STARTTLS.
  it.each([
    ['Connection timed out', 'timeout'],
    ['lost connection', 'unexpected-eof'],
  ])('a deferred delivery after SSL_connect error "%s" is %s', (detail, cls) => {
    const session = only([
      `Nov 29 11:00:13 receiver postfix/smtp[185]: SSL_connect error to 192.168.64.2[192.168.64.2]:25: ${detail}`,
      'Nov 29 11:00:13 receiver postfix/smtp[185]: CA5DA324106: to=<sink@stall.dest.lab.test>, relay=192.168.64.2[192.168.64.2]:25, delay=3.1, delays=0.02/0.01/3/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ]);
    expect(session.failure?.class).toBe(cls);
    expect(session.failure?.explanation).toMatch(cls === 'timeout' ? /smtp_starttls_timeout/ : /closed the TCP connection/);
  });

  it('a handshake that Postfix before 2.9 ended with a bare -1 is a timeout after a wait of a minute or more', () => {
    // As posted from Postfix 2.5.5 (the 2.6-2.8 form too): a wrapper-mode listener, a client that never sent a hello.
    const silent = [
      'Apr 21 18:10:50 hurricane postfix/smtpd[26571]: connect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: SSL_accept error from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]: -1',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: lost connection after CONNECT from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 18:15:50 hurricane postfix/smtpd[26571]: disconnect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
    ];
    const timeout = only(silent).failure;
    expect([timeout?.class, timeout?.summary]).toEqual(['timeout', 'timeout waiting for the TLS hello']);
    expect(timeout?.explanation).toContain('the 300 s from the session\'s start to that line tell the timeout (smtpd_starttls_timeout is 300 s by default)');
    expect(timeout?.evidence).toEqual([silent[1], silent[2]]);
    // A client that hangs up within seconds: its own doing. On a wrapper-mode listener, a plaintext client may be why.
    const hungUp = only(silent.map((line) => line.replace('18:15:50', '18:10:59'))).failure;
    expect(hungUp?.class).toBe('unexpected-eof');
    expect(hungUp?.explanation).toContain('a client that speaks plaintext SMTP there also hangs up this way');
    expect(hungUp?.remedy).toContain('SSL/TLS (implicit TLS)');
    // Postfix 2.9 and later name the cause themselves.
    expect(only(silent.map((line) => line.replace(': -1', ': lost connection'))).failure?.class).toBe('unexpected-eof');
    // The client side, after STARTTLS (built from the 2.6 format).
    const outbound = only([
      'May  1 10:00:00 mx postfix/smtp[200]: setting up TLS connection to mx.peer.example[198.51.100.9]:25',
      'May  1 10:05:00 mx postfix/smtp[200]: SSL_connect error to mx.peer.example[198.51.100.9]:25: -1',
      'May  1 10:05:00 mx postfix/smtp[200]: 4F6D0629C: to=<a@peer.example>, relay=mx.peer.example[198.51.100.9]:25, delay=300, delays=0.1/0/300/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ]).failure;
    expect([outbound?.class, outbound?.summary]).toEqual(['timeout', 'timeout after STARTTLS']);
    expect(outbound?.explanation).toContain('`SSL_connect error ...: -1`');
    expect(outbound?.explanation).toContain('smtp_starttls_timeout is 300 s by default');
  });

  it('a bare -1 is a timeout by the STARTTLS timeout the caller gives, on its own side', () => {
    // The 2.6 form, with smtpd_starttls_timeout = 20s: the line 20 s after the session began.
    const lines = (seconds: string) => [
      'Apr 21 18:10:30 hurricane postfix/smtpd[26571]: connect from client.example[192.0.2.7]',
      'Apr 21 18:10:30 hurricane postfix/smtpd[26571]: setting up TLS connection from client.example[192.0.2.7]',
      `Apr 21 18:10:${seconds} hurricane postfix/smtpd[26571]: SSL_accept error from client.example[192.0.2.7]: -1`,
      `Apr 21 18:10:${seconds} hurricane postfix/smtpd[26571]: lost connection after STARTTLS from client.example[192.0.2.7]`,
    ];
    const given = { starttlsTimeout: { smtpd: 20 } };
    const timeout = only(lines('50'), given).failure;
    expect(timeout?.class).toBe('timeout');
    expect(timeout?.explanation).toContain('the 20 s from the session\'s start to that line tell the timeout (smtpd_starttls_timeout is 20 s here)');
    // A stamp of whole seconds may put the line a second early.
    expect(only(lines('49'), given).failure?.class).toBe('timeout');
    // Sooner than the timeout: the client hung up. Without the hint, 20 s is too short to tell a timeout.
    expect(only(lines('40'), given).failure?.class).toBe('unexpected-eof');
    expect(only(lines('50')).failure?.class).toBe('unexpected-eof');
    // The smtp client's timeout does not apply to smtpd's sessions.
    expect(only(lines('50'), { starttlsTimeout: { smtp: 20 } }).failure?.class).toBe('unexpected-eof');
  });

  it('a TLSRPT failure of Postfix 3.10 names the class when no other line does, and a success is no failure', () => {
    // In the format of Postfix 3.10's tlsrpt_wrapper.c; the success line and the session around it as posted.
    const failed = (type: string) => only([
      'Jul 27 23:55:09 mx postfix/smtp[7]: setting up TLS connection to mx.example.net[192.0.2.25]:25',
      `Jul 27 23:55:10 mx postfix/smtp[7]: TLSRPT: status=failure, domain=example.net, receiving_mx=mx.example.net[192.0.2.25], failure_type=${type}`,
    ]).failure;
    expect(failed('certificate_expired')).toMatchObject({ class: 'certificate-verification', explanation: expect.stringContaining('(TLSRPT failure_type=certificate_expired)') });
    expect(failed('validation_failure')).toMatchObject({ class: 'unknown', summary: 'TLSRPT failure_type=validation_failure' });
    // The first snapshots of tlsrpt_wrapper.c logged the library's constant instead of RFC 8460's name.
    expect(failed('TLSRPT_CERTIFICATE_NOT_TRUSTED')?.class).toBe('certificate-verification');
    expect(failed('TLSRPT_STARTTLS_NOT_SUPPORTED')?.class).toBe('starttls-not-offered');
    // A type that names no class still says what it means: an MTA-STS policy server's certificate is not the MX's.
    expect(failed('sts_webpki_invalid')).toMatchObject({ class: 'unknown', explanation: expect.stringContaining('not the mail server') });
    expect(failed('TLSRPT_DANE_REQUIRED')).toMatchObject({ class: 'unknown', explanation: expect.stringContaining('no DNSSEC-validated TLSA records') });
    expect(failed('failure_type_999')).toMatchObject({ class: 'unknown', explanation: expect.stringContaining('does not say why') });
    expect(only([
      'Jul 27 23:55:10 mx postfix/smtp[7]: TLSRPT: status=failure, domain=example.net, receiving_mx=mx.example.net[192.0.2.25], failure_type=starttls_not_supported',
    ]).failure?.class).toBe('starttls-not-offered');
    const success = only([
      'Jul 27 23:55:10 helios postfix/smtp[56218]: Verified TLS connection established to mail.nwex.de[2a01:4f8:222:1548::]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange x25519 server-signature RSA-PSS (4096 bits) server-digest SHA256',
      'Jul 27 23:55:10 helios postfix/smtp[56218]: TLSRPT: status=success, domain=nwex.de, receiving_mx=mail.nwex.de[2a01:4f8:222:1548::]',
      'Jul 27 23:55:10 helios postfix/smtp[56218]: 317123EE1029: to=<admin@nwex.de>, relay=mail.nwex.de[2a01:4f8:222:1548::]:25, delay=1.5, delays=0.61/0.07/0.29/0.54, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 322881B17FA)',
    ]);
    expect([success.tls?.protocol, success.failure, success.events.length]).toEqual(['TLSv1.3', undefined, 3]);
  });

  it('a client that hangs up after asking by SNI for a name without a chain of its own: the explanation names it', () => {
    // As posted (mailcow, port 465), with the session's end built from the 3.x format.
    const lines = [
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: connect from host-46-251-21-116.kabelnet.hu[46.251.21.116]',
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: TLS SNI mail.justandras.com from host-46-251-21-116.kabelnet.hu[46.251.21.116] not matched, using default chain',
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: SSL_accept error from host-46-251-21-116.kabelnet.hu[46.251.21.116]: -1',
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: warning: TLS library problem: error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:../ssl/record/rec_layer_s3.c:1543:SSL alert number 46:',
      'Mar  9 11:41:28 f65af3f009f0 postfix/smtps/smtpd[711]: lost connection after CONNECT from host-46-251-21-116.kabelnet.hu[46.251.21.116]',
    ];
    const rejected = only(lines).failure;
    expect(rejected?.class).toBe('certificate-verification');
    expect(rejected?.explanation).toContain('The client asked for mail.justandras.com by SNI, which tls_server_sni_maps has no chain for');
    expect(rejected?.remedy).toContain('Give mail.justandras.com a chain in tls_server_sni_maps');
    const hungUp = only(lines.filter((line) => !line.includes('TLS library problem'))).failure;
    expect([hungUp?.class, hungUp?.explanation.includes('by SNI')]).toEqual(['unexpected-eof', true]);
    // Without the SNI line, no word of it; and a session that went on over TLS did not fail.
    expect(only(lines.filter((line) => !line.includes('TLS SNI'))).failure?.explanation).not.toContain('SNI');
    expect(only([
      'Jun 11 17:11:44 localhost postfix/smtpd[1406106]: connect from mail-qk1-f170.google.com[209.85.222.170]',
      'Jun 11 17:11:45 localhost postfix/smtpd[1406106]: TLS SNI webmail.ugurcomptech.com.tr from mail-qk1-f170.google.com[209.85.222.170] not matched, using default chain',
      'Jun 11 17:11:45 localhost postfix/smtpd[1406106]: Anonymous TLS connection established from mail-qk1-f170.google.com[209.85.222.170]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Jun 11 17:11:47 localhost postfix/smtpd[1406106]: F387D180617: client=mail-qk1-f170.google.com[209.85.222.170]',
    ]).failure).toBeUndefined();
  });

  it('a deferral for a server certificate not verified: the failed check says why, and DANE has its own remedy', () => {
    // As posted from Mailu: a destination whose TLSA records match none of its certificates.
    const dane = only([
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CA certificate verification failed for mail.mydomain.com[157.90.161.81]:25: num=65:no matching DANE TLSA records',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: Untrusted TLS connection established to mail.mydomain.com[157.90.161.81]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
      'Jun 14 07:31:55 mail2 postfix/smtp[16549]: CB91A11607FF: to=<my_account@my_domain.com>, relay=mail.mydomain.com[157.90.161.81]:25, delay=0.37, delays=0.21/0.07/0.09/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ]).failure;
    expect(dane).toMatchObject({ class: 'certificate-verification', summary: 'certificate matches no DANE TLSA record' });
    expect(dane?.explanation).toContain('none matches the certificate chain its server presented (num=65:no matching DANE TLSA records)');
    expect(dane?.remedy).toContain('must publish TLSA records that match its certificate');
    // As posted (loteks.de): the issuer the check names, where the deferral only says "not trusted".
    const untrusted = only([
      'Mar 27 16:05:12 server postfix/smtp[6752]: certificate verification failed for mx00.emig.gmx.net[212.227.15.9]:25: untrusted issuer /C=DE/O=Deutsche Telekom AG/OU=T-TeleSec Trust Center/CN=Deutsche Telekom Root CA 2',
      'Mar 27 16:05:12 server postfix/smtp[6752]: A602E3FF5C: to=<********@gmx.de>, relay=mx00.emig.gmx.net[212.227.15.9]:25, delay=1.2, delays=0.12/0.03/1/0, dsn=4.7.5, status=deferred (Server certificate not trusted)',
    ]).failure;
    expect(untrusted?.explanation).toContain('(untrusted issuer /C=DE/O=Deutsche Telekom AG/OU=T-TeleSec Trust Center/CN=Deutsche Telekom Root CA 2)');
    expect(untrusted?.remedy).toContain('Install the issuing CA');
  });

  it('an alert read in the state log is the peer aborting', () => {
    const session = only([
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: SSL3 alert read:fatal:handshake failure',
      'mx postfix/smtpd[7]: SSL_accept:failed in SSLv3 read client certificate A',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1]',
    ]);
    expect(session.failure?.class).toBe('peer-aborted');
  });

  it('a handshake on a wrapper-mode listener names the mandatory settings, which apply there', () => {
    const lines = (tag: string, pid: number) => [
      `Nov 29 21:42:27 receiver ${tag}[${pid}]: connect from unknown[172.19.0.4]`,
      `Nov 29 21:42:27 receiver ${tag}[${pid}]: SSL_accept error from unknown[172.19.0.4]: -1`,
      `Nov 29 21:42:27 receiver ${tag}[${pid}]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:`,
      `Nov 29 21:42:27 receiver ${tag}[${pid}]: lost connection after CONNECT from unknown[172.19.0.4]`,
      `Nov 29 21:42:27 receiver ${tag}[${pid}]: disconnect from unknown[172.19.0.4] commands=0/0`,
    ]; // lab: Debian 12, port 465 with smtpd_tls_wrappermode = yes
    for (const tag of ['postfix/smtps/smtpd', 'postfix/smtpd']) {
      const failure = only(lines(tag, 159)).failure;
      expect(failure?.class).toBe('unsupported-protocol');
      expect(failure?.explanation).toContain('wrapper-mode listener (smtps, port 465), which requires TLS: there smtpd takes smtpd_tls_mandatory_protocols');
      expect(failure?.remedy).toContain('change the mandatory settings');
    }
    // Plaintext, or nothing, where the hello belongs: a client set to STARTTLS or no encryption on port 465.
    const plaintext = only([lines('postfix/smtps/smtpd', 161)[0]!, ...lines('postfix/smtps/smtpd', 161).slice(1).map((line) => line.replace('error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:', 'error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:'))]).failure;
    expect([plaintext?.class, plaintext?.summary]).toEqual(['plaintext-after-starttls', 'plaintext where TLS starts at once']);
    expect(plaintext?.remedy).toContain('SSL/TLS (implicit TLS) for port 465');
    const silent = only([
      'Nov 29 22:01:20 receiver postfix/smtps/smtpd[170]: connect from unknown[192.168.240.5]',
      'Nov 29 22:01:25 receiver postfix/smtps/smtpd[170]: SSL_accept error from unknown[192.168.240.5]: Connection timed out',
      'Nov 29 22:01:25 receiver postfix/smtps/smtpd[170]: lost connection after CONNECT from unknown[192.168.240.5]',
      'Nov 29 22:01:25 receiver postfix/smtps/smtpd[170]: disconnect from unknown[192.168.240.5] commands=0/0',
    ]).failure; // lab: Debian 12, a raw client that sends nothing to port 465
    expect([silent?.class, silent?.summary]).toEqual(['timeout', 'timeout waiting for the TLS hello']);
    expect(silent?.explanation).toContain('waits for a greeting that never comes');
    // After STARTTLS, the listener's security level decides, which the log does not show.
    const starttls = only(lines('postfix/submission/smtpd', 160).map((line) => line.replace('after CONNECT', 'after STARTTLS'))).failure;
    expect(starttls?.class).toBe('unsupported-protocol');
    expect(starttls?.explanation).not.toContain('wrapper-mode');
  });

  it('a delivery to port 465 that never got a greeting: the smtp client is not in wrapper mode', () => {
    const deferral = (port: number) => `Nov 29 23:08:03 receiver postfix/smtp[206]: 971283927D3: to=<sink@relay.example>, relay=172.20.0.2[172.20.0.2]:${port}, delay=5, delays=0.01/0.01/5/0, dsn=4.4.2, status=deferred (conversation with 172.20.0.2[172.20.0.2] timed out while receiving the initial server greeting)`;
    const failed = readSessions([deferral(465)]).sessions.filter((s) => s.failure !== undefined);
    expect(failed.map((s) => [s.side, s.peer.port, s.failure?.class, s.failure?.summary])).toEqual([['smtp', 465, 'invalid-local-config', 'port 465 without wrapper mode']]);
    expect(failed[0]?.failure?.remedy).toContain('smtp_tls_wrappermode = yes');
    // On another port the same deferral says nothing of TLS.
    expect(readSessions([deferral(25)]).sessions.filter((s) => s.failure !== undefined)).toEqual([]);
  });

  it('a TLS hello where the first command belongs (implicit TLS on a STARTTLS port), as a lab receiver logged it', () => {
    const hello = 'Nov 29 16:00:39 receiver postfix/smtpd[141]: improper command pipelining after CONNECT from unknown[192.168.80.4]: \\026\\003\\001\\001>\\001\\000\\001:\\003\\003\\f\\375\\327Z5\\374'; // lab: Debian 12
    const session = only([
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: connect from unknown[192.168.80.4]',
      hello,
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: lost connection after CONNECT from unknown[192.168.80.4]',
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: disconnect from unknown[192.168.80.4] commands=0/0',
    ]);
    expect(session.starttls).toBe(true);
    expect(session.failure?.class).toBe('implicit-tls');
    expect(session.failure?.evidence[0]).toBe(hello);
    expect(session.failure?.remedy).toContain('smtpd_tls_wrappermode = yes');
    // Pipelining of plain commands is no TLS event, and the session no failure.
    const pipelined = only([
      'Nov 29 16:00:40 receiver postfix/smtpd[142]: connect from unknown[192.168.80.5]',
      'Nov 29 16:00:40 receiver postfix/smtpd[142]: improper command pipelining after CONNECT from unknown[192.168.80.5]: EHLO x\\r\\nMAIL FROM:<a@b>\\r\\n',
      'Nov 29 16:00:40 receiver postfix/smtpd[142]: disconnect from unknown[192.168.80.5] ehlo=1 commands=1',
    ]);
    expect(pipelined.failure).toBeUndefined();
  });

  it('TLS required but not offered', () => {
    const session = only(['mx postfix/smtp[9]: 4F6D0629C: to=<a@b.example>, relay=mx.b.example[203.0.113.5]:25, delay=1, delays=0.5/0/0.2/0.3, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.b.example[203.0.113.5])']);
    expect(session.failure?.class).toBe('starttls-not-offered');
  });

  it('server certificate not verified, after an untrusted handshake', () => {
    const session = only([
      'mx postfix/smtp[9]: certificate verification failed for mx.b.example[203.0.113.5]:25: untrusted issuer /CN=Test CA',
      'mx postfix/smtp[9]: Untrusted TLS connection established to mx.b.example[203.0.113.5]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'mx postfix/smtp[9]: 4F6D0629C: to=<a@b.example>, relay=mx.b.example[203.0.113.5]:25, delay=1, delays=0.5/0/0.2/0.3, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ]);
    expect(session.failure?.class).toBe('certificate-verification');
    expect(session.failure?.evidence).toHaveLength(2);
  });

  it('a missing certificate file disables TLS for the next sessions of that process (3.x, built)', () => {
    const session = only([
      'mx postfix/smtpd[7]: warning: TLS library problem: error:80000002:system library::No such file or directory:../crypto/bio/bss_file.c:67:calling fopen(/etc/postfix/missing.pem, r):',
      'mx postfix/smtpd[7]: warning: cannot get RSA certificate from file "/etc/postfix/missing.pem": disabling TLS support',
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1] ehlo=1 starttls=0/1 commands=1/2',
    ]);
    expect(session.failure?.class).toBe('invalid-local-config');
    expect(session.failure?.evidence).toHaveLength(3);
    expect(session.failure?.summary).toBe('certificate or key not loaded');
    expect(session.failure?.remedy).toContain('smtpd_tls_cert_file and smtpd_tls_key_file');
  });

  it('a handshake_failure alert this 1.0.x server wrote on the client hello, its library line cut: no shared cipher', () => {
    const lines = [
      'mx postfix/smtpd[18103]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[18103]: SSL_accept:before/accept initialization',
      'mx postfix/smtpd[18103]: SSL3 alert write:fatal:handshake failure',
      'mx postfix/smtpd[18103]: SSL_accept:error in SSLv3 read client hello C',
      'mx postfix/smtpd[18103]: SSL_accept error from c[192.0.2.1]: -1',
      'mx postfix/smtpd[18103]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[18103]: disconnect from c[192.0.2.1]',
    ];
    expect(only(lines).failure).toMatchObject({ class: 'no-shared-cipher', evidence: [lines[2], lines[3], lines[4]] });
    // 1.1.1 and later name no state there, and TLS 1.3 sends that alert for other causes too: the alert is all there is.
    expect(only(lines.map((l) => l.replace('error in SSLv3 read client hello C', 'error in error'))).failure).toMatchObject({
      class: 'unknown', summary: 'this side sent alert "handshake failure"', evidence: [lines[2], lines[4]],
    });
  });

  it('a server that takes mail only over TLS: the smtp client\'s bounce, and a reject of this server', () => {
    const client = only([
      'mx postfix/smtp[519]: 37F04BD6180: to=<u@relay.example>, relay=smtp.relay.example[198.51.100.25]:587, delay=0.35, delays=0.04/0.01/0.25/0.05, dsn=5.7.0, status=bounced (host smtp.relay.example[198.51.100.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command))',
    ]);
    expect(client.failure).toMatchObject({ class: 'invalid-local-config', summary: 'server requires STARTTLS, this client did not use it' });
    const server = only([
      'mx postfix/smtpd[100]: connect from a.example[192.0.2.1]',
      'mx postfix/smtpd[100]: NOQUEUE: reject: MAIL from a.example[192.0.2.1]: 530 5.7.0 Must issue a STARTTLS command first; proto=ESMTP helo=<a.example>',
      'mx postfix/smtpd[100]: disconnect from a.example[192.0.2.1] ehlo=1 mail=0/1 quit=1 commands=2/3',
    ]);
    expect(server.failure).toMatchObject({ class: 'invalid-local-config', summary: 'STARTTLS required, the client did not use it' });
  });

  it('a client that must use TLS with its TLS engine off defers the mail', () => {
    const session = only([
      'mx postfix/smtp[8416]: 5AB7D8E2B0: TLS is required, but our TLS engine is unavailable',
      'mx postfix/smtp[8416]: 5AB7D8E2B0: to=<u@example.com>, relay=smtp.example.com[192.0.2.25]:587, delay=28, delays=28/0.02/0.3/0, dsn=4.7.5, status=deferred (TLS is required, but our TLS engine is unavailable)',
    ]);
    expect(session.failure).toMatchObject({ class: 'invalid-local-config', summary: 'TLS required, this client\'s TLS engine off' });
  });

  it('CA data that cannot be loaded (logged as info, 2.x) disables TLS; a DH file that cannot be read does not', () => {
    const session = only([
      'mx postfix/smtpd[3121]: cannot load Certificate Authority data: disabling TLS support',
      "mx postfix/smtpd[3121]: warning: TLS library problem: 3121:error:02001002:system library:fopen:No such file or directory:bss_file.c:169:fopen('/etc/ssl/certs/cacert.pem','r'):",
      'mx postfix/smtpd[3121]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[3121]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[3121]: disconnect from c[192.0.2.1]',
    ]);
    expect(session.failure).toMatchObject({ class: 'invalid-local-config', summary: 'CA certificates not loaded' });
    expect(session.failure?.remedy).toContain('smtpd_tls_CAfile');
    const dh = only([
      'mx postfix/smtpd[361]: warning: cannot load 1024-bit DH parameters from file /etc/ssl/mail/dhparams.pem: No such file or directory -- using compiled-in defaults',
      'mx postfix/smtpd[361]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[361]: Anonymous TLS connection established from c[192.0.2.1]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'mx postfix/smtpd[361]: disconnect from c[192.0.2.1]',
    ]);
    expect(dh.failure).toBeUndefined();
    const digest = only([
      'mx postfix/smtpd[2397]: warning: Digest algorithm "md5" not found',
      'mx postfix/smtpd[2397]: warning: disabling TLS support',
      'mx postfix/smtpd[2397]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[2397]: lost connection after STARTTLS from c[192.0.2.1]',
      'mx postfix/smtpd[2397]: disconnect from c[192.0.2.1]',
    ]);
    expect(digest.failure).toMatchObject({ class: 'invalid-local-config', summary: 'fingerprint digest not available' });
    expect(digest.failure?.remedy).toContain('smtpd_tls_fingerprint_digest = sha256');
    // Postfix 2.3, as posted: the closing info line names the key pair, after the library errors.
    const certificate = readSessions([
      'Nov 11 01:46:10 trantor postfix/smtpd[16966]: warning: TLS library problem: 16966:error:140DC002:SSL routines:SSL_CTX_use_certificate_chain_file:system lib:ssl_rsa.c:720:',
      'Nov 11 01:46:10 trantor postfix/smtpd[16966]: cannot load RSA certificate and key data',
    ]);
    expect([certificate.stats.unrecognised, certificate.unattached.map((u) => u.event.kind)]).toEqual([0, ['tls-library-problem', 'tls-local-config-problem']]);
  });

  it('a STARTTLS that ends without a handshake or an error is unknown, quoted from the STARTTLS on', () => {
    const lines = [
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: setting up TLS connection from c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1]',
    ];
    const session = only(lines);
    expect(session.failure?.class).toBe('unknown');
    expect(session.failure?.evidence).toEqual(lines.slice(1));
    // Without a line that tells of a failure, `starttls=1` is a handshake that completed (a failed one is `starttls=0/1`).
    expect(only([...lines.slice(0, 2), `${lines[2]} ehlo=2 starttls=1 quit=1 commands=4`]).failure).toBeUndefined();
    expect(only([...lines.slice(0, 2), `${lines[2]} ehlo=1 starttls=0/1 commands=1/2`]).failure?.class).toBe('unknown');
  });

  it('a line that tells of a failed handshake outweighs `starttls=1`, which some versions count for one', () => {
    // Both excerpts as reported: OpenSSL 3.x, and an SSL_accept that failed with -1 then a QUIT.
    const rejected = only([
      'Feb  8 16:38:22 tlab1 postfix/smtpd[28408]: warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:../ssl/record/rec_layer_s3.c:1584:SSL alert number 42:',
      'Feb  8 16:38:22 tlab1 postfix/smtpd[28408]: lost connection after STARTTLS from tlab2[192.168.10.11]',
      'Feb  8 16:38:22 tlab1 postfix/smtpd[28408]: disconnect from tlab2[192.168.10.11] ehlo=1 starttls=1 commands=2',
    ]);
    expect(rejected.failure?.class).toBe('certificate-verification');
    const dropped = only([
      'Jul  1 23:07:47 postfix postfix/smtpd[29729]: SSL_accept error from sh-ams-nl-gp1-wk113.internet-census.org[107.6.183.162]: -1',
      'Jul  1 23:07:47 postfix postfix/smtpd[29729]: disconnect from sh-ams-nl-gp1-wk113.internet-census.org[107.6.183.162] ehlo=1 starttls=1 quit=1 commands=3',
    ]);
    expect(dropped.failure?.class).toBe('unexpected-eof');
  });

  it('1.0.x\'s unknown protocol where TLS starts at once names the plaintext client first', () => {
    // Postfix 2.5.5, as posted to a forum (2009): a listener in wrapper mode, which the client greeted in plaintext.
    const failure = only([
      'Apr 21 17:43:47 hurricane postfix/smtpd[25950]: connect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 17:43:55 hurricane postfix/smtpd[25950]: SSL_accept error from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]: -1',
      'Apr 21 17:43:55 hurricane postfix/smtpd[25950]: warning: TLS library problem: 25950:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:562:',
      'Apr 21 17:43:55 hurricane postfix/smtpd[25950]: lost connection after CONNECT from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
      'Apr 21 17:43:55 hurricane postfix/smtpd[25950]: disconnect from 217-208-2-63-no26.tbcn.telia.com[217.208.2.63]',
    ]).failure;
    expect(failure?.class).toBe('unknown-protocol');
    expect(failure?.explanation).toContain('in the first bytes of the connection');
    expect(failure?.explanation).toContain('a client that speaks plaintext SMTP first');
    expect(failure?.explanation).not.toContain('after STARTTLS.');
    expect(failure?.remedy).toMatch(/^Set a mail client to SSL\/TLS/);
  });

  it('a record that fails its integrity check is no refused setting: the bytes changed on the way, on either side', () => {
    // Sample lines of a Zimbra 8 log parser (sgros/LogParser), and a Postfix 2.x server that Gmail left with alert 20.
    const local = only([
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: SSL_accept error from unknown[10.10.0.101]: -1',
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: warning: TLS library problem: 23025:error:1408F119:SSL routines:SSL3_GET_RECORD:decryption failed or bad record mac:s3_pkt.c:484:',
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: lost connection after STARTTLS from unknown[10.10.0.101]',
    ]).failure;
    expect(local).toMatchObject({ class: 'protocol-violation', summary: 'decryption failed or bad record mac', explanation: expect.stringContaining('ESMTP inspection'), remedy: expect.stringContaining('Turn off SMTP inspection') });
    const peer = only([
      'May 17 10:23:29 myhostname postfix/smtpd[3547]: connect from mail-pb0-f51.google.com[209.85.160.51]',
      'May 17 10:23:29 myhostname postfix/smtpd[3547]: warning: TLS library problem: 3547:error:140943FC:SSL routines:SSL3_READ_BYTES:sslv3 alert bad record mac:s3_pkt.c:1247:SSL alert number 20:',
      'May 17 10:23:29 myhostname postfix/smtpd[3547]: lost connection after EHLO from mail-pb0-f51.google.com[209.85.160.51]',
      'May 17 10:23:29 myhostname postfix/smtpd[3547]: disconnect from mail-pb0-f51.google.com[209.85.160.51]',
    ]).failure;
    expect(peer).toMatchObject({ class: 'peer-aborted', explanation: expect.stringContaining('which no setting of either side causes'), remedy: expect.stringContaining('exclude it') });
    expect(peer?.explanation).not.toContain('rejected something this side sent');
  });

  it('a plaintext session with a message is no failure', () => {
    const session = only([
      'mx postfix/smtpd[7]: connect from c[192.0.2.1]',
      'mx postfix/smtpd[7]: 4F6D0629C: client=c[192.0.2.1]',
      'mx postfix/smtpd[7]: disconnect from c[192.0.2.1]',
    ]);
    expect(session.failure).toBeUndefined();
    expect(session.starttls).toBe(false);
  });
});
