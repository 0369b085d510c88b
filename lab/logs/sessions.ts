import { BareLines, type BareSide } from './bare-lines.ts';
import { classify, TLS_ATTEMPT_KINDS } from './classify.ts';
import { parseEvent } from './events.ts';
import { asSyslogLine } from './json-lines.ts';
import { isoTimestamp, newHeaderScan, scanHeader, stampYear, type HeaderScan } from './line-header.ts';
import { VersionInference } from './versions.ts';
import type { InferredVersions, MessageFate, Peer, Session, TlsEvent, TrackerStats, LogHints } from './types.ts';

export interface SessionTrackerOptions {
  /** Open sessions kept at most; the oldest is closed as `evicted` beyond this. Default 10 000. */
  maxOpenSessions?: number;
  /** Year given to classic syslog stamps, which have none. Default: the current year. */
  year?: number;
  /** `all` (default) keeps every raw line of a session; `events` keeps only lines that carry an event. */
  keepLines?: 'all' | 'events';
  /** What is known of the server from outside the log (versions, which win over inference; STARTTLS timeouts). */
  hints?: LogHints;
  /** Called for each recipient fate (`to=... status=`, expiry, queued reject) as its line is read. */
  onFate?: (fate: MessageFate) => void;
  /** Called for each warning of smtpd or smtp about its own TLS settings (see `isSetUpWarning`), as its line is read. */
  onSetUpWarning?: (side: Session['side'], event: TlsEvent, line: string, time: string | undefined) => void;
}

/** A process's warning about its own TLS settings: `Invalid TLS protocol list`, a certificate it cannot load... */
export function isSetUpWarning(event: TlsEvent): boolean {
  return event.kind === 'tls-local-config-problem' || event.kind === 'tls-protocol-list-invalid';
}

interface OpenSession {
  session: Session;
  /** Chain of open sessions that share a pid (different hosts or services). */
  samePid: OpenSession | undefined;
  older: OpenSession | undefined;
  newer: OpenSession | undefined;
  lastLine: string;
  lastTsKind: HeaderScan['tsKind'];
  lastTsStart: number;
  lastTsEnd: number;
  handshakeFailed: boolean;
  /** A tlsproxy connection made for an smtp process (see `ProxyFailures`): smtp's session counts it (see `hold`). */
  proxyClient: boolean;
  established: boolean;
  sawDelivery: boolean;
  /** smtp's `QUEUEID: lost connection with ...` without a recipient: its next delivery of the message is another connection. */
  retryFollows: boolean;
}

/** TLS lines a process logged outside a session; `fresh` of them (the last) since its latest session began. */
export interface ProcessContext {
  events: TlsEvent[];
  lines: string[];
  fresh: number;
}

/**
 * A TLS failure that no session of the log holds: an excerpt with only a library error, a process's set-up error,
 * or a deferral that names a TLS problem but no connection of this log.
 */
export interface UnattachedError {
  side: Session['side'];
  /** The process that logged it, as `host|program|pid`. */
  process: string;
  line: string;
  event: TlsEvent;
}

export const MAX_UNATTACHED = 64;
export const MAX_CONTEXT_LINES = 8;
export const MAX_PROCESSES_WITH_CONTEXT = 4096;

/**
 * Keeps the last TLS set-up lines a process logged outside a session (an invalid protocol list),
 * for the sessions it serves later; bounded in processes and lines.
 */
export function rememberProcessContext(contexts: Map<string, ProcessContext>, key: string, event: TlsEvent, line: string): void {
  let context = contexts.get(key);
  if (context === undefined) {
    if (contexts.size >= MAX_PROCESSES_WITH_CONTEXT) {
      const first = contexts.keys().next();
      if (first.done !== true) contexts.delete(first.value);
    }
    context = { events: [], lines: [], fresh: 0 };
    contexts.set(key, context);
  }
  if (context.lines.length >= MAX_CONTEXT_LINES) {
    context.events.shift();
    context.lines.shift();
  }
  context.events.push(event);
  context.lines.push(line);
  context.fresh = Math.min(context.fresh + 1, context.lines.length);
}

