import { BareLines } from './bare-lines.ts';
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

/**
 * A pasted excerpt mended before it is read: its lines unwrapped (`unwrapLines`), then put in the order they were
 * written (`inLogOrder`). `changed` tells that the lines are not those given.
 */
export function mendExcerpt(input: readonly string[]): LogOrder & { changed: boolean } {
  const unwrapped = unwrapLines(input);
  const ordered = inLogOrder(unwrapped);
  const changed = ordered.reversed || unwrapped.length !== input.length || unwrapped.some((line, i) => line !== input[i]);
  return { ...ordered, changed };
}
