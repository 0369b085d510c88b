import { parseEvent } from './events.ts';
import { afterQuote, clearHeaderAt, POSTFIX_DAEMONS, stampKindAt, type HeaderScan } from './line-header.ts';
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
    case 'queue-attempt-failed':
    case 'queue-server-reply':
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
 * A Postfix program before a bare message, without the pid a syslog header has: `[postfix/smtpd] connect from ...`, as
 * some reports rewrite their lines, or `postfix/smtpd: ...`. The program names the daemon, as a header does.
 */
const PROGRAM_PREFIX = /\[?((?:[\w.-]+\/)+([a-z]+))(?:\] |: )/y;
const DAEMON_SIDES: Readonly<Record<string, BareSide>> = { smtpd: 'smtpd', tlsproxy: 'smtpd', smtp: 'smtp', lmtp: 'smtp' };

function programPrefix(line: string, at: number): RegExpExecArray | undefined {
  PROGRAM_PREFIX.lastIndex = at;
  const program = PROGRAM_PREFIX.exec(line);
  return program !== null && POSTFIX_DAEMONS.has(program[2] as string) ? program : undefined;
}

/** Where the message of a line without a syslog header starts: after a Postfix program before it (see `PROGRAM_PREFIX`), if any. */
export function bareMessageStart(line: string): number {
  const at = afterQuote(line, 0);
  return at + (programPrefix(line, at)?.[0].length ?? 0);
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
    const program = programPrefix(line, at);
    const daemon = program?.[2];
    const named = program !== undefined && daemon !== undefined;
    const msgStart = named ? at + program[0].length : at;
    const event = parseEvent(line, msgStart);
    if (event === undefined) return undefined;
    let side = named ? DAEMON_SIDES[daemon] ?? 'none' : sideOfEvent(event);
    if (side === undefined) side = this.side;
    else if (side !== 'none') this.side = side;
    clearHeaderAt(scan, at);
    scan.progStart = named ? at + (line.charCodeAt(at) === 91 ? 1 : 0) : at;
    scan.progEnd = named ? scan.progStart + (program[1] as string).length : at;
    scan.daemonStart = named ? scan.progEnd - daemon.length : at;
    scan.pid = 0;
    scan.msgStart = msgStart;
    return { event, side, line };
  }
}