/**
 * What a new inbound session of a process starts with: a copy of the process's context and, for a session whose
 * `connect` the log lacks (it starts mid-session, as an excerpt or a grep does), the library errors its process
 * logged since its latest session began. Those are this session's own: the errors of its handshake, logged before
 * the first line that names the peer. They leave the context.
 */
export function startSessionContext(
  contexts: Map<string, ProcessContext>, key: string, midway: boolean,
): { context: { events: TlsEvent[]; lines: string[] } | undefined; adopted: { events: TlsEvent[]; lines: string[] } | undefined } {
  const context = contexts.get(key);
  if (context === undefined) return { context: undefined, adopted: undefined };
  let adopted: { events: TlsEvent[]; lines: string[] } | undefined;
  if (midway && context.fresh > 0) {
    const events: TlsEvent[] = [];
    const lines: string[] = [];
    const keptEvents = context.events.slice(0, context.events.length - context.fresh);
    const keptLines = context.lines.slice(0, context.lines.length - context.fresh);
    for (let i = context.events.length - context.fresh; i < context.events.length; i++) {
      const event = context.events[i] as TlsEvent;
      const line = context.lines[i] as string;
      if (event.kind === 'tls-library-problem') {
        events.push(event);
        lines.push(line);
      } else {
        keptEvents.push(event);
        keptLines.push(line);
      }
    }
    if (events.length > 0) adopted = { events, lines };
    context.events = keptEvents;
    context.lines = keptLines;
  }
  context.fresh = 0;
  if (context.lines.length === 0) {
    contexts.delete(key);
    return { context: undefined, adopted };
  }
  return { context: { events: [...context.events], lines: [...context.lines] }, adopted };
}

/** A tlsproxy event that shows it is the client: it made the connection for smtp (smtp_tls_connection_reuse). */
export function isProxyClientEvent(event: TlsEvent): boolean {
  switch (event.kind) {
    case 'tls-established':
    case 'tls-setup':
    case 'proxy-connect':
      return event.direction === 'to';
    case 'tls-handshake-error':
      return event.side === 'connect';
    default:
      return false;
  }
}

const MAX_PROXY_FAILURES = 256;
export const MAX_HELD_PROXY_SESSIONS = 1024;

/**
 * With smtp_tls_connection_reuse, tlsproxy makes smtp's TLS connections. Its success is logged twice, by tlsproxy
 * and by smtp, and counts once, as smtp's; of a failure smtp logs only `Cannot start TLS: handshake failure`, and
 * tlsproxy why. The evidence of a failed tlsproxy handshake waits here, by address and port, for the smtp session
 * to that server; bounded.
 */
export class ProxyFailures {
  private readonly byEndpoint = new Map<string, { peer: Peer; events: TlsEvent[]; lines: string[] }>();

  get size(): number {
    return this.byEndpoint.size;
  }

  stash(peer: Peer, events: readonly TlsEvent[], lines: readonly string[]): void {
    const kept: TlsEvent[] = [];
    const keptLines: string[] = [];
    events.forEach((event, i) => {
      if (event.kind === 'proxy-connect' || event.kind === 'tls-established') return;
      kept.push(event);
      keptLines.push(lines[i] ?? '');
    });
    const key = endpointKey(peer);
    this.byEndpoint.delete(key);
    if (this.byEndpoint.size >= MAX_PROXY_FAILURES) {
      const first = this.byEndpoint.keys().next();
      if (first.done !== true) this.byEndpoint.delete(first.value);
    }
    this.byEndpoint.set(key, { peer, events: kept, lines: keptLines });
  }

  /** The evidence for a connection to this server, taken. */
  claim(peer: Peer): { events: TlsEvent[]; lines: string[] } | undefined {
    const key = endpointKey(peer);
    const failed = this.byEndpoint.get(key);
    if (failed !== undefined) this.byEndpoint.delete(key);
    return failed;
  }

