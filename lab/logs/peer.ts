import type { Peer } from './types.ts';

/** A parsed endpoint and the index just after it. */
export interface PeerAt {
  peer: Peer;
  end: number;
}

/**
 * Parse `name[addr]` or `name[addr]:port` starting at `start`; the name ends at `[`, so it may be empty (Postfix
 * writes `[addr]` alone in a few messages). Returns undefined when no bracketed address follows.
 */
export function peerAt(line: string, start: number, stop = line.length): PeerAt | undefined {
  const open = line.indexOf('[', start);
  if (open < 0 || open >= stop) return undefined;
  const space = line.indexOf(' ', start);
  if (space >= 0 && space < open) return undefined;
  const close = line.indexOf(']', open + 1);
  if (close < 0 || close >= stop) return undefined;
  const peer: Peer = { name: line.slice(start, open), addr: line.slice(open + 1, close) };
  let end = close + 1;
  if (line.charCodeAt(end) === 58) {
    let port = 0;
    let i = end + 1;
    for (; i < stop; i++) {
      const c = line.charCodeAt(i);
      if (c < 48 || c > 57) break;
      port = port * 10 + (c - 48);
    }
    if (i > end + 1) {
      peer.port = port;
      end = i;
    }
  }
  return { peer, end };
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/**
 * A server named without its address, as older Postfix versions name the server of an smtp session
 * (`setting up TLS connection to smtp.example.com`): a host name up to `: ` or the end. The address stays empty.
 */
export function namedPeerAt(line: string, start: number): PeerAt | undefined {
  let end = start;
  while (end < line.length && line.charCodeAt(end) !== 58 && line.charCodeAt(end) !== 32) end++;
  if (end < line.length && !line.startsWith(': ', end)) return undefined;
  const name = line.slice(start, end);
  return HOST_NAME.test(name) ? { peer: { name, addr: '' }, end } : undefined;
}

/** The longest word taken for a peer that an admin replaced by a placeholder. */
const MAX_PLACEHOLDER = 255;

/**
 * The peer of a message as Postfix writes it (`peerAt`), or, in an excerpt an admin anonymized, the word that took
 * its place (`client_ip`, `x.x.x.x`, `<redacted>`): up to a space, `: ` or the end, without brackets. The address
 * stays empty.
 */
export function anyPeerAt(line: string, start: number, stop = line.length): PeerAt | undefined {
  const parsed = peerAt(line, start, stop);
  if (parsed !== undefined) return parsed;
  let end = start;
  while (end < stop && end - start <= MAX_PLACEHOLDER) {
    const c = line.charCodeAt(end);
    if (c === 32 || c === 9 || c === 91 || c === 93 || (c === 58 && (end + 1 === stop || line.charCodeAt(end + 1) === 32))) break;
    end++;
  }
  if (end === start || end - start > MAX_PLACEHOLDER || line.charCodeAt(end) === 91 || line.charCodeAt(end) === 93) return undefined;
  // `name [addr]`: a space that a web page or an editor put before the bracket.
  if (line.charCodeAt(end) === 32 && line.charCodeAt(end + 1) === 91) {
    const bracket = peerAt(line, end + 1, stop);
    if (bracket !== undefined && ADDRESS.test(bracket.peer.addr)) return { peer: { ...bracket.peer, name: line.slice(start, end) }, end: bracket.end };
  }
  return { peer: { name: line.slice(start, end), addr: '' }, end };
}

/** An IPv4 or IPv6 address as Postfix logs it. */
const ADDRESS = /^(?:ipv6:)?[0-9A-Fa-f:.]*[0-9A-Fa-f]$/;

/** `name[addr]:port` as Postfix writes it. */
export function formatPeer(peer: Peer): string {
  return `${peer.name}[${peer.addr}]${peer.port === undefined ? '' : `:${peer.port}`}`;
}
