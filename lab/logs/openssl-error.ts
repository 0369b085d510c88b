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
  const decoded: OpensslError = { code: hex.toUpperCase().padStart(8, '0'), library, reason };
  if (func !== '') decoded.func = func;
  if (file !== undefined && file !== '') decoded.file = file;
  if (line !== undefined) decoded.line = Number(line);
  if (pid !== undefined) decoded.pid = Number(pid);
  const generation = generationOf(code, library, func, file);
  if (generation !== undefined) decoded.generation = generation;
  return decoded;
}