  /** The server of the latest failure, for an smtp line that names none (`QUEUEID: Cannot start TLS: ...`). */
  latestPeer(): Peer | undefined {
    let peer: Peer | undefined;
    for (const failed of this.byEndpoint.values()) peer = failed.peer;
    return peer;
  }
}

function endpointKey(peer: Peer): string {
  return `${peer.addr === '' ? peer.name : peer.addr}|${peer.port ?? ''}`;
}

/** Whether two lines name the same endpoint; a server named without its address (see `namedPeerAt`) is matched by name. */
export function samePeer(a: Peer, b: Peer): boolean {
  const same = a.addr === '' || b.addr === '' ? a.name === b.name : a.addr === b.addr;
  return same && (a.port === undefined || b.port === undefined || a.port === b.port);
}

/** Events of an smtp process that tell of a TLS failure on their own, when no session of the process holds them. */
function isUnattachedFailure(event: TlsEvent): boolean {
  switch (event.kind) {
    case 'tls-library-problem':
    case 'tls-protocol-list-invalid':
    case 'tls-local-config-problem':
    case 'tls-not-available':
      return true;
    case 'queue-delivery':
    case 'queue-tls-problem':
      return event.tlsProblem !== undefined;
    default:
      return false;
  }
}

/** The peer an outbound (smtp/lmtp) event names, if it names one. */
export function outboundPeer(event: TlsEvent): Peer | undefined {
  switch (event.kind) {
    case 'tls-setup':
    case 'tls-handshake-error':
    case 'tls-established':
    case 'certificate-verification-failed':
    case 'tls-cipher-list':
    case 'tlsrpt-result':
      return event.peer;
    case 'tls-protocol-list-invalid':
      return event.peer;
    case 'queue-delivery':
      return event.relayPeer;
    case 'queue-tls-problem':
    case 'queue-attempt-failed':
    case 'queue-server-reply':
      return event.peer;
    default:
      return undefined;
  }
}

/**
 * A line that ends an attempt (`lost connection with mx[addr]`, `host mx[addr] said: ...`): after a delivery to the
 * same server it may be the same cached connection's, so it opens no session of its own.
 */
export function endsAttempt(event: TlsEvent): boolean {
  return event.kind === 'queue-attempt-failed' || event.kind === 'queue-server-reply';
}

/** The peer an inbound (smtpd) event names, for sessions whose `connect` line is missing from an excerpt. */
export function inboundPeer(event: TlsEvent): Peer | undefined {
  switch (event.kind) {
    case 'tls-setup':
    case 'tls-handshake-error':
    case 'tls-established':
    case 'tls-cipher-list':
    case 'connection-lost':
    case 'certificate-verification-failed':
    case 'queue-client':
    case 'tls-hello-in-plaintext':
    case 'tls-sni-unmatched':
      return event.peer;
    case 'reject':
      return event.peer;
    default:
      return undefined;
  }
}

/**
 * Groups Postfix log lines into sessions as they stream by. Memory stays bounded: a session leaves the tracker
 * when it closes (returned by `push`), and at most `maxOpenSessions` stay open.
 */
export class SessionTracker {
  readonly stats: TrackerStats = { lines: 0, events: 0, unrecognised: 0, foreign: 0 };
  private readonly scan = newHeaderScan();
  private readonly open = new Map<number, OpenSession>();
  private oldest: OpenSession | undefined;
  private newest: OpenSession | undefined;
  private openCount = 0;
  private ordinal = 0;
  private readonly contexts = new Map<string, ProcessContext>();
  private readonly proxyFailures = new ProxyFailures();
  /** Whether an smtp or lmtp line came by: then smtp logs the TLS of its tlsproxy connections itself. */
  private sawSmtp = false;
  /** See `hold`. */
  private readonly held: Session[] = [];
  private readonly bare = new BareLines();
  private readonly unattached: UnattachedError[] = [];
  private readonly inference = new VersionInference();
  private readonly maxOpen: number;
  private readonly year: number;
  private readonly latestDay: number;
  private readonly keepAll: boolean;
  private readonly hints: LogHints;
  private readonly onFate: ((fate: MessageFate) => void) | undefined;
  private readonly onSetUpWarning: SessionTrackerOptions['onSetUpWarning'];

