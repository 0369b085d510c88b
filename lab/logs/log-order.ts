import { BareLines, sideOfEvent } from './bare-lines.ts';
import { parseEvent } from './events.ts';
import { asSyslogLine } from './json-lines.ts';
import { isoTimestamp, newHeaderScan, scanHeader } from './line-header.ts';
import type { TlsEvent } from './types.ts';
import { unwrapLines } from './unwrap.ts';

/** A log excerpt in the order it was written, and whether it had to be turned round for that. */
export interface LogOrder {
  lines: string[];
  /** True when the excerpt listed the newest line first, as web consoles do, and `lines` is it reversed. */
  reversed: boolean;
}

/**
 * Put an excerpt in the order it was written. Web consoles list a log newest first, and admins paste it so, which
 * would make every session end before it begins. Time stamps decide when they move: the excerpt is turned round
 * when they only ever go back. Without that (stamps a console wrote in its own locale, or one second for all),
 * the sessions decide: it is turned round when more peers are seen to disconnect before they connect than after.
 */
export function inLogOrder(input: Iterable<string>): LogOrder {
  const lines = [...input];
  const scan = newHeaderScan();
  const bare = new BareLines();
  let earlier = 0;
  let later = 0;
  let previous: string | undefined;
  // Per peer address, whether its first connect-or-disconnect line is a disconnect.
  const firstIsDisconnect = new Map<string, boolean>();
  const lastKind = new Map<string, TlsEvent['kind']>();
  for (const raw of lines) {
    const line = asSyslogLine(raw);
    let event: TlsEvent | undefined;
    if (scanHeader(line, scan)) {
      const stamp = isoTimestamp(line, scan, 2000);
      if (stamp !== undefined) {
        if (previous !== undefined && stamp < previous) earlier++;
        else if (previous !== undefined && stamp > previous) later++;
        previous = stamp;
      }
      if (scan.daemonStart >= 0) event = parseEvent(line, scan.msgStart);
    } else event = bare.read(line, scan)?.event;
    if (event?.kind !== 'connect' && event?.kind !== 'disconnect') continue;
    const key = event.peer.addr === '' ? event.peer.name : event.peer.addr;
    if (!firstIsDisconnect.has(key)) firstIsDisconnect.set(key, event.kind === 'disconnect');
    lastKind.set(key, event.kind);
  }
  let backward = 0;
  let forward = 0;
  for (const [key, disconnectFirst] of firstIsDisconnect) {
    // A peer seen only connecting, or only disconnecting, tells nothing about the order.
    const last = lastKind.get(key);
    if (disconnectFirst && last === 'connect') backward++;
    else if (!disconnectFirst && last === 'disconnect') forward++;
  }
  const reversed = later === 0 && earlier > 0 ? true : later > 0 || earlier > 0 ? false : backward > forward;
  if (reversed) lines.reverse();
  return { lines, reversed };
}

/** The peer an event names, as `name[addr]`; undefined for one that names none (a library error). */
function peerOf(event: TlsEvent): string | undefined {
  const peer = 'peer' in event ? event.peer : undefined;
  return peer === undefined ? undefined : `${peer.name}[${peer.addr}]`;
}

/**
 * Bare messages that a report quotes right after lines of one smtpd or smtp process whose header has no time stamp
 * (`postfix/smtps/smtpd[42]: ...`), with that header cut off too (a reader trimmed some lines more than others),
 * given that process's header again: `SSL_accept error from x[...]` with a header, then `warning: TLS library
 * problem: ...` and `lost connection after CONNECT from x[...]` without, are one session. A bare message of the other
 * daemon, or one that names another peer, keeps its own session.
 */
export function restoreCutHeaders(lines: readonly string[]): string[] {
  const scan = newHeaderScan();
  const bare = new BareLines();
  let last: { header: string; side: 'smtpd' | 'smtp'; peer: string | undefined } | undefined;
  return lines.map((raw) => {
    const line = asSyslogLine(raw);
    if (scanHeader(line, scan)) {
      const daemon = scan.daemonStart < 0 ? '' : line.slice(scan.daemonStart, scan.progEnd);
      const side = daemon === 'smtpd' || daemon === 'tlsproxy' ? 'smtpd' : daemon === 'smtp' || daemon === 'lmtp' ? 'smtp' : undefined;
      // A header with a time stamp is not given to a line that had none: the time would be made up.
      if (side === undefined || scan.tsKind !== 0) {
        last = undefined;
        return raw;
      }
      const event = parseEvent(line, scan.msgStart);
      last = { header: line.slice(0, scan.msgStart), side, peer: event === undefined ? last?.peer : peerOf(event) ?? last?.peer };
      return raw;
    }
    const read = last === undefined ? undefined : bare.read(line, scan);
    // A JSON record, a console's table row, or a queue manager's message keep their own form.
    const side = read === undefined ? undefined : sideOfEvent(read.event);
    if (last === undefined || read === undefined || raw !== line || read.line !== line || side === 'none') return raw;
    const peer = peerOf(read.event);
    if ((side !== undefined && side !== last.side) || (peer !== undefined && last.peer !== undefined && peer !== last.peer)) {
      last = undefined;
      return raw;
    }
    return `${last.header}${line.slice(scan.msgStart).trimStart()}`;
  });
}

/**
 * A pasted excerpt mended before it is read: its lines unwrapped (`unwrapLines`), cut headers given back
 * (`restoreCutHeaders`), then put in the order they were written (`inLogOrder`). `changed` tells that the lines are
 * not those given.
 */
export function mendExcerpt(input: readonly string[]): LogOrder & { changed: boolean } {
  const unwrapped = restoreCutHeaders(unwrapLines(input));
  const ordered = inLogOrder(unwrapped);
  const changed = ordered.reversed || unwrapped.length !== input.length || unwrapped.some((line, i) => line !== input[i]);
  return { ...ordered, changed };
}
