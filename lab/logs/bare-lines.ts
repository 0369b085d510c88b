import { parseEvent } from './events.ts';
import { afterQuote, clearHeaderAt, stampKindAt, type HeaderScan } from './line-header.ts';
import type { TlsEvent } from './types.ts';

/** The daemon whose sessions a bare message belongs to; `none` for messages of no session (qmgr, cleanup, local). */
export type BareSide = 'smtpd' | 'smtp' | 'none';

/** Set-up problems only the smtp client logs, and those only smtpd logs; the rest (a missing file) both may. */
const CLIENT_CONFIG = /TLS policy lookup for |smtp_tls_|client TLS configuration problem|SMTPS wrappermode/;
const SERVER_CONFIG = /No server certs available|Wrapper-mode request dropped|smtpd_tls_/;

/** The daemon a message names by its form, or undefined when the form is logged by both (a library error). */
export function sideOfEvent(event: TlsEvent): BareSide | undefined {
  switch (event.kind) {
    case 'connect':
    case 'disconnect':
    case 'connection-lost':
    case 'queue-client':
    case 'reject':
    case 'tls-hello-in-plaintext':
      return 'smtpd';
    case 'tls-setup':
    case 'tls-established':
      return event.direction === 'from' ? 'smtpd' : 'smtp';
    case 'tls-handshake-error':
    case 'tls-state':
      return event.side === 'accept' ? 'smtpd' : 'smtp';
    case 'tls-engine-init':
    case 'tls-protocol-list-invalid':
      return event.side === 'server' ? 'smtpd' : 'smtp';
    case 'queue-delivery':
      return event.relayPeer === undefined ? 'none' : 'smtp';
    case 'queue-tls-problem':
      return 'smtp';
    case 'certificate-verification-failed':
      // `server certificate verification failed for mx[addr]:25` is the smtp client's: it names the server's port.
      return event.peer.port === undefined ? undefined : 'smtp';
    case 'tls-local-config-problem':
      if (CLIENT_CONFIG.test(event.text)) return 'smtp';
      return SERVER_CONFIG.test(event.text) ? 'smtpd' : undefined;
    case 'daemon-started':
    case 'queue-message-id':
    case 'queue-from':
    case 'queue-removed':
      return 'none';
    default:
      return undefined;
  }
}

/**
 * A web console's log table pasted as text: time, severity and message, in columns that ` | ` or tabs separate
 * (`1/16/2019, 1:31:28 AM | info | SSL_connect error to ...`). The time is in the console's locale, so it is not read.
 */
const TABLE_ROW = /^[^|\t]{1,48}?(?: +\| +|\t+)(?:emerg|alert|crit|err|error|warn|warning|notice|info|debug)(?: +\| +|\t+)/i;

/** Whether the line may be a row of a console's log table (see `TABLE_ROW`): a cheap test for readers of bytes. */
export function mayBeTableRow(text: string): boolean {
  return TABLE_ROW.test(text);
}

/**
 * Postfix messages without their syslog header, as admins often paste them: a report trimmed to the messages, a
 * web console's message column or table. A line that starts with no time stamp (or is a console's table row) and
 * holds a message the parser knows is read as one. Its message tells the daemon (`connect from` is smtpd's,
 * `SSL_connect error to` smtp's); a message that does not (a library error) belongs to the daemon of the bare line
 * before it, smtpd at first. Bare lines have no host, program or pid, so their sessions follow one another as in
 * an excerpt of one process.
 */
export class BareLines {
  private side: 'smtpd' | 'smtp' = 'smtpd';

  /**
   * When `line` (which has no syslog header) is a bare Postfix message: fill `scan` as an empty header before it
   * and return its event, its daemon and the line to keep. That is `line` itself, or for a console's table row the
   * row with the runs of spaces in its message made single, as consoles pad wrapped text (`warning:  TLS library`).
   */
  read(line: string, scan: HeaderScan): { event: TlsEvent; side: BareSide; line: string } | undefined {
    let at = 0;
    const row = TABLE_ROW.exec(line);
    if (row !== null) {
      at = row[0].length;
      if (line.includes('  ', at)) line = line.slice(0, at) + line.slice(at).replace(/ {2,}/g, ' ');
    } else {
      at = afterQuote(line, 0);
      if (stampKindAt(line, at) !== 0) return undefined;
    }
    const event = parseEvent(line, at);
    if (event === undefined) return undefined;
    let side = sideOfEvent(event);
    if (side === undefined) side = this.side;
    else if (side !== 'none') this.side = side;
    clearHeaderAt(scan, at);
    scan.progStart = at;
    scan.progEnd = at;
    scan.daemonStart = at;
    scan.pid = 0;
    scan.msgStart = at;
    return { event, side, line };
  }
}
