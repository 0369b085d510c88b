import { describe, expect, it } from 'vitest';
import { decodeOpensslError } from '../../../lab/logs/index.ts';
import { receivedAlert } from '../../../lab/logs/openssl-error.ts';

// Error strings quoted in the OpenSSL sources (ssl_err.c, ssl.h of each release) unless marked "built": those follow the
// documented format (code = lib<<24|func<<12|reason in 1.x, lib<<23|reason in 3.x) but were not copied from a log.
const CASES = [
  {
    text: '7659:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1387:',
    want: { code: '1408A0C1', library: 'SSL routines', func: 'SSL3_GET_CLIENT_HELLO', reason: 'no shared cipher', file: 's3_srvr.c', line: 1387, pid: 7659, generation: '1.0.1' },
  },
  {
    text: '81:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:628:',
    want: { code: '140760FC', func: 'SSL23_GET_CLIENT_HELLO', reason: 'unknown protocol', line: 628, pid: 81, generation: '1.0.1' },
  },
  {
    text: 'error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1427:',
    want: { code: '1408A0C1', func: 'ssl3_get_client_hello', reason: 'no shared cipher', line: 1427, pid: undefined, generation: '1.0.2' },
  },
  {
    // built: 1.0.2 lower-case name of the documented 140760FC code
    text: 'error:140760FC:SSL routines:ssl23_get_client_hello:unknown protocol:s23_srvr.c:643:',
    want: { code: '140760FC', func: 'ssl23_get_client_hello', generation: '1.0.2' },
  },
  {
    text: 'error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2283:',
    want: { code: '1417A0C1', func: 'tls_post_process_client_hello', file: '../ssl/statem/statem_srvr.c', line: 2283, generation: '1.1.x' },
  },
  {
    text: 'error:14209102:SSL routines:tls_early_post_process_client_hello:unsupported protocol',
    want: { code: '14209102', reason: 'unsupported protocol', file: undefined, line: undefined, generation: '1.1.x' },
  },
  {
    // lower-case ssl3_get_record exists in both 1.0.2 and 1.1.x with the same code
    text: 'error:1408F10B:SSL routines:ssl3_get_record:wrong version number',
    want: { code: '1408F10B', func: 'ssl3_get_record', generation: undefined },
  },
  {
    text: 'error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:',
    want: { code: '0A0000C1', library: 'SSL routines', func: undefined, reason: 'no shared cipher', file: '../ssl/statem/statem_srvr.c', line: 2226, generation: '3.x' },
  },
  {
    // built: 3.x alert with the trailing "SSL alert number" data field
    text: 'error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40:',
    want: { code: '0A000410', reason: 'sslv3 alert handshake failure', line: 1584, generation: '3.x' },
  },
  {
    // built: 3.x system library error of a missing certificate file
    text: 'error:80000002:system library::No such file or directory:../crypto/bio/bss_file.c:67:calling fopen(/etc/postfix/missing.pem, r):',
    want: { code: '80000002', library: 'system library', func: undefined, reason: 'No such file or directory', generation: '3.x' },
  },
] as const;

describe('decodeOpensslError', () => {
  it.each(CASES)('decodes $text', ({ text, want }) => {
    const decoded = decodeOpensslError(text);
    expect(decoded).toBeDefined();
    for (const [key, value] of Object.entries(want)) expect(decoded?.[key as keyof typeof decoded], key).toBe(value);
  });

  it('decodes the error inside a whole log line', () => {
    const line = 'Aug 23 19:34:29 server1 postfix/smtpd[7659]: warning: TLS library problem: 7659:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1387:';
    expect(decodeOpensslError(line)).toEqual({
      code: '1408A0C1', library: 'SSL routines', func: 'SSL3_GET_CLIENT_HELLO', reason: 'no shared cipher', file: 's3_srvr.c', line: 1387, pid: 7659, generation: '1.0.1',
    });
  });

  it.each([
    // A terminal's or pager's cut, a fixed width's; 3.5's spelling of the alerts; a number of 3.0's own.
    ['error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown pr$', 'unknown protocol'],
    ['error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared ci…', 'no shared cipher'],
    ['error:0A000410:SSL routines::ssl/tls alert hand', 'ssl/tls alert handshake failure'],
    ['error:0A000410:SSL routines::sslv3 alert hand>', 'sslv3 alert handshake failure'],
    ['error:0A000126:SSL routines::unexpected e', 'unexpected eof while reading'],
    ['error:0A000458:SSL routines::tlsv1 unrecog', 'tlsv1 unrecognized name'],
    // Not completed: a whole reason, one with its file, a start that is not the number's reason (1.0.x's 0x174,
    // 1.1.1's 0x126), too little text, another library.
    ['error:0A0000C1:SSL routines::no shared cipher', 'no shared cipher'],
    ['error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared:s3_srvr.c:1387:', 'no shared'],
    ['error:14082174:SSL routines:SSL3_CHECK_CERT_AND_ALGORITHM:dh key t', 'dh key t'],
    ['error:14000126:SSL routines:ssl3_read_bytes:unexpected e', 'unexpected e'],
    ['error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:n$', 'n$'],
    ['error:02001002:system library:fopen:No such fi', 'No such fi'],
  ])('completes a cut reason from its number only when the text is its start: %s', (text, reason) => {
    expect(decodeOpensslError(text)?.reason).toBe(reason);
  });

  it.each([
    ['error:0A000458:SSL routines::tlsv1 unrecognized name:../ssl/record/rec_layer_s3.c:1584:SSL alert number 112', 112],
    ['error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:s3_pkt.c:1262:SSL alert number 48:', 48],
    ['error:0A000410:SSL routines::ssl/tls alert handshake failure:../ssl/record/rec_layer_s3.c:918:SSL alert number 40:', 40],
    ['error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:', undefined],
    ['error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:317:', undefined],
    ['error:02001002:system library:fopen:No such file or directory:bss_file.c:398:', undefined],
  ])('tells an alert received, by the reason\'s number: %s', (text, alert) => {
    expect(receivedAlert(decodeOpensslError(text)!)).toBe(alert);
  });

  it.each(['', 'no error here', 'error:', 'error:XYZ:foo', 'TLS library problem: error:0A0000C1'])('returns undefined for %j', (text) => {
    expect(decodeOpensslError(text)).toBeUndefined();
  });
});