  constructor(options: SessionTrackerOptions = {}) {
    this.maxOpen = Math.max(1, options.maxOpenSessions ?? 10_000);
    ({ year: this.year, latestDay: this.latestDay } = stampYear(options.year));
    this.keepAll = (options.keepLines ?? 'all') === 'all';
    this.hints = options.hints ?? {};
    this.onFate = options.onFate;
    this.onSetUpWarning = options.onSetUpWarning;
  }

  /** What the lines read so far reveal about the Postfix and OpenSSL versions. */
  get versions(): InferredVersions {
    return this.inference.versions;
  }

  /** Read one line (without its newline); returns the sessions this line closed. Never throws on bad input. */
  push(line: string): Session[] {
    const closed: Session[] = [];
    this.pushInto(line, closed);
    return closed;
  }

  /** `push` for hot loops: appends the sessions this line closed to `closed` instead of allocating an array. */
  pushInto(text: string, closed: Session[]): void {
    this.stats.lines++;
    let line = asSyslogLine(text);
    const scan = this.scan;
    let event: TlsEvent | undefined;
    let side: BareSide;
    if (scanHeader(line, scan)) {
      if (scan.daemonStart < 0) {
        this.stats.foreign++;
        return;
      }
      event = parseEvent(line, scan.msgStart);
      side = this.daemonSide(line);
    } else {
      const bare = this.bare.read(line, scan);
      if (bare === undefined) {
        this.stats.foreign++;
        return;
      }
      event = bare.event;
      side = bare.side;
      line = bare.line;
    }
    if (event === undefined) this.stats.unrecognised++;
    else {
      this.stats.events++;
      this.inference.observe(event, line);
      this.recordFate(event, line, scan);
    }
    if (event !== undefined && side !== 'none' && this.onSetUpWarning !== undefined && isSetUpWarning(event)) {
      this.onSetUpWarning(side, event, line, isoTimestamp(line, scan, this.year, this.latestDay));
    }
    if (side === 'smtpd') this.inbound(line, event, closed);
    else if (side === 'smtp') this.outbound(line, event, closed);
    // The error daemon defers mail for a destination that an smtp process gave up on
    // (`delivery temporarily suspended: TLS is required...`).
    else if (event?.kind === 'queue-delivery' && event.tlsProblem !== undefined) this.noteUnattached('smtp', line, event);
  }

  /** Whose sessions a line of a Postfix daemon belongs to: smtpd and tlsproxy's, smtp and lmtp's, or none. */
  private daemonSide(line: string): BareSide {
    const scan = this.scan;
    const daemonLength = scan.progEnd - scan.daemonStart;
    if (daemonLength === 5 && line.startsWith('smtpd', scan.daemonStart)) return 'smtpd';
    if (daemonLength === 8 && line.startsWith('tlsproxy', scan.daemonStart)) return 'smtpd';
    if (daemonLength === 4 && (line.startsWith('smtp', scan.daemonStart) || line.startsWith('lmtp', scan.daemonStart))) return 'smtp';
    return 'none';
  }

  /** Close every open session (end of input) and return them. */
  end(): Session[] {
    const closed: Session[] = [];
    while (this.oldest !== undefined) this.close(this.oldest, 'end-of-input', closed);
    closed.push(...this.held.splice(0));
    return closed;
  }

