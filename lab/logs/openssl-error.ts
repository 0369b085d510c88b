import type { OpensslError, OpensslGeneration } from './types.ts';

/**
 * `[pid:]error:CODE:library:function:reason[:file:line[:extra]]`. The pid field is the thread id that Postfix
 * ≤ 2.10 prints; the function field is empty under OpenSSL 3.
 */
const ERROR_PATTERN = /(?:^|[\s:])(?:(\d+):)?error:([0-9A-Fa-f]{1,8}):([^:]*):([^:]*):([^:]*)(?::([^:]*):(\d+))?/;

/** Lower-case SSL function names that exist only in 1.0.2 (1.1.0 rewrote the state machine into `tls_*`). */
const ONLY_1_0_2 = /^(?:ssl23_|ssl3_get_(?:client_hello|server_hello|key_exchange|cert_verify|client_certificate|server_certificate|client_key_exchange|finished|new_session_ticket|cert_status|message)|ssl3_send_|ssl3_check_cert_and_algorithm|ssl3_accept|ssl3_connect|ssl3_client_hello|dtls1_)/;
/** 1.1.x renumbered the SSL function codes; 1.0.2 never went above 0x15F. */
const FIRST_1_1_ONLY_FUNC_CODE = 0x160;

function generationOf(code: number, library: string, func: string, file: string | undefined): OpensslGeneration | undefined {
  if (func === '') return '3.x';
  if (/[A-Z]/.test(func) && !/[a-z]/.test(func)) return '1.0.1';
  if (ONLY_1_0_2.test(func)) return '1.0.2';
  if (func.startsWith('tls_') || func.startsWith('ssl_choose_') || func.startsWith('final_')) return '1.1.x';
  // 1.0.x builds each directory on its own, so its file names have no directory (`s3_pkt.c`); 1.1.0 and later
  // build from the top and name `ssl/record/ssl3_record.c` (`../ssl/...` out of tree).
  if (file !== undefined && file !== '') return file.includes('/') ? '1.1.x' : '1.0.2';
  if (library === 'SSL routines' && ((code >>> 12) & 0xfff) >= FIRST_1_1_ONLY_FUNC_CODE) return '1.1.x';
  return undefined;
}

/** The SSL library's number in a packed code: `lib << 24` up to 1.1.1, `lib << 23` from 3.0. */
const SSL_LIBRARY = 20;

/**
 * SSL reasons by number, as `openssl errstr` prints them on OpenSSL 1.1.1 and 3.x alike (3.5 spells the alerts
 * `ssl/tls alert` where these say `sslv3 alert`); the reasons a diagnosis turns on, and every alert.
 */
const SSL_REASONS: ReadonlyMap<number, string> = new Map([
  [0x65, 'no suitable key share'], [0x6c, 'bad key share'], [0x6e, 'bad extension'], [0x76, 'no suitable signature algorithm'],
  [0x86, 'certificate verify failed'], [0x92, 'data length too long'], [0x9b, 'https proxy request'], [0x9c, 'http request'],
  [0x9f, 'length mismatch'], [0xbf, 'no protocols available'], [0xc1, 'no shared cipher'], [0xc6, 'packet length too long'],
  [0xf4, 'unexpected message'], [0xf5, 'unexpected record'], [0xfc, 'unknown protocol'], [0x102, 'unsupported protocol'],
  [0x10b, 'wrong version number'], [0x10f, 'bad length'], [0x119, 'decryption failed or bad record mac'],
  [0x152, 'unsafe legacy renegotiation disabled'], [0x172, 'wrong signature type'], [0x175, 'inappropriate fallback'],
  [0x178, 'no shared signature algorithms'], [0x18a, 'dh key too small'], [0x18c, 'version too low'], [0x19a, 'no shared groups'],
  [0x3f2, 'sslv3 alert unexpected message'], [0x3fc, 'sslv3 alert bad record mac'], [0x3fd, 'tlsv1 alert decryption failed'],
  [0x3fe, 'tlsv1 alert record overflow'], [0x406, 'sslv3 alert decompression failure'], [0x410, 'sslv3 alert handshake failure'],
  [0x411, 'sslv3 alert no certificate'], [0x412, 'sslv3 alert bad certificate'], [0x413, 'sslv3 alert unsupported certificate'],
  [0x414, 'sslv3 alert certificate revoked'], [0x415, 'sslv3 alert certificate expired'], [0x416, 'sslv3 alert certificate unknown'],
  [0x417, 'sslv3 alert illegal parameter'], [0x418, 'tlsv1 alert unknown ca'], [0x419, 'tlsv1 alert access denied'],
  [0x41a, 'tlsv1 alert decode error'], [0x41b, 'tlsv1 alert decrypt error'], [0x42e, 'tlsv1 alert protocol version'],
  [0x42f, 'tlsv1 alert insufficient security'], [0x438, 'tlsv1 alert internal error'], [0x43e, 'tlsv1 alert inappropriate fallback'],
  [0x442, 'tlsv1 alert user cancelled'], [0x44c, 'tlsv1 alert no renegotiation'], [0x455, 'tlsv13 alert missing extension'],
  [0x456, 'tlsv1 unsupported extension'], [0x457, 'tlsv1 certificate unobtainable'], [0x458, 'tlsv1 unrecognized name'],
  [0x459, 'tlsv1 bad certificate status response'], [0x45a, 'tlsv1 bad certificate hash value'], [0x45b, 'tlsv1 alert unknown psk identity'],
  [0x45c, 'tlsv13 alert certificate required'], [0x460, 'tlsv1 alert no application protocol'],
]);
/** Numbers 3.x gave reasons of its own (1.1.1's 0x126 is `ocsp callback failure`; 0x139 is 3.2's). */
const SSL_REASONS_3X: ReadonlyMap<number, string> = new Map([
  [0x126, 'unexpected eof while reading'], [0x139, 'record layer failure'], [0x14d, 'legacy sigalg disallowed or unsupported'],
]);

