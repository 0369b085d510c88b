import { open } from 'node:fs/promises';
import { FastAnalyzer } from './fast-analyze.ts';
import { isGzipFile, readLogBatches, readLogChunks, type ReadLogOptions } from './read-lines.ts';
import { SessionTracker } from './sessions.ts';
import type { Diagnosis, FailureClass, InferredVersions, Session, TrackerStats, VersionHints } from './types.ts';

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
  /** Called after each chunk read and once when a source ends; see `ReadProgress`. */
  onProgress?: (progress: ReadProgress) => void;
}

/** How far `analyzeLogs` got in one source. */
export interface ReadProgress {
  source: string;
  /** Bytes read so far: of the file as stored, or of the decompressed stream for gzip and stdin. */
  bytes: number;
  /** Size of a plain file; unknown for gzip and stdin. */
  total?: number;
  done: boolean;
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

/** Messages of a session that crossed the wire in plaintext. */
function plaintextMessages(session: Session): number {
  if (session.tls !== undefined) return 0;
  if (session.side === 'smtpd') return session.queueIds.length;
  let sent = 0;
  for (const event of session.events) if (event.kind === 'queue-delivery' && event.status === 'sent') sent++;
  return sent;
}

/** A peer's counters while sessions stream by; Maps keep first-seen order and stay fast with many keys. */
interface PeerCounts {
  peer: string;
  names: string[];
  attempts: number;
  tlsSuccesses: number;
  protocols: Map<string, number>;
  ciphers: Map<string, number>;
  failures: Map<FailureClass, number>;
  plaintextDeliveries: number;
  lastSeen: string | undefined;
}

function bump<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function record<K extends string>(counts: Map<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const [key, n] of counts) out[key] = n;
  return out;
}

/**
 * Aggregates closed sessions into per-peer and overall counts. It keeps no session, so its memory grows only
 * with the number of distinct peers, protocols and ciphers.
 */
export class LogAnalyzer {
  private readonly peers = new Map<string, PeerCounts>();
  private readonly totals = { total: 0, tls: 0, failed: 0, plaintext: 0 };
  private readonly protocols = new Map<string, number>();
  private readonly ciphers = new Map<string, number>();
  private readonly failures = new Map<FailureClass, FailureClassReport>();
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
    const tls = session.tls;
    this.addParts(session.peer.name, session.peer.addr, session.start, session.end, tls?.protocol, tls?.cipher, session.failure, plaintextMessages(session));
  }

  /** True once a session of this failure class was counted (its example is then fixed). */
  hasFailureClass(cls: FailureClass): boolean {
    return this.failures.has(cls);
  }

  /**
   * `add` for callers that keep no `Session` object (the fast analyzer): `protocol` and `cipher` are defined when
   * the session established TLS; `plaintext` is the number of messages that crossed the wire in plaintext.
   * `owned`: the caller guarantees that `name`, `start` and `end` share no memory with a line, so they need no copy.
   * @internal
   */
  addParts(
    name: string, addr: string, start: string | undefined, end: string | undefined, protocol: string | undefined, cipher: string | undefined,
    failure: Diagnosis | undefined, plaintext: number, owned = false,
  ): void {
    if ((this.since !== undefined || this.until !== undefined || this.peerFilter !== undefined) && !this.passes(name, addr, start ?? end)) return;
    const key = addr === '' ? name : addr;
    let peer = this.peers.get(key);
    if (peer === undefined) {
      const stored = detach(key);
      peer = {
        peer: stored, names: [], attempts: 0, tlsSuccesses: 0, protocols: new Map(), ciphers: new Map(), failures: new Map(),
        plaintextDeliveries: 0, lastSeen: undefined,
      };
      this.peers.set(stored, peer);
    }
    const names = peer.names;
    if (name !== '' && names.length < MAX_NAMES && names[0] !== name && !names.includes(name)) names.push(owned ? name : detach(name));
    peer.attempts++;
    this.totals.total++;
    const seen = end ?? start;
    if (seen !== undefined && (peer.lastSeen === undefined || seen > peer.lastSeen)) peer.lastSeen = owned ? seen : detach(seen);
    if (protocol !== undefined && cipher !== undefined && failure === undefined) {
      peer.tlsSuccesses++;
      this.totals.tls++;
      bump(peer.protocols, protocol);
      bump(peer.ciphers, cipher);
      bump(this.protocols, protocol);
      bump(this.ciphers, cipher);
    }
    if (failure !== undefined) {
      const cls = failure.class;
      this.totals.failed++;
      bump(peer.failures, cls);
      const known = this.failures.get(cls);
      if (known === undefined) {
        const { summary, explanation, remedy, evidence } = failure;
        this.failures.set(cls, { count: 1, summary: detach(summary), explanation: detach(explanation), remedy: detach(remedy), example: evidence.map(detach) });
      } else known.count++;
    }
    if (plaintext > 0) {
      peer.plaintextDeliveries += plaintext;
      this.totals.plaintext += plaintext;
    }
  }

  report(stats: TrackerStats, versions: InferredVersions): AnalyzeReport {
    const peers = [...this.peers.values()].sort((a, b) => b.attempts - a.attempts || a.peer.localeCompare(b.peer)).map((counts): PeerReport => {
      const peer: PeerReport = {
        peer: counts.peer, names: [...counts.names], attempts: counts.attempts, tlsSuccesses: counts.tlsSuccesses,
        protocols: record(counts.protocols), ciphers: record(counts.ciphers), failures: record(counts.failures),
        plaintextDeliveries: counts.plaintextDeliveries,
      };
      if (counts.lastSeen !== undefined) peer.lastSeen = counts.lastSeen;
      return peer;
    });
    const failures: Partial<Record<FailureClass, FailureClassReport>> = {};
    for (const [cls, info] of this.failures) failures[cls] = { ...info, example: [...info.example] };
    return {
      stats: { ...stats }, versions, sessions: { ...this.totals }, protocols: record(this.protocols), ciphers: record(this.ciphers), failures, peers,
    };
  }

  private passes(name: string, addr: string, time: string | undefined): boolean {
    if (time !== undefined && (this.since !== undefined || this.until !== undefined)) {
      const at = Date.parse(time);
      if (!Number.isNaN(at)) {
        if (this.since !== undefined && at < this.since) return false;
        if (this.until !== undefined && at > this.until) return false;
      }
    }
    if (this.peerFilter !== undefined) {
      if (!name.toLowerCase().includes(this.peerFilter) && !addr.toLowerCase().includes(this.peerFilter)) return false;
    }
    return true;
  }
}