  private inbound(line: string, event: TlsEvent | undefined, closed: Session[]): void {
    let current = this.find(line, 'smtpd');
    if (event === undefined) {
      if (current !== undefined) this.append(current, line, undefined);
      return;
    }
    // tlsproxy serves many connections at once: its CONNECT opens nothing (the first line that names the peer does),
    // and its DISCONNECT closes only the connection it names.
    if (event.kind === 'proxy-connect') return;
    if (event.kind === 'proxy-disconnect') {
      if (current !== undefined && samePeer(current.session.peer, event.peer)) {
        this.append(current, line, event);
        current.session.complete = true;
        this.close(current, 'disconnect', closed);
      }
      return;
    }
    switch (event.kind) {
      case 'connect':
        if (current !== undefined) this.close(current, 'pid-reuse', closed);
        current = this.create(line, event.peer, 'smtpd', closed, false);
        break;
      case 'disconnect':
        current ??= this.create(line, event.peer, 'smtpd', closed, true);
        this.append(current, line, event);
        current.session.complete = true;
        if (event.commands !== undefined) current.session.commands = event.commands;
        this.close(current, 'disconnect', closed);
        return;
      case 'tls-engine-init':
        this.contexts.delete(this.processKey(line));
        break;
      case 'tls-protocol-list-invalid':
      case 'tls-local-config-problem':
        if (current === undefined) {
          this.remember(line, event);
          this.noteUnattached('smtpd', line, event);
        }
        break;
      case 'tls-library-problem':
        // tlsproxy serves many connections at once: an error after this one's handshake completed is another's, whose
        // first line that names its peer comes next (see `startSessionContext`).
        if (current !== undefined && current.established && this.isTlsproxy(line)) {
          this.remember(line, event);
          return;
        }
        if (current === undefined) {
          this.remember(line, event);
          this.noteUnattached('smtpd', line, event);
        }
        break;
      default: {
        const peer = inboundPeer(event);
        if (peer === undefined) break;
        // One tlsproxy process serves many connections at once: a line that names another peer (or another port of
        // the same peer) is another connection's.
        if (current !== undefined && this.isTlsproxy(line) && !samePeer(current.session.peer, peer)) {
          this.close(current, 'new-connection', closed);
          current = undefined;
        }
        current ??= this.create(line, peer, 'smtpd', closed, true);
      }
    }
    if (current === undefined) return;
    this.append(current, line, event);
    if (isProxyClientEvent(event) && this.isTlsproxy(line)) {
      current.proxyClient = true;
      if (event.kind === 'tls-handshake-error') this.proxyFailures.stash(current.session.peer, current.session.events, current.session.eventLines ?? current.session.lines);
    }
  }

  private isTlsproxy(line: string): boolean {
    const scan = this.scan;
    return scan.progEnd - scan.daemonStart === 8 && line.startsWith('tlsproxy', scan.daemonStart);
  }

