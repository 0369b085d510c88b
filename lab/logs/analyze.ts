import { readLogBatches, type ReadLogOptions } from './read-lines.ts';
import { SessionTracker } from './sessions.ts';
import type { FailureClass, InferredVersions, Session, TrackerStats, VersionHints } from './types.ts';

export interface AnalyzeOptions extends ReadLogOptions {
  /** Keep sessions that start at or after this time; sessions without timestamps always pass. */
  since?: Date;
  /** Keep sessions that start at or before this time; sessions without timestamps always pass. */
  until?: Date;
  /** Keep sessions whose peer name or address contains this text (case-insensitive). */
  peer?: string;
  /** See `SessionTrackerOptions`. Default 10 000. */
  maxOpenSessions?: number;
  /** Year for classic syslog stamps. Default: the current year. */
  year?: number;
  hints?: VersionHints;
}

/** Per-peer aggregate: one row of `tlslab logs analyze`. */
export interface PeerReport {
  /** Address, or the name when the line carried none. */
  peer: string;
  /** Up to five names seen for this address. */
  names: string[];
  /** Sessions (inbound connections and outbound deliveries). */
  attempts: number;
  tlsSuccesses: number;
  protocols: Record<string, number>;
  ciphers: Record<string, number>;
  failures: Partial<Record<FailureClass, number>>;
  /** Messages received from (smtpd) or delivered to (smtp) this peer without TLS. */
  plaintextDeliveries: number;
  lastSeen?: string;
}

/** One failure class as met in the log, with its first diagnosis as the example. */
export interface FailureClassReport {
  count: number;
  summary: string;
  explanation: string;
  remedy: string;
  example: string[];
}

export interface AnalyzeReport {
  stats: TrackerStats;
  versions: InferredVersions;
  sessions: { total: number; tls: number; failed: number; plaintext: number };
  protocols: Record<string, number>;
  ciphers: Record<string, number>;
  failures: Partial<Record<FailureClass, FailureClassReport>>;
  /** Sorted by attempts, most first. */
  peers: PeerReport[];
}

const MAX_NAMES = 5;

/**
 * A copy of `text` that shares no memory with the line it was cut from. V8 slices of 13+ characters point into
 * their parent string, so a stored peer name would otherwise pin a whole 1 MB read chunk.
 */
function detach(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Messages of a session that crossed the wire in plaintext. */
function plaintextMessages(session: Session): number {
  if (session.tls !== undefined) return 0;
  if (session.side === 'smtpd') return session.queueIds.length;
  let sent = 0;
  for (const event of session.events) if (event.kind === 'queue-delivery' && event.status === 'sent') sent++;
  return sent;
}

/**
 * Aggregates closed sessions into per-peer and overall counts. It keeps no session, so its memory grows only
 * with the number of distinct peers, protocols and ciphers.
 */
export class LogAnalyzer {
  private readonly peers = new Map<string, PeerReport>();
  private readonly totals = { total: 0, tls: 0, failed: 0, plaintext: 0 };
  private readonly protocols: Record<string, number> = {};
  private readonly ciphers: Record<string, number> = {};
  private readonly failures: Partial<Record<FailureClass, FailureClassReport>> = {};
  private readonly since: number | undefined;
  private readonly until: number | undefined;
  private readonly peerFilter: string | undefined;

  constructor(options: Pick<AnalyzeOptions, 'since' | 'until' | 'peer'> = {}) {
    this.since = options.since?.getTime();
    this.until = options.until?.getTime();
    this.peerFilter = options.peer?.toLowerCase();
  }

  /** Count one closed session, unless the filters exclude it. */
  add(session: Session): void {
    if (!this.passes(session)) return;
    const key = session.peer.addr === '' ? session.peer.name : session.peer.addr;
    let peer = this.peers.get(key);
    if (peer === undefined) {
      const stored = detach(key);
      peer = { peer: stored, names: [], attempts: 0, tlsSuccesses: 0, protocols: {}, ciphers: {}, failures: {}, plaintextDeliveries: 0 };
      this.peers.set(stored, peer);
    }
    if (session.peer.name !== '' && peer.names.length < MAX_NAMES && !peer.names.includes(session.peer.name)) {
      peer.names.push(detach(session.peer.name));
    }
    peer.attempts++;
    this.totals.total++;
    const seen = session.end ?? session.start;
    if (seen !== undefined && (peer.lastSeen === undefined || seen > peer.lastSeen)) peer.lastSeen = detach(seen);
    if (session.tls !== undefined && session.failure === undefined) {
      peer.tlsSuccesses++;
      this.totals.tls++;
      bump(peer.protocols, session.tls.protocol);
      bump(peer.ciphers, session.tls.cipher);
      bump(this.protocols, session.tls.protocol);
      bump(this.ciphers, session.tls.cipher);
    }
    if (session.failure !== undefined) {
      const cls = session.failure.class;
      this.totals.failed++;
      peer.failures[cls] = (peer.failures[cls] ?? 0) + 1;
      const known = this.failures[cls];
      if (known === undefined) {
        const { summary, explanation, remedy, evidence } = session.failure;
        this.failures[cls] = { count: 1, summary: detach(summary), explanation: detach(explanation), remedy: detach(remedy), example: evidence.map(detach) };
      } else known.count++;
    }
    const plaintext = plaintextMessages(session);
    if (plaintext > 0) {
      peer.plaintextDeliveries += plaintext;
      this.totals.plaintext += plaintext;
    }
  }

  report(stats: TrackerStats, versions: InferredVersions): AnalyzeReport {
    const peers = [...this.peers.values()].sort((a, b) => b.attempts - a.attempts || a.peer.localeCompare(b.peer));
    return {
      stats: { ...stats }, versions, sessions: { ...this.totals }, protocols: { ...this.protocols }, ciphers: { ...this.ciphers },
      failures: { ...this.failures }, peers,
    };
  }

  private passes(session: Session): boolean {
    const time = session.start ?? session.end;
    if (time !== undefined && (this.since !== undefined || this.until !== undefined)) {
      const at = Date.parse(time);
      if (!Number.isNaN(at)) {
        if (this.since !== undefined && at < this.since) return false;
        if (this.until !== undefined && at > this.until) return false;
      }
    }
    if (this.peerFilter !== undefined) {
      const { name, addr } = session.peer;
      if (!name.toLowerCase().includes(this.peerFilter) && !addr.toLowerCase().includes(this.peerFilter)) return false;
    }
    return true;
  }
}

/**
 * Stream one or more logs (paths, `-` for stdin, gzip or plain) through a session tracker and aggregate the
 * sessions as they close. Memory stays constant in the size of the input.
 */
export async function analyzeLogs(sources: readonly string[], options: AnalyzeOptions = {}): Promise<AnalyzeReport> {
  const tracker = new SessionTracker({
    keepLines: 'events',
    ...(options.maxOpenSessions === undefined ? {} : { maxOpenSessions: options.maxOpenSessions }),
    ...(options.year === undefined ? {} : { year: options.year }),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
  });
  const analyzer = new LogAnalyzer(options);
  const readOptions: ReadLogOptions = options.stdin === undefined ? {} : { stdin: options.stdin };
  const closed: Session[] = [];
  for (const source of sources.length === 0 ? ['-'] : sources) {
    for await (const batch of readLogBatches(source, readOptions)) {
      for (const line of batch) tracker.pushInto(line, closed);
      for (const session of closed) analyzer.add(session);
      closed.length = 0;
    }
  }
  for (const session of tracker.end()) analyzer.add(session);
  return analyzer.report(tracker.stats, tracker.versions);
}