/** Read size for plain files: large reads amortise the per-call cost; two buffers let one fill while one is parsed. */
const READ_BYTES = 4 << 20;

/** Feed a plain file to the fast analyzer, reading the next chunk while the current one is parsed. */
async function feedFile(path: string, fast: FastAnalyzer, progress: (bytes: number, total: number) => void): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    let bytes = 0;
    const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
    let which = 0;
    let pending = handle.read(buffers[0] as Buffer, 0, READ_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      which ^= 1;
      pending = handle.read(buffers[which] as Buffer, 0, READ_BYTES, null);
      fast.push(buffer, 0, bytesRead);
      bytes += bytesRead;
      progress(bytes, size);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Stream one or more logs (paths, `-` for stdin, gzip or plain) and aggregate the sessions as they close. Memory
 * stays constant in the size of the input. This uses the byte-level fast path (`FastAnalyzer`), which gives the
 * same report as `analyzeLogsWithTracker`.
 */
export async function analyzeLogs(sources: readonly string[], options: AnalyzeOptions = {}): Promise<AnalyzeReport> {
  const analyzer = new LogAnalyzer(options);
  const fast = new FastAnalyzer(analyzer, {
    ...(options.maxOpenSessions === undefined ? {} : { maxOpenSessions: options.maxOpenSessions }),
    ...(options.year === undefined ? {} : { year: options.year }),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
  });
  const readOptions: ReadLogOptions = options.stdin === undefined ? {} : { stdin: options.stdin };
  const onProgress = options.onProgress;
  for (const source of sources.length === 0 ? ['-'] : sources) {
    let bytes = 0;
    let total: number | undefined;
    const report = (done: boolean): void => onProgress?.({ source, bytes, ...(total === undefined ? {} : { total }), done });
    if (source !== '-' && !(await isGzipFile(source))) {
      await feedFile(source, fast, (read, size) => {
        bytes = read;
        total = size;
        report(false);
      });
    } else {
      for await (const chunk of readLogChunks(source, readOptions)) {
        fast.push(chunk);
        bytes += chunk.length;
        report(false);
      }
    }
    fast.endInput();
    report(true);
  }
  fast.finish();
  return analyzer.report(fast.stats, fast.versions);
}

/**
 * The reference implementation of `analyzeLogs`: every line through `SessionTracker` (the full parser) and every
 * closed session through `LogAnalyzer.add`. Slower; the tests hold the fast path to its results.
 */
export async function analyzeLogsWithTracker(sources: readonly string[], options: AnalyzeOptions = {}): Promise<AnalyzeReport> {
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