  private outbound(line: string, event: TlsEvent | undefined, closed: Session[]): void {
    if (!this.sawSmtp) {
      this.sawSmtp = true;
      this.held.length = 0;
    }
    let current = this.find(line, 'smtp');
    const peer = event === undefined ? undefined : outboundPeer(event);
    if (event !== undefined && peer === undefined && (current === undefined || current.sawDelivery)) {
      // `QUEUEID: Cannot start TLS: handshake failure` after tlsproxy failed: a new connection, to tlsproxy's server.
      // Without tlsproxy, the message of the connection before (a retry of it) tells the server.
      const again = event.kind === 'queue-tls-problem' && current?.session.queueIds.includes(event.queueId) === true ? current.session.peer : undefined;
      const proxied = event.kind === 'queue-tls-problem' && this.proxyFailures.size > 0 ? this.proxyFailures.latestPeer() : again;
      if (proxied !== undefined) {
        if (current !== undefined) this.close(current, 'new-connection', closed);
        this.append(this.create(line, proxied, 'smtp', closed), line, event);
        return;
      }
      // A warning about the process's own TLS settings (`connect to private/tlsproxy service: ...`) between
      // connections is for the connections that follow.
      if (isSetUpWarning(event)) {
        this.remember(line, event);
        if (current === undefined) this.noteUnattached('smtp', line, event);
        return;
      }
    }
    if (event === undefined || peer === undefined) {
      if (current !== undefined) this.append(current, line, event);
      else if (event !== undefined && isUnattachedFailure(event)) this.noteUnattached('smtp', line, event);
      return;
    }
    const sameConnection = current !== undefined && samePeer(current.session.peer, peer);
    if (event.kind === 'tls-setup' || (event.kind !== 'queue-delivery' && (!sameConnection || (current?.sawDelivery === true && !endsAttempt(event))))) {
      if (current !== undefined) this.close(current, 'new-connection', closed);
      current = this.create(line, peer, 'smtp', closed);
    } else if (event.kind === 'queue-delivery') {
      // Postfix ≥ 2.3 retries a failed opportunistic handshake in plaintext (2.x at once, 3.x after a deferral);
      // a delivery that names no TLS problem after such a failure is that retry, a connection of its own.
      const fallback = sameConnection && current !== undefined && current.handshakeFailed && !current.established &&
        event.tlsProblem === undefined;
      // TLS starts a connection: a delivery that could not start it after another delivery is a connection of its own.
      const reconnected = current?.sawDelivery === true && event.tlsProblem === 'cannot-start-tls';
      // After a failure it logged without a recipient, the smtp client tries again on a new connection: in
      // plaintext when TLS failed on this one, even after a handshake it logged as established.
      const retried = sameConnection && current?.retryFollows === true;
      if (!sameConnection || fallback || reconnected || retried) {
        const afterTls = retried && current?.session.starttls === true;
        if (current !== undefined) this.close(current, 'new-connection', closed);
        current = this.create(line, peer, 'smtp', closed);
        if (fallback || afterTls) current.session.plaintextFallback = true;
      }
    }
    if (current === undefined) return;
    this.append(current, line, event);
    if (event.kind === 'queue-delivery') {
      current.sawDelivery = true;
      current.session.complete = true;
      if (!current.session.queueIds.includes(event.queueId)) current.session.queueIds.push(event.queueId);
    }
    return;
  }

  private recordFate(event: TlsEvent, line: string, scan: HeaderScan): void {
    if (this.onFate === undefined) return;
    let fate: MessageFate | undefined;
    if (event.kind === 'queue-delivery') {
      fate = { queueId: event.queueId, recipient: event.recipient, relay: event.relay, status: event.status, detail: event.detail, line };
      if (event.dsn !== undefined) fate.dsn = event.dsn;
    } else if (event.kind === 'queue-from' && event.expired) {
      fate = { queueId: event.queueId, recipient: '', status: 'expired', detail: 'returned to sender', line };
    } else if (event.kind === 'reject' && event.queueId !== undefined) {
      const to = /to=<([^>]*)>/.exec(event.detail);
      fate = { queueId: event.queueId, recipient: to?.[1] ?? '', status: 'rejected', detail: event.detail, line };
    }
    if (fate === undefined) return;
    const timestamp = isoTimestamp(line, scan, this.year, this.latestDay);
    if (timestamp !== undefined) fate.timestamp = timestamp;
    this.onFate(fate);
  }

  /** The open session of this line's side, host, service and pid (bare lines share all but the side). */
  private find(line: string, side: Session['side']): OpenSession | undefined {
    const scan = this.scan;
    for (let candidate = this.open.get(scan.pid); candidate !== undefined; candidate = candidate.samePid) {
      const { service, host } = candidate.session;
      if (candidate.session.side !== side) continue;
      if (scan.progEnd - scan.progStart !== service.length || !line.startsWith(service, scan.progStart)) continue;
      if (host === undefined ? scan.hostStart < 0 : scan.hostEnd - scan.hostStart === host.length && line.startsWith(host, scan.hostStart)) {
        return candidate;
      }
    }
    return undefined;
  }

