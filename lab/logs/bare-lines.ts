import { parseEvent } from './events.ts';
import { clearHeaderAt, stampKindAt, type HeaderScan } from './line-header.ts';
import type { TlsEvent } from './types.ts';

/** The daemon whose sessions a bare message belongs to; `none` for messages of no session (qmgr, cleanup, local). */
export type BareSide = 'smtpd' | 'smtp' | 'none';

/** The daemon a message names by its form, or undefined when the form is logged by both (a library error). */
function sideOfEvent(event: TlsEvent): BareSide | undefined {
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
 * Postfix messages without their syslog header, as admins often paste them: a report trimmed to the messages, a
 * web console's message column. A line that starts with no time stamp and holds a message the parser knows is read
 * as one. Its message tells the daemon (`connect from` is smtpd's, `SSL_connect error to` smtp's); a message that
 * does not (a library error) belongs to the daemon of the bare line before it, smtpd at first. Bare lines have no
 * host, program or pid, so their sessions follow one another as in an excerpt of one process.
 */
export class BareLines {
  private side: 'smtpd' | 'smtp' = 'smtpd';

  /**
   * When `line` (which has no syslog header) is a bare Postfix message: fill `scan` as an empty header before it
   * and return its event and daemon.
   */
  read(line: string, scan: HeaderScan): { event: TlsEvent; side: BareSide } | undefined {
    let at = 0;
    while (line.charCodeAt(at) === 32) at++;
    if (stampKindAt(line, at) !== 0) return undefined;
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
    return { event, side };
  }
}
