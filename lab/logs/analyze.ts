import { open, stat, type FileReadResult } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { LabError } from '../errors.ts';
import { FastAnalyzer, RECORD } from './fast-analyze.ts';
import { META, META_BYTES, META_COUNT, META_END, META_EVENTS, META_FOREIGN, META_LINES, SLOT_FREE, type ScanJob, type ScanMessage, type ScanSlotSize, type ScanStart } from './scan-slots.ts';
import { readingOrder } from './input-order.ts';
import { mendExcerpt } from './log-order.ts';
import { isGzipFile, isUtf16File, readLogBatches, readLogChunks, readWholeLog, type ReadLogOptions } from './read-lines.ts';
import { SessionTracker } from './sessions.ts';
import { detailOf, NOT_LOGGED, tlsNotLogged } from './classify.ts';
import { explain } from './failure-explanations.ts';
import { peerMatcher, type PeerMatcher } from './peer-filter.ts';
import type { Diagnosis, FailureClass, InferredVersions, Session, TlsEvent, TrackerStats, LogHints } from './types.ts';

export interface AnalyzeOptions extends ReadLogOptions {
  /** Keep sessions that start at or after this time; sessions without timestamps always pass. */
  since?: Date;
  /** Keep sessions that start at or before this time; sessions without timestamps always pass. */
  until?: Date;
  /** Keep sessions of these peers: see `peerMatcher` (text in the name or address, networks, alternatives). */
  peer?: string;
  /** See `SessionTrackerOptions`. Default 10 000. */
  maxOpenSessions?: number;
  /** Year for classic syslog stamps. Default: the current year. */
  year?: number;
  hints?: LogHints;
  /**
   * Scan plain files in a worker thread while this thread tracks sessions; the report is the same either way.
   * Default: for files of 64 MB and more. `ScanTuning` is for tests.
   */
  scanWorker?: boolean | ScanTuning;
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
  /**
   * Two or more attempts, every one a failed TLS session, and nothing delivered in plaintext either: a sender that
   * does not fall back (Sendmail by default, a Postfix that requires TLS) keeps its mail queued and tries again, as
   * does this server's own client at a mandatory level; a scanner looks the same.
   */
  everyAttemptFailed?: true;
}

/** One failure class as met in the log, with its first diagnosis as the example. */
export interface FailureClassReport {
  count: number;
  summary: string;
  explanation: string;
  remedy: string;
  example: string[];
}

/** A warning of smtpd or smtp about its own TLS settings, however many sessions it touched. */
export interface SetUpWarningReport {
  side: Session['side'];
  /** Its text, e.g. `cannot get RSA certificate from file "/etc/x.pem": disabling TLS support`. */
  warning: string;
  count: number;
  summary: string;
  explanation: string;
  remedy: string;
  /** Its first line. */
  example: string;
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
  /** In the order first met, the first `MAX_SET_UP_WARNINGS` distinct ones within the time range; a peer filter keeps them. */
  setUpWarnings: SetUpWarningReport[];
  /** Files that listed their newest line first (a web console's export) and were read turned round. */
  reversed?: string[];
  /** The files in the order they were read, when that is not the order given: oldest first (see `inTimeOrder`). */
  readOrder?: string[];
  /** Files not read, as another given file holds their lines (mail.warn beside mail.log; see overlapping-files.ts). */
  copies?: SkippedCopy[];
}

/** A file not read, and the given file that holds its lines. */
export interface SkippedCopy {
  file: string;
  of: string;
}

const MAX_NAMES = 5;
const MAX_SET_UP_WARNINGS = 32;

/**
 * A copy of `text` that shares no memory with the line it was cut from. V8 slices of 13+ characters point into
 * their parent string, so a stored peer name would otherwise pin a whole 1 MB read chunk.
 */