  /** `midway`: the session's first line is not its `connect` (see `startSessionContext`). */
  private create(line: string, peer: Peer, side: Session['side'], closed: Session[], midway = false): OpenSession {
    const scan = this.scan;
    const session: Session = {
      side,
      service: line.slice(scan.progStart, scan.progEnd),
      pid: scan.pid,
      peer,
      events: [],
      lines: [],
      eventLines: [],
      starttls: false,
      queueIds: [],
      complete: false,
      ordinal: this.ordinal++,
    };
    if (scan.hostStart >= 0) session.host = line.slice(scan.hostStart, scan.hostEnd);
    const start = isoTimestamp(line, scan, this.year, this.latestDay);
    if (start !== undefined) session.start = start;
    let adopted: { events: TlsEvent[]; lines: string[] } | undefined;
    if (side === 'smtp' && this.proxyFailures.size > 0) adopted = this.proxyFailures.claim(peer);
    if (this.contexts.size > 0) {
      const begun = startSessionContext(this.contexts, this.processKey(line), midway);
      if (begun.context !== undefined) session.processContext = begun.context;
      if (begun.adopted !== undefined) adopted = begun.adopted;
    }
    const opened: OpenSession = {
      session, samePid: this.open.get(scan.pid), older: this.newest, newer: undefined,
      lastLine: line, lastTsKind: scan.tsKind, lastTsStart: scan.tsStart, lastTsEnd: scan.tsEnd,
      handshakeFailed: false, established: false, sawDelivery: false, proxyClient: false, retryFollows: false,
    };
    if (adopted !== undefined) {
      for (const taken of adopted.lines) {
        const index = this.unattached.findIndex((error) => error.line === taken);
        if (index >= 0) this.unattached.splice(index, 1);
      }
      session.lines.push(...adopted.lines);
      session.events.push(...adopted.events);
      session.eventLines?.push(...adopted.lines);
      session.starttls = true;
      opened.handshakeFailed = true;
    }
    this.open.set(scan.pid, opened);
    if (this.newest !== undefined) this.newest.newer = opened;
    this.newest = opened;
    this.oldest ??= opened;
    this.openCount++;
    while (this.openCount > this.maxOpen && this.oldest !== undefined && this.oldest !== opened) {
      this.close(this.oldest, 'evicted', closed);
    }
    return opened;
  }

  private append(open: OpenSession, line: string, event: TlsEvent | undefined): void {
    const session = open.session;
    const scan = this.scan;
    open.lastLine = line;
    open.lastTsKind = scan.tsKind;
    open.lastTsStart = scan.tsStart;
    open.lastTsEnd = scan.tsEnd;
    if (event === undefined) {
      if (this.keepAll) session.lines.push(line);
      return;
    }
    session.lines.push(line);
    session.events.push(event);
    session.eventLines?.push(line);
    if (TLS_ATTEMPT_KINDS.has(event.kind)) session.starttls = true;
    switch (event.kind) {
      case 'tls-established': {
        open.established = true;
        const tls: NonNullable<Session['tls']> = { trust: event.trust, protocol: event.protocol, cipher: event.cipher };
        if (event.bits !== undefined) tls.bits = event.bits;
        if (event.keyExchange !== undefined) tls.keyExchange = event.keyExchange;
        if (event.serverSignature !== undefined) tls.serverSignature = event.serverSignature;
        session.tls = tls;
        break;
      }
      case 'tls-handshake-error':
      case 'tls-library-problem':
        if (!open.established) open.handshakeFailed = true;
        break;
      case 'queue-tls-problem':
        if (event.tlsProblem === 'cannot-start-tls' && !open.established) open.handshakeFailed = true;
        if (!session.queueIds.includes(event.queueId)) session.queueIds.push(event.queueId);
        break;
      case 'queue-client':
        if (!session.queueIds.includes(event.queueId)) session.queueIds.push(event.queueId);
        break;
      case 'queue-attempt-failed':
        open.retryFollows = true;
        if (!session.queueIds.includes(event.queueId)) session.queueIds.push(event.queueId);
        break;
      case 'queue-server-reply':
        if (!session.queueIds.includes(event.queueId)) session.queueIds.push(event.queueId);
        break;
      default:
        break;
    }
  }