/** SSL reason numbers from 1000 on are the alerts received from the peer: reason 1000 + the alert's number (RFC 8446, 6). */
const ALERT_REASON_BASE = 1000;

/** The SSL library's reason number in a packed code, or undefined for another library. */
function sslReasonNumber(code: number): number | undefined {
  if (code >>> 23 === SSL_LIBRARY) return code & 0x7fffff;
  if (code >>> 24 === SSL_LIBRARY) return code & 0xfff;
  return undefined;
}

/**
 * The number of the TLS alert the peer sent, when the error is one (`...:SSL alert number 48`), whatever its reason
 * text: some have no "alert" in it (`tlsv1 unrecognized name`), and 3.5 spells others `ssl/tls alert`.
 */
export function receivedAlert(error: Pick<OpensslError, 'code'>): number | undefined {
  const reason = sslReasonNumber(Number.parseInt(error.code, 16));
  return reason !== undefined && reason >= ALERT_REASON_BASE && reason < ALERT_REASON_BASE + 256 ? reason - ALERT_REASON_BASE : undefined;
}

/** A terminal's or pager's mark where it cut a line (`unknown pr$`, `unknown pr…`, `unknown pr>`). */
const CUT_MARK = /\s*(?:\$|…|\.\.\.|>)?\s*$/;

/**
 * The whole reason of an SSL error whose line was cut short (`...:SSL23_GET_CLIENT_HELLO:unknown pr$` from a
 * terminal, a pager or a fixed width; the source file that follows a whole reason is gone too), from the reason
 * number in its code, when the text left is the start of that reason. 1.0.x numbered a few reasons otherwise (dh
 * key too small is 0x174 there); the start of the text tells those apart.
 */
function wholeReason(code: number, reason: string): string | undefined {
  const number = sslReasonNumber(code);
  if (number === undefined) return undefined;
  const known = (code >>> 23 === SSL_LIBRARY ? SSL_REASONS_3X.get(number) : undefined) ?? SSL_REASONS.get(number);
  const cut = reason.replace(CUT_MARK, '').toLowerCase();
  if (known === undefined || cut.length < 2) return undefined;
  const spellings = known.startsWith('sslv3 alert ') ? [known, known.replace('sslv3 alert ', 'ssl/tls alert ')] : [known];
  return spellings.find((whole) => whole.startsWith(cut) && whole !== cut);
}

/**
 * Decode the first OpenSSL error in `text` (a whole log line or the part after `TLS library problem: `).
 * Returns undefined when the text holds no `error:XXXXXXXX:` field.
 */
export function decodeOpensslError(text: string): OpensslError | undefined {
  const at = text.indexOf('error:');
  if (at < 0) return undefined;
  const match = ERROR_PATTERN.exec(text.slice(Math.max(0, at - 21)));
  if (match === null) return undefined;
  const [, pid, hex = '', library = '', func = '', reason = '', file, line] = match;
  const code = Number.parseInt(hex, 16);
  const decoded: OpensslError = { code: hex.toUpperCase().padStart(8, '0'), library, reason: (file === undefined && wholeReason(code, reason)) || reason };
  if (func !== '') decoded.func = func;
  if (file !== undefined && file !== '') decoded.file = file;
  if (line !== undefined) decoded.line = Number(line);
  if (pid !== undefined) decoded.pid = Number(pid);
  const generation = generationOf(code, library, func, file);
  if (generation !== undefined) decoded.generation = generation;
  return decoded;
}