function detach(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * Whether ISO time `a` is after `b`. Stamps of one format and zone compare as text, as a log's stamps mostly do; a
 * log that mixes offsets (`+01:00` and `Z`), or zoned and local stamps, compares the instants.
 */
function later(a: string, b: string): boolean {
  if (a.length === b.length) {
    // `YYYY-MM-DDThh:mm:ss`: a classic stamp, local time.
    if (a.length === 19) return a > b;
    if (a.charCodeAt(19) === b.charCodeAt(19) && sameZone(a, b)) return a > b;
  }
  const at = Date.parse(a);
  const bt = Date.parse(b);
  return Number.isNaN(at) || Number.isNaN(bt) ? a > b : at > bt;
}

/** Whether two ISO times of one length end in the same zone: `Z`, `+hh:mm`, `+hhmm`, or none (local). No copy: it runs per session. */
function sameZone(a: string, b: string): boolean {
  const last = a.charCodeAt(a.length - 1);
  if (last === 90) return b.charCodeAt(b.length - 1) === 90; // Z
  const sign = Math.max(a.lastIndexOf('+'), a.lastIndexOf('-'));
  // A date's own dashes end before index 10: without a sign after them the stamp is local.
  if (sign < 10) return Math.max(b.lastIndexOf('+'), b.lastIndexOf('-')) < 10;
  for (let i = sign; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
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
export interface PeerCounts {
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

function hasName(names: readonly string[], name: string): boolean {
  if (names.includes(name)) return true;
  const lower = name.toLowerCase();
  return names.some((known) => known.toLowerCase() === lower);
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
  private readonly setUpWarnings = new Map<string, SetUpWarningReport>();
  private readonly since: number | undefined;
  private readonly until: number | undefined;
  private readonly peerFilter: PeerMatcher | undefined;

  constructor(options: Pick<AnalyzeOptions, 'since' | 'until' | 'peer'> = {}) {
    this.since = options.since?.getTime();
    this.until = options.until?.getTime();
    this.peerFilter = options.peer === undefined ? undefined : peerMatcher(options.peer);
  }

  /** Count one closed session, unless the filters exclude it. */
  add(session: Session): void {
    const tls = session.tls;
    const unlogged = tlsNotLogged(tls !== undefined, session.failure, session.commands);
    this.addParts(session.peer.name, session.peer.addr, session.start, session.end, unlogged ? NOT_LOGGED : tls?.protocol, unlogged ? NOT_LOGGED : tls?.cipher,
      session.failure, unlogged ? 0 : plaintextMessages(session));
  }

  /**
   * Count a warning of smtpd or smtp about its own TLS settings (see `isSetUpWarning`), logged at `time`, unless it
   * falls outside the time range. A peer filter keeps it: the settings are those of every peer's sessions.
   */
  addSetUpWarning(side: Session['side'], event: TlsEvent, line: string, time: string | undefined): void {
    if (time !== undefined && !this.inTimeRange(time)) return;
    const warning = detailOf(event) ?? '';
    const key = `${side}\n${warning}`;
    const known = this.setUpWarnings.get(key);
    if (known !== undefined) {
      known.count++;
      return;
    }
    if (this.setUpWarnings.size >= MAX_SET_UP_WARNINGS) return;
    const { summary, explanation, remedy } = explain('invalid-local-config', { side, pastServerHello: false, detail: warning });
    this.setUpWarnings.set(key, { side, warning: detach(warning), count: 1, summary, explanation: detach(explanation), remedy, example: detach(line) });
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
    if (this.filtered && !this.passes(name, addr, start ?? end)) return;
    this.addToPeer(this.peerCounts(addr === '' ? name : addr), name, end ?? start, protocol, cipher, failure, plaintext, owned);
  }

  /** True when sessions must pass a time or peer filter before `addToPeer`. @internal */
  get filtered(): boolean {
    return this.since !== undefined || this.until !== undefined || this.peerFilter !== undefined;
  }

  /**
   * The counters of the peer with this key (address, or name without one), created at first use. A caller may keep
   * them and count many sessions with `addToPeer`, as long as the analyzer is not `filtered`. @internal
   */
  peerCounts(key: string): PeerCounts {
    let peer = this.peers.get(key);
    if (peer === undefined) {
      const stored = detach(key);
      peer = {
        peer: stored, names: [], attempts: 0, tlsSuccesses: 0, protocols: new Map(), ciphers: new Map(), failures: new Map(),
        plaintextDeliveries: 0, lastSeen: undefined,
      };
      this.peers.set(stored, peer);
    }
    return peer;
  }

  /** `addParts` without the filters and the lookup; `seen` is the session's last time (or its first). @internal */
  addToPeer(
    peer: PeerCounts, name: string, seen: string | undefined, protocol: string | undefined, cipher: string | undefined,
    failure: Diagnosis | undefined, plaintext: number, owned = false,
  ): void {
    const names = peer.names;
    // Host names are case-insensitive: Postfix may log one lowercased on one line and as resolved on another.
    if (name !== '' && names.length < MAX_NAMES && names[0] !== name && !hasName(names, name)) names.push(owned ? name : detach(name));
    peer.attempts++;
    this.totals.total++;
    if (seen !== undefined && (peer.lastSeen === undefined || later(seen, peer.lastSeen))) peer.lastSeen = owned ? seen : detach(seen);
    if (failure !== undefined) {
      const cls = failure.class;
      this.totals.failed++;
      bump(peer.failures, cls);
      const known = this.failures.get(cls);
      if (known === undefined) {
        const { summary, explanation, remedy, evidence } = failure;
        this.failures.set(cls, { count: 1, summary: detach(summary), explanation: detach(explanation), remedy: detach(remedy), example: evidence.map(detach) });
      } else known.count++;
    } else if (protocol !== undefined && cipher !== undefined) {
      peer.tlsSuccesses++;
      this.totals.tls++;
      bump(peer.protocols, protocol);
      bump(peer.ciphers, cipher);
      bump(this.protocols, protocol);
      bump(this.ciphers, cipher);
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
      let failed = 0;
      for (const n of counts.failures.values()) failed += n;
      if (counts.attempts >= 2 && failed === counts.attempts && counts.plaintextDeliveries === 0) peer.everyAttemptFailed = true;
      return peer;
    });
    const failures: Partial<Record<FailureClass, FailureClassReport>> = {};
    for (const [cls, info] of this.failures) failures[cls] = { ...info, example: [...info.example] };
    return {
      stats: { ...stats }, versions, sessions: { ...this.totals }, protocols: record(this.protocols), ciphers: record(this.ciphers), failures, peers,
      setUpWarnings: [...this.setUpWarnings.values()].map((w) => ({ ...w })),
    };
  }

  /** False when `time` can be read and falls outside the time range. */
  private inTimeRange(time: string): boolean {
    if (this.since === undefined && this.until === undefined) return true;
    const at = Date.parse(time);
    if (Number.isNaN(at)) return true;
    return !((this.since !== undefined && at < this.since) || (this.until !== undefined && at > this.until));
  }

  private passes(name: string, addr: string, time: string | undefined): boolean {
    if (time !== undefined && !this.inTimeRange(time)) return false;
    return this.peerFilter === undefined || this.peerFilter(name, addr);
  }
}

/** Read size for plain files: large reads amortise the per-call cost; two buffers let one fill while one is parsed. */
const READ_BYTES = 4 << 20;

/**
 * Feed a plain file, from byte `from` on, to the fast analyzer, reading the next chunk while the current one is
 * parsed. With `stop`, asked after each chunk: once it says so, the analyzer drops the line it holds incomplete and
 * the file offset where that line starts is returned; undefined when the file was read to its end.
 */
async function feedFile(
  path: string, fast: FastAnalyzer, progress: (bytes: number, total: number) => void, from = 0, stop?: () => boolean, chunk = READ_BYTES,
): Promise<number | undefined> {
  const handle = await open(path, 'r');
  let pending: Promise<FileReadResult<Buffer>> | undefined;
  try {
    const { size } = await handle.stat();
    let bytes = from;
    const buffers = [Buffer.allocUnsafe(chunk), Buffer.allocUnsafe(chunk)];
    let which = 0;
    let next = handle.read(buffers[0] as Buffer, 0, chunk, bytes);
    for (;;) {
      pending = next;
      const { bytesRead, buffer } = await next;
      pending = undefined;
      if (bytesRead === 0) return undefined;
      which ^= 1;
      next = handle.read(buffers[which] as Buffer, 0, chunk, bytes + bytesRead);
      pending = next;
      fast.push(buffer, 0, bytesRead);
      bytes += bytesRead;
      progress(bytes, size);
      if (stop?.() === true) return bytes - fast.dropCarry();
    }
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

/**
 * Sizes of the scanning worker's slots, and when this thread hands the file over to it: once the worker has
 * started, or (for tests) after the first chunk whatever the worker's state.
 */
export interface ScanTuning extends ScanSlotSize {
  handOver?: 'started' | 'first-chunk';
}

/** Slots between the scanning worker and the analyzing thread: one being scanned, one replayed, one spare. */
const SCAN_SLOTS = 3;
/** A slot: READ_BYTES of lines (about 30 000 of a typical log), and room for more records than that. */
const SCAN_SLOT: ScanTuning = { bytes: READ_BYTES, records: 1 << 16 };
/** Below this size a file is read in this thread: most of it would be read before the worker is up to speed. */
const SCAN_WORKER_MIN_BYTES = 64 << 20;

/**
 * Feed a plain file to the fast analyzer through a scanning worker (scan-worker.ts): the worker reads the file
 * and does the per-line header and form work, this thread replays its records into sessions, each half on a core
 * of its own. The report is the one `feedFile` gives. This thread reads the start of the file itself while the
 * worker starts, and all of it when the worker cannot start.
 */
async function feedFileScanned(
  path: string, size: number, fast: FastAnalyzer, progress: (bytes: number, total: number) => void, slot: ScanTuning,
): Promise<void> {
  const job: ScanJob = {
    path,
    slots: Array.from({ length: SCAN_SLOTS }, () => ({
      bytes: new SharedArrayBuffer(slot.bytes),
      records: new SharedArrayBuffer(slot.records * RECORD * Int32Array.BYTES_PER_ELEMENT),
    })),
    states: new SharedArrayBuffer(SCAN_SLOTS * Int32Array.BYTES_PER_ELEMENT),
    meta: new SharedArrayBuffer(SCAN_SLOTS * META * Float64Array.BYTES_PER_ELEMENT),
  };
  const slots = job.slots.map(({ bytes, records }) => ({ buf: Buffer.from(bytes), records: new Int32Array(records) }));
  const states = new Int32Array(job.states);
  const meta = new Float64Array(job.meta);
  let worker: Worker;
  try {
    worker = startScanWorker(job);
  } catch {
    // No worker (a runtime without `import.meta.resolve`, say): this thread reads the file, to the same report.
    await feedFile(path, fast, progress);
    return;
  }
  const inbox: Exclude<ScanMessage, { ready: true }>[] = [];
  let ready = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (message: ScanMessage) => {
    if ('ready' in message) ready = true;
    else inbox.push(message);
    wake?.();
  });
  worker.once('error', (error) => {
    failure ??= error;
    wake?.();
  });
  // The worker stays up until it is terminated below, so any exit is a failure.
  worker.once('exit', (code) => {
    failure ??= new Error(`the scanning worker exited with code ${code}`);
    wake?.();
  });
  try {
    const start = await feedFile(path, fast, progress, 0, slot.handOver === 'first-chunk' ? () => true : () => ready, Math.min(READ_BYTES, slot.bytes));
    if (start === undefined) return;
    worker.postMessage({ start } satisfies ScanStart);
    fast.beginReplay();
    let replayed = 0;
    for (;;) {
      while (inbox.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      const message = inbox.shift();
      if (message === undefined) {
        if (replayed === 0) {
          await feedFile(path, fast, progress, start);
          return;
        }
        throw new LabError('LAB_INPUT_INVALID', `reading ${path} failed after ${replayed} bytes: ${failure?.message ?? 'no reason given'}`, {
          context: { path, bytes: replayed }, cause: failure,
        });
      }
      if ('fallbackAt' in message) {
        await feedFile(path, fast, progress, message.fallbackAt);
        return;
      }
      const at = message.slot * META;
      const { buf, records } = slots[message.slot] as { buf: Buffer; records: Int32Array };
      fast.replay(buf, records, meta[at + META_COUNT] as number, {
        lines: meta[at + META_LINES] as number, foreign: meta[at + META_FOREIGN] as number, events: meta[at + META_EVENTS] as number,
      }, message.peerNames);
      replayed = meta[at + META_BYTES] as number;
      progress(replayed, size);
      const end = meta[at + META_END] === 1;
      Atomics.store(states, message.slot, SLOT_FREE);
      Atomics.notify(states, message.slot);
      if (end) return;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}

/**
 * The worker runs TypeScript: it registers the loader the CLI runs under (tsx) before it imports its module, so it
 * starts the same way under the CLI, the tests and `node --import tsx`.
 */
function startScanWorker(job: ScanJob): Worker {
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./scan-worker.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(loader)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(source, { eval: true, workerData: job });
}

/** Up to this size a plain file is read whole first, as a pasted excerpt may be (see `excerptLines`). */
const EXCERPT_MAX_BYTES = 4 << 20;

/**
 * The lines of a small plain file (`EXCERPT_MAX_BYTES`) when they must be mended before they are read: lines that
 * a mail client or a forum wrapped, joined (`unwrapLines`), and the whole turned round when it lists its newest line
 * first (`inLogOrder`). Undefined when there is nothing to mend, and for other files, stdin and gzip, which are read
 * as they come.
 */
export async function excerptLines(source: string): Promise<{ lines: string[]; reversed: boolean } | undefined> {
  if (source === '-' || (await stat(source)).size > EXCERPT_MAX_BYTES || (await isGzipFile(source))) return undefined;
  const { lines, recoded } = await readWholeLog(source);
  const mended = mendExcerpt(lines);
  return recoded || mended.changed ? { lines: mended.lines, reversed: mended.reversed } : undefined;
}

/** A large UTF-16 file is not converted on the fly: it stops with what to do. */
async function refuseUtf16(source: string): Promise<void> {
  if (await isUtf16File(source)) {
    throw new LabError('LAB_INPUT_INVALID', `${source} is UTF-16 text, which is read only up to ${EXCERPT_MAX_BYTES >> 20} MB: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)`, {
      context: { path: source },
    });
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
  const reversed: string[] = [];
  const { order, changed, copies } = await readingOrder(sources, options.year);
  for (const source of order) {
    if (copies.has(source)) continue;
    let bytes = 0;
    let total: number | undefined;
    const report = (done: boolean): void => onProgress?.({ source, bytes, ...(total === undefined ? {} : { total }), done });
    if (source !== '-' && !(await isGzipFile(source))) {
      const onRead = (read: number, size: number): void => {
        bytes = read;
        total = size;
        report(false);
      };
      const { size } = await stat(source);
      const scan = options.scanWorker ?? size >= SCAN_WORKER_MIN_BYTES;
      const excerpt = await excerptLines(source);
      if (excerpt === undefined) await refuseUtf16(source);
      if (excerpt !== undefined) {
        if (excerpt.reversed) reversed.push(source);
        fast.push(Buffer.from(`${excerpt.lines.join('\n')}\n`));
        onRead(size, size);
      } else if (scan !== false) await feedFileScanned(source, size, fast, onRead, scan === true ? SCAN_SLOT : scan);
      else await feedFile(source, fast, onRead);
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
  return withReading(analyzer.report(fast.stats, fast.versions), reversed, changed ? order : undefined, copies);
}

function withReading(report: AnalyzeReport, reversed: string[], readOrder: string[] | undefined, copies: ReadonlyMap<string, string>): AnalyzeReport {
  if (reversed.length > 0) report.reversed = reversed;
  if (readOrder !== undefined) report.readOrder = readOrder;
  if (copies.size > 0) report.copies = skippedCopies(copies);
  return report;
}

/** The copies a reader skipped, as the report lists them. */
export function skippedCopies(copies: ReadonlyMap<string, string>): SkippedCopy[] {
  return [...copies].map(([file, of]) => ({ file, of }));
}

/** The lines of one file as a reader takes them: a small file mended as an excerpt (`reversed` names it when turned round). */
export async function* linesOf(source: string, options: ReadLogOptions, reversed: string[]): AsyncGenerator<string[]> {
  const excerpt = await excerptLines(source);
  if (excerpt === undefined && source !== '-') await refuseUtf16(source);
  if (excerpt?.reversed === true) reversed.push(source);
  yield* excerpt === undefined ? readLogBatches(source, options) : [excerpt.lines];
}

/**
 * The reference implementation of `analyzeLogs`: every line through `SessionTracker` (the full parser) and every
 * closed session through `LogAnalyzer.add`. Slower; the tests hold the fast path to its results.
 */
export async function analyzeLogsWithTracker(sources: readonly string[], options: AnalyzeOptions = {}): Promise<AnalyzeReport> {
  const analyzer = new LogAnalyzer(options);
  const tracker = new SessionTracker({
    keepLines: 'events',
    onSetUpWarning: (side, event, line, time) => analyzer.addSetUpWarning(side, event, line, time),
    ...(options.maxOpenSessions === undefined ? {} : { maxOpenSessions: options.maxOpenSessions }),
    ...(options.year === undefined ? {} : { year: options.year }),
    ...(options.hints === undefined ? {} : { hints: options.hints }),
  });
  const readOptions: ReadLogOptions = options.stdin === undefined ? {} : { stdin: options.stdin };
  const closed: Session[] = [];
  const reversed: string[] = [];
  const { order, changed, copies } = await readingOrder(sources, options.year);
  for (const source of order) {
    if (copies.has(source)) continue;
    for await (const batch of linesOf(source, readOptions, reversed)) {
      for (const line of batch) tracker.pushInto(line, closed);
      for (const session of closed) analyzer.add(session);
      closed.length = 0;
    }
  }
  for (const session of tracker.end()) analyzer.add(session);
  return withReading(analyzer.report(tracker.stats, tracker.versions), reversed, changed ? order : undefined, copies);
}