  /** Close a session into `closed`: a tlsproxy client connection only where no smtp line counts it (see `hold`). */
  private close(open: OpenSession, reason: NonNullable<Session['closedBy']>, closed: Session[]): void {
    const session = open.session;
    const pid = session.pid;
    let head = this.open.get(pid);
    if (head === open) {
      if (open.samePid === undefined) this.open.delete(pid);
      else this.open.set(pid, open.samePid);
    } else {
      while (head !== undefined && head.samePid !== open) head = head.samePid;
      if (head !== undefined) head.samePid = open.samePid;
    }
    if (open.older !== undefined) open.older.newer = open.newer;
    else this.oldest = open.newer;
    if (open.newer !== undefined) open.newer.older = open.older;
    else this.newest = open.older;
    this.openCount--;

    if (open.lastTsKind !== 0) {
      const scan = newHeaderScan();
      scan.tsKind = open.lastTsKind;
      scan.tsStart = open.lastTsStart;
      scan.tsEnd = open.lastTsEnd;
      const end = isoTimestamp(open.lastLine, scan, this.year, this.latestDay);
      if (end !== undefined) session.end = end;
    }
    session.closedBy = reason;
    if (open.proxyClient && this.sawSmtp) return;
    const hints: LogHints = { ...this.hints };
    const postfix = this.hints.postfixVersion ?? this.inference.postfix;
    if (postfix !== undefined) hints.postfixVersion = postfix;
    const inferred = this.inference.openssl;
    if (inferred !== undefined) hints.inferredOpenssl = inferred;
    const failure = classify(session, hints);
    if (failure !== undefined) session.failure = failure;
    if (open.proxyClient) this.hold(session, closed);
    else closed.push(session);
  }

  /**
   * A tlsproxy client connection that closed before any smtp line: held back, for a log with smtp lines counts it
   * as smtp's, and one of tlsproxy's lines alone (a grep) has nothing else to count it by. Bounded.
   */
  private hold(session: Session, closed: Session[]): void {
    this.held.push(session);
    if (this.held.length > MAX_HELD_PROXY_SESSIONS) closed.push(this.held.shift() as Session);
  }

  private processKey(line: string): string {
    const scan = this.scan;
    return `${scan.hostStart >= 0 ? line.slice(scan.hostStart, scan.hostEnd) : ''}|${line.slice(scan.progStart, scan.progEnd)}|${scan.pid}`;
  }

  /** TLS failures logged outside any session that no session took as its own (see `startSessionContext`), the first `MAX_UNATTACHED`. */
  get unattachedErrors(): readonly UnattachedError[] {
    return this.unattached;
  }

  private noteUnattached(side: Session['side'], line: string, event: TlsEvent): void {
    if (this.unattached.length < MAX_UNATTACHED) this.unattached.push({ side, process: this.processKey(line), line, event });
  }

  private remember(line: string, event: TlsEvent): void {
    rememberProcessContext(this.contexts, this.processKey(line), event, line);
  }
}

/** Everything a whole (finite) log tells: sessions in input order, recipient fates by queue id, counters, versions. */
export interface SessionsRead {
  sessions: Session[];
  fates: Map<string, MessageFate[]>;
  stats: TrackerStats;
  versions: InferredVersions;
  /** TLS failures outside every session (see `SessionTracker.unattachedErrors`). */
  unattached: readonly UnattachedError[];
}

/** Read a finite log at once. For large logs stream through `SessionTracker` instead. */
export function readSessions(lines: Iterable<string>, options: Omit<SessionTrackerOptions, 'onFate'> = {}): SessionsRead {
  const fates = new Map<string, MessageFate[]>();
  const tracker = new SessionTracker({
    ...options,
    onFate: (fate) => {
      const list = fates.get(fate.queueId);
      if (list === undefined) fates.set(fate.queueId, [fate]);
      else list.push(fate);
    },
  });
  const sessions: Session[] = [];
  for (const line of lines) sessions.push(...tracker.push(line));
  sessions.push(...tracker.end());
  sessions.sort((a, b) => a.ordinal - b.ordinal);
  return { sessions, fates, stats: { ...tracker.stats }, versions: tracker.versions, unattached: [...tracker.unattachedErrors] };
}
