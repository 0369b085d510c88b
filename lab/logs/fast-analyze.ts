import { isAscii } from 'node:buffer';
import { BareLines, mayBeTableRow, type BareSide } from './bare-lines.ts';
import { classifyCountOnly, NOT_LOGGED, tlsNotLogged, TLS_ATTEMPT_KINDS, UNKNOWN_EVIDENCE_LINES } from './classify.ts';
import { parseEvent } from './events.ts';
import { asSyslogLine } from './json-lines.ts';
import {
  FACILITY, isoTimestamp, isRedactedPidChar, isServiceNameChar, MAX_HEADER, MAX_SERVICE_PREFIX, maySeverity, newHeaderScan, POSTFIX_DAEMONS, scanHeader,
  SEVERITY, stampYear, type HeaderScan,
} from './line-header.ts';
import {
  endsAttempt, inboundPeer, isProxyClientEvent, isSetUpWarning, MAX_HELD_PROXY_SESSIONS, outboundPeer, ProxyFailures, rememberProcessContext, samePeer, startSessionContext,
  type ProcessContext,
} from './sessions.ts';
import { VersionInference } from './versions.ts';
import type { LogAnalyzer, PeerCounts } from './analyze.ts';
import type { Diagnosis, FailureClass, InferredVersions, Peer, Session, TlsEvent, TrackerStats, LogHints } from './types.ts';

/*
 * The analyzer's own line path. It gives exactly the report that `SessionTracker` + `LogAnalyzer.add` give (the
 * tests compare the two), but it works on the bytes of a read chunk and builds no event, session or line string
 * for the lines that dominate a busy log: connect, disconnect, STARTTLS set-up, `TLS connection established`,
 * queue lines (client=, message-id=, from=, to=... status=sent, removed) and other programs' lines. It recognises
 * these forms with byte comparisons that mirror `parseEvent` and `scanHeader`; any line that deviates from the
 * forms it knows, and every non-ASCII line, is decoded and goes through the shared `parseEvent` (the "slow
 * path"). Failures are diagnosed by the shared `classify` from the events the slow path kept. For a large file the
 * header and form work of each line runs in a worker thread (scan-worker.ts), which hands it over as records
 * (`recordLines`, `replay`).
 */

/** Line codes: what the current line is, as far as the session logic needs to know. */
const C_NONE = 0; // a Postfix line `parseEvent` does not recognise
const C_FULL = 1; // `this.event` holds the parsed event
const C_CONNECT = 2;
const C_DISCONNECT = 3;
const C_SETUP = 4;
const C_ESTABLISHED = 5;
const C_CLIENT = 6;
const C_DELIVERY_SENT = 7;
const C_PLAIN = 8; // queue-message-id, queue-from, queue-removed: an event no session logic looks at

/** Kinds of full events, mapped onto the codes the session logic switches on. */
const K_OTHER = 20;
const K_ENGINE_INIT = 21;
const K_CONTEXT = 22; // tls-protocol-list-invalid, tls-local-config-problem (remembered per process)
const K_LIBRARY = 23; // tls-library-problem (remembered per process; marks a failed handshake)
const K_HANDSHAKE_ERROR = 24;
const K_DELIVERY = 25;

/**
 * Stand in for the events of fast lines, so that kept lines stay index for index with kept events: one for the
 * line that starts TLS (where the evidence of `unknown` starts), one for the others (an event `classify` ignores).
 */
const PLACEHOLDER: TlsEvent = { kind: 'queue-removed', queueId: '' };
const SETUP_PLACEHOLDER: TlsEvent = { kind: 'tls-setup', direction: 'from', peer: { name: '', addr: '' } };
/** The commands of a fast disconnect line, as far as `classify` asks (see `commandsOf`): a STARTTLS, and whether it succeeded. */
const WITH_STARTTLS: Readonly<Record<string, string>> = Object.freeze({ starttls: '0' });
const STARTTLS_SUCCEEDED: Readonly<Record<string, string>> = Object.freeze({ starttls: '1' });
const WITHOUT_STARTTLS: Readonly<Record<string, string>> = Object.freeze({});

/** Line records (`recordLines`, `replay`): 32-bit integers per record, types, and flag bits. */
export const RECORD = 26;
const R_BYTES = 1;
const R_LATIN1 = 2; // an RFC 5424 line, for the string reader
const R_UTF8 = 3; // a line with non-ASCII bytes
const SIDE_NONE = 0;
const SIDE_INBOUND = 1; // also a record flag, as SIDE_OUTBOUND
const SIDE_OUTBOUND = 16;
const R_COMMANDS = 2; // a disconnect with command counters
const GATE_34 = 4;
const GATE_30 = 8;
const PID_TABLE = 1 << 16;
const MAX_LINE_BYTES = 16 << 20;
/** How far into a line with a time stamp but no header the column bar of a console's table row is looked for. */
const TABLE_ROW_SCAN = 64;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const ISO_SCRATCH = Buffer.alloc(64);
const WEEKDAYS = 'MonTueWedThuFriSatSun';

/** `buf.toString('latin1', start, end)` without its argument checks: the hot path decodes many short slices. */
function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as { latin1Slice(start: number, end: number): string }).latin1Slice(start, end);
}

/** A copy of `text` that shares no memory with the line it was cut from (see `detach` in analyze.ts). */
function copy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isQueueIdChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** 1 to 12 for the month abbreviation at `at`, 0 for none (`monthAt` of line-header.ts on bytes). */
function monthAt(buf: Buffer, at: number): number {
  const a = buf[at];
  const b = buf[at + 1];
  const c = buf[at + 2];
  for (let m = 0; m < 12; m++) {
    if (MONTHS.charCodeAt(m * 3) === a && MONTHS.charCodeAt(m * 3 + 1) === b && MONTHS.charCodeAt(m * 3 + 2) === c) return m + 1;
  }
  return 0;
}

/** `\s` of a JavaScript regex restricted to ASCII (the fast path only sees ASCII lines). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** `<PRI>1 ` starts the line: RFC 5424 syslog (`rfc5424Start` of line-header.ts on bytes). */
function isRfc5424(buf: Buffer, s: number, e: number): boolean {
  if (buf[s] !== 60) return false;
  let close = s + 1;
  while (close < e && close <= s + 4 && isDigit(buf[close] as number)) close++;
  return close >= s + 2 && close <= s + 4 && buf[close] === 62 && buf[close + 1] === 49 && buf[close + 2] === 32;
}

/** Byte patterns, as arrays of codes, for `startsWithAt`. */
function codes(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}
const P_CONNECT = codes('connect from ');
const P_DISCONNECT = codes('disconnect from ');
const P_SETUP = codes('setting up TLS connection ');
const P_TLS_CONNECTION = codes(' TLS connection ');
const P_ESTABLISHED = codes('established ');
const P_WITH_CIPHER = codes(' with cipher ');
const P_BITS = codes(' bits)');
const P_POSTFIX = codes('postfix');
const P_CLIENT = codes('client=');
const P_MESSAGE_ID = codes('message-id=');
const P_FROM = codes('from=<');
const P_TO = codes('to=<');
const P_REMOVED = codes('removed');
const P_WARNING = codes('warning');
const P_ORIG_TO = codes(' orig_to=<');
const P_RELAY = codes(' relay=');
const P_CONN_USE = codes(' conn_use=');
const P_DELAY = codes(' delay=');
const P_DELAYS = codes(' delays=');
const P_DSN = codes(' dsn=');
const P_STATUS = codes(', status=');
const P_SMTPD = codes('smtpd');
const P_TLSPROXY = codes('tlsproxy');
const P_SMTP = codes('smtp');
const P_LMTP = codes('lmtp');
const P_STARTTLS = codes('starttls');
const TRUST_WORDS = [codes('Anonymous'), codes('Untrusted'), codes('Trusted'), codes('Verified')];

function startsWithAt(buf: Buffer, at: number, end: number, pattern: Uint8Array): boolean {
  const n = pattern.length;
  if (at + n > end) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== pattern[i]) return false;
  return true;
}

/**
 * Strings met again and again (protocols, ciphers, services, hosts) decoded once: a lookup compares the bytes
 * with the few strings already known. Reusing one string object also keeps the analyzer's property lookups fast.
 */
class Interner {
  private readonly known: string[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    const known = this.known;
    outer: for (let k = 0; k < known.length; k++) {
      const text = known[k] as string;
      if (text.length !== length) continue;
      for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== buf[start + i]) continue outer;
      return text;
    }
    const text = latin1(buf, start, end);
    if (known.length < this.limit) known.push(text);
    return text;
  }
}

/**
 * Interner for many distinct strings (peer names and addresses): a hash of the bytes finds the string decoded
 * before, so a returning peer costs no decoding and the analyzer's map lookups hit a string whose hash is cached.
 * Holds at most `limit` strings; beyond that it decodes without keeping.
 */
class HashInterner {
  private readonly limit: number;
  private slots = new Int32Array(1024).fill(-1);
  private readonly strings: string[] = [];
  private readonly hashes: number[] = [];
  /** Index of the string the last `get` returned, -1 when it was not kept. */
  last = -1;
  private given = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** The strings kept since the last call, in the order of their indexes. */
  takeNew(): string[] {
    const fresh = this.strings.slice(this.given);
    this.given = this.strings.length;
    return fresh;
  }

  get(buf: Buffer, start: number, end: number): string {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (buf[i] as number), 0x01000193);
    hash >>>= 0;
    const length = end - start;
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const index = this.slots[slot] as number;
      if (index < 0) break;
      if (this.hashes[index] === hash) {
        const text = this.strings[index] as string;
        if (text.length === length) {
          let same = true;
          for (let i = 0; i < length; i++) {
            if (text.charCodeAt(i) !== buf[start + i]) {
              same = false;
              break;
            }
          }
          if (same) {
            this.last = index;
            return text;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    const text = latin1(buf, start, end);
    this.last = -1;
    if (this.strings.length >= this.limit) return text;
    this.last = this.strings.length;
    this.slots[slot] = this.strings.length;
    this.strings.push(text);
    this.hashes.push(hash);
    if (this.strings.length * 2 > this.slots.length) this.grow();
    return text;
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let index = 0; index < this.hashes.length; index++) {
      let slot = (this.hashes[index] as number) & mask;
      while ((slots[slot] as number) >= 0) slot = (slot + 1) & mask;
      slots[slot] = index;
    }
    this.slots = slots;
  }
}

interface LeanSession {
  smtpd: boolean;
  service: string;
  pid: number;
  host: string | undefined;
  name: string;
  addr: string;
  port: number;
  /** The analyzer's counters for this peer, when the session may go straight to them (see `peerCountsOf`). */
  counts: PeerCounts | undefined;
  /*
   * Stamps of the first and last line. A stamp of a byte line stays in its chunk (`*Buf`, offsets `*S`/`*E`) and is
   * decoded at close, or by `settle` before the chunk can be reused; `*Raw` holds the decoded stamp otherwise.
   */
  startKind: number;
  startRaw: string;
  startBuf: Buffer | undefined;
  startS: number;
  startE: number;
  lastKind: number;
  lastRaw: string;
  lastBuf: Buffer | undefined;
  lastS: number;
  lastE: number;
  starttls: boolean;
  established: boolean;
  handshakeFailed: boolean;
  sawDelivery: boolean;
  /** See `OpenSession.retryFollows`. */
  retryFollows: boolean;
  complete: boolean;
  /** A tlsproxy connection made for an smtp process (see `ProxyFailures`): smtp's session counts it (see `SessionTracker.hold`). */
  proxyClient: boolean;
  protocol: string | undefined;
  cipher: string | undefined;
  queueIds: string[];
  sentDeliveries: number;
  commands: Record<string, string> | undefined;
  /**
   * Keep a line (or a placeholder) for every event from the first TLS attempt on (`tlsFrom`, an index in `events`),
   * as `classify` quotes them as the evidence of `unknown`.
   */
  keepAll: boolean;
  tlsFrom: number;
  /** Events of the slow path among `events` (the rest are placeholders). */
  rich: number;
  events: TlsEvent[];
  lines: string[];
  /** Placeholder lines still in their chunk `pendingBuf`: triples of index in `lines`, start and end. */
  pendingBuf: Buffer | undefined;
  pending: number[];
  /** The `settle` round in which this session was last put on the list of sessions holding chunk bytes. */
  pin: number;
  processContext: { events: TlsEvent[]; lines: string[] } | undefined;
  samePid: LeanSession | undefined;
  older: LeanSession | undefined;
  newer: LeanSession | undefined;
}

function leanPeer(session: LeanSession): Peer {
  return session.port < 0 ? { name: session.name, addr: session.addr } : { name: session.name, addr: session.addr, port: session.port };
}

/** Shared empty arrays, frozen: a session gets arrays of its own at its first event, line or queue id. */
const NO_EVENTS = Object.freeze([]) as unknown as TlsEvent[];
const NO_STRINGS = Object.freeze([]) as unknown as string[];
const NO_NUMBERS = Object.freeze([]) as unknown as number[];

/** Most sessions keep one event or none: arrays of one element first, grown on a second. */
function keep(session: LeanSession, event: TlsEvent, line: string): void {
  if (session.events === NO_EVENTS) {
    session.events = [event];
    session.lines = [line];
    return;
  }
  session.events.push(event);
  session.lines.push(line);
}

function addQueueId(session: LeanSession, queueId: string): void {
  if (session.queueIds === NO_STRINGS) session.queueIds = [queueId];
  else if (!session.queueIds.includes(queueId)) session.queueIds.push(queueId);
}

export interface FastAnalyzerOptions {
  maxOpenSessions?: number;
  year?: number;
  hints?: LogHints;
}

/** Streams bytes of a log into a `LogAnalyzer`. Feed whole or partial chunks with `push`, then call `end`. */
export class FastAnalyzer {
  readonly stats: TrackerStats = { lines: 0, events: 0, unrecognised: 0, foreign: 0 };
  private readonly inference = new VersionInference();
  /** Open sessions by pid: an array for the usual pids, a map for the rest. */
  private readonly openLow: (LeanSession | undefined)[] = new Array<LeanSession | undefined>(PID_TABLE).fill(undefined);
  private readonly openHigh = new Map<number, LeanSession>();
  private oldest: LeanSession | undefined;
  private newest: LeanSession | undefined;
  private openCount = 0;
  private readonly contexts = new Map<string, ProcessContext>();
  private readonly proxyFailures = new ProxyFailures();
  /** See `SessionTracker`: whether an smtp line came by, and the counting of tlsproxy client connections closed before. */
  private sawSmtp = false;
  private readonly held: (() => void)[] = [];
  private readonly bareLines = new BareLines();
  private readonly maxOpen: number;
  private readonly year: number;
  private readonly latestDay: number;
  private readonly hints: LogHints;
  private readonly analyzer: LogAnalyzer;
  private readonly tlsNames = new Interner(64);
  private readonly peerNames = new HashInterner(1 << 16);
  /** The analyzer's counters by `peerNames` index of the address. */
  private readonly peerSlots: (PeerCounts | undefined)[] = [];
  /** While `replay` runs: the recorder's peer names by index, the analyzer's counters by that index, and the indexes of the current record. */
  private replaying = false;
  private replayNames: string[] = [];
  private replaySlots: (PeerCounts | undefined)[] = [];
  private nameId = -1;
  private addrId = -1;
  /** Sessions that took bytes of the current chunk (see `settle`), and the round of `settle` that collects them. */
  private readonly pinned: LeanSession[] = [];
  private pinRound = 1;
  private readonly knownClass = (cls: FailureClass): boolean => this.analyzer.hasFailureClass(cls);
  private readonly serviceNames = new Interner(16);
  private readonly hostNames = new Interner(16);
  /** Inference bounds already recorded: once seen, the lines that imply them need not be parsed for it. */
  private seen34 = false;
  private seen30 = false;
  /** Set on a scanner that writes line records (see `recordLines`) instead of tracking sessions. */
  private recording = false;
  /** GATE_* bits of the current line: the fast code stands only once the version inference has seen that bound. */
  private gates = 0;
  /** Lines a recording scanner counted without a record: foreign lines, and fast events of no session's daemon. */
  private readonly skipped = { lines: 0, foreign: 0, events: 0 };

  // The current line. Byte lines: `buf[s, e)`, `str` decoded on demand; string lines: `buf` unused.
  private buf: Buffer = Buffer.alloc(0);
  private s = 0;
  private e = 0;
  private bytes = true;
  private str: string | undefined;
  // Its header, as offsets into `buf` (byte lines) or `str` (string lines).
  private tsKind = 0;
  private tsStart = 0;
  private tsEnd = 0;
  private hostStart = -1;
  private hostEnd = -1;
  private progStart = 0;
  private progEnd = 0;
  private daemonStart = -1;
  private pid = 0;
  private msgStart = 0;
  // Its event: a code, and the full event for C_FULL.
  private event: TlsEvent | undefined;
  // Peer of a fast event: `name[addr]:port` at these offsets; port -1 when absent; pOpen -1 when there is none.
  private pStart = 0;
  private pOpen = -1;
  private pClose = 0;
  private pPort = -1;
  private pEnd = 0;
  // Protocol and cipher of C_ESTABLISHED, queue id of C_CLIENT / C_DELIVERY_SENT.
  private aStart = 0;
  private aEnd = 0;
  private bStart = 0;
  private bEnd = 0;
  private hasCommands = false;
  private scan: HeaderScan = newHeaderScan();
  // One-entry caches for the raw stamp and for the ISO form of a raw stamp.
  private stampCache = '';
  private stampBytes = Buffer.alloc(64);
  private stampLength = -1;
  private isoRaw = '';
  private isoKind = 0;
  private isoValue: string | undefined;
  // Carry of a partial line between chunks.
  private carry: Buffer | undefined;

  constructor(analyzer: LogAnalyzer, options: FastAnalyzerOptions = {}) {
    this.analyzer = analyzer;
    this.maxOpen = Math.max(1, options.maxOpenSessions ?? 10_000);
    ({ year: this.year, latestDay: this.latestDay } = stampYear(options.year));
    this.hints = options.hints ?? {};
  }

  get versions(): InferredVersions {
    return this.inference.versions;
  }

  /**
   * Feed the next bytes of the input. Lines may span calls; `chunk` may be reused by the caller after the call.
   */
  push(chunk: Buffer, start = 0, end = chunk.length): void {
    let from = start;
    if (this.carry !== undefined) {
      const newline = chunk.indexOf(10, start);
      if (newline < 0 || newline >= end) {
        this.carry = Buffer.concat([this.carry, chunk.subarray(start, end)]);
        if (this.carry.length > MAX_LINE_BYTES) {
          const whole = this.carry;
          this.carry = undefined;
          // As `readLogBatches`: an over-long run without newline is cut into a line of its own, CR and all.
          if (isAscii(whole)) {
            this.byteLine(whole, 0, whole.length);
            this.settle(whole);
          } else this.stringLine(whole.toString('utf8'));
        }
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(start, newline + 1)]);
      this.carry = undefined;
      this.lines(joined, 0, joined.length);
      from = newline + 1;
    }
    const last = chunk.lastIndexOf(10, end - 1);
    if (last < from) {
      if (end > from) this.carry = Buffer.from(chunk.subarray(from, end));
      return;
    }
    this.lines(chunk, from, last + 1);
    if (last + 1 < end) this.carry = Buffer.from(chunk.subarray(last + 1, end));
  }

  /**
   * Give up the incomplete last line held for the next `push`, for a reader that goes on from the start of that
   * line by other means; returns its length in bytes.
   */
  dropCarry(): number {
    const length = this.carry?.length ?? 0;
    this.carry = undefined;
    return length;
  }

  /** End of one input: a last line without a newline counts. */
  endInput(): void {
    if (this.carry === undefined) return;
    const rest = this.carry;
    this.carry = undefined;
    if (rest.length > 0) this.lines(rest, 0, rest.length);
  }

  /** End of all input: close every open session. */
  finish(): void {
    this.endInput();
    while (this.oldest !== undefined) this.close(this.oldest);
    for (const count of this.held.splice(0)) count();
  }

  /** Lines of `buf[start, end)`; `end` is just after a newline, or the end of the input. */
  private lines(buf: Buffer, start: number, end: number): void {
    const ascii = isAscii(buf.subarray(start, end));
    let s = start;
    while (s < end) {
      let newline = buf.indexOf(10, s);
      if (newline < 0 || newline >= end) newline = end;
      const stop = newline > s && buf[newline - 1] === 13 ? newline - 1 : newline;
      if (ascii || this.asciiLine(buf, s, stop)) this.byteLine(buf, s, stop);
      else this.stringLine(buf.toString('utf8', s, stop));
      s = newline + 1;
    }
    this.settle(buf);
  }

  private asciiLine(buf: Buffer, s: number, e: number): boolean {
    for (let i = s; i < e; i++) if ((buf[i] as number) >= 128) return false;
    return true;
  }

  /** A non-ASCII line: the shared string parser, with header offsets into the string. */
  private stringLine(text: string): void {
    this.stats.lines++;
    const scan = this.scan;
    let line = asSyslogLine(text);
    let bare: BareSide | undefined;
    if (!scanHeader(line, scan)) {
      const read = this.bareLines.read(line, scan);
      if (read === undefined) {
        this.stats.foreign++;
        return;
      }
      bare = read.side;
      line = read.line;
    } else if (scan.daemonStart < 0) {
      this.stats.foreign++;
      return;
    }
    this.bytes = false;
    this.str = line;
    this.tsKind = scan.tsKind;
    this.tsStart = scan.tsStart;
    this.tsEnd = scan.tsEnd;
    this.hostStart = scan.hostStart;
    this.hostEnd = scan.hostEnd;
    this.progStart = scan.progStart;
    this.progEnd = scan.progEnd;
    this.daemonStart = scan.daemonStart;
    this.pid = scan.pid;
    this.msgStart = scan.msgStart;
    if (bare === undefined) this.dispatch(this.slowEvent());
    else {
      const code = this.slowEvent();
      if (bare === 'smtpd') this.inbound(code);
      else if (bare === 'smtp') this.outbound(code);
    }
  }

  /**
   * Whether a line without a syslog header may be a bare Postfix message (see `BareLines`), for the string reader
   * to decide: one that starts with a time stamp is a header this reader does not know, never a bare message,
   * unless it is a row of a console's log table.
   */
  private mayBeBare(s: number, e: number): boolean {
    let at = s;
    while (at < e && (this.buf[at] === 32 || this.buf[at] === 62)) at++;
    if (at >= e) return false;
    if (this.stampKindAt(at) === 0) return true;
    const stop = Math.min(e, s + TABLE_ROW_SCAN);
    for (let i = at; i < stop; i++) if (this.buf[i] === 124 || this.buf[i] === 9) return mayBeTableRow(latin1(this.buf, s, e));
    return false;
  }

  /** Make `buf[s, e)` the current line, as bytes. */
  private atBytes(buf: Buffer, s: number, e: number): void {
    this.buf = buf;
    this.s = s;
    this.e = e;
    this.bytes = true;
    this.str = undefined;
  }

  private byteLine(buf: Buffer, s: number, e: number): void {
    this.stats.lines++;
    this.atBytes(buf, s, e);
    // A JSON record (see `syslogOfJsonLine`), or a line without a header this reader knows.
    if (buf[s] === 123 || !this.scanBytes()) {
      // RFC 5424 lines are rare enough for the string reader.
      if (buf[s] === 123 || isRfc5424(buf, s, e) || this.mayBeBare(s, e)) {
        this.stats.lines--;
        this.stringLine(latin1(buf, s, e));
      } else this.stats.foreign++;
      return;
    }
    if (this.daemonStart < 0) {
      this.stats.foreign++;
      return;
    }
    this.dispatch(this.fastEvent());
  }

  /** Which sessions the current line's daemon has: SIDE_INBOUND (smtpd, tlsproxy), SIDE_OUTBOUND (smtp, lmtp) or none. */
  private daemonSide(): number {
    const d = this.daemonStart;
    const length = this.progEnd - d;
    if (length === 5) return this.regionIs(d, P_SMTPD) ? SIDE_INBOUND : SIDE_NONE;
    if (length === 4) return this.regionIs(d, P_SMTP) || this.regionIs(d, P_LMTP) ? SIDE_OUTBOUND : SIDE_NONE;
    return length === 8 && this.regionIs(d, P_TLSPROXY) ? SIDE_INBOUND : SIDE_NONE;
  }

  // ---- line records: the header and fast-code work of `byteLine`, done by one scanner and replayed by another ----

  /**
   * A scanner for `recordLines`: it keeps no session and feeds no analyzer, so that it can run in another thread
   * than the `FastAnalyzer` that replays its records.
   */
  static recorder(analyzer: LogAnalyzer): FastAnalyzer {
    const scanner = new FastAnalyzer(analyzer);
    scanner.recording = true;
    return scanner;
  }

  /**
   * Scan the lines of `buf[start, end)` (`end` just after a newline, or the end of the input) into records for
   * `replay`, up to `capacity` records. Returns the offset after the last line scanned; lines that need nothing
   * of the replaying side but a count are counted (`takeSkipped`) instead of recorded.
   */
  recordLines(buf: Buffer, start: number, end: number, records: Int32Array, capacity: number): { next: number; count: number } {
    const ascii = isAscii(buf.subarray(start, end));
    let s = start;
    let count = 0;
    while (s < end && count < capacity) {
      let newline = buf.indexOf(10, s);
      if (newline < 0 || newline >= end) newline = end;
      const stop = newline > s && buf[newline - 1] === 13 ? newline - 1 : newline;
      if (this.recordLine(buf, s, stop, ascii || this.asciiLine(buf, s, stop), records, count * RECORD)) count++;
      s = newline + 1;
    }
    return { next: Math.min(s, end), count };
  }

  /** Peer names and addresses `recordLines` kept since the last call: `replay` takes them in this order. */
  takePeerNames(): string[] {
    return this.peerNames.takeNew();
  }

  /** Lines, foreign lines and events counted by `recordLines` since the last call. */
  takeSkipped(): { lines: number; foreign: number; events: number } {
    const skipped = { ...this.skipped };
    this.skipped.lines = 0;
    this.skipped.foreign = 0;
    this.skipped.events = 0;
    return skipped;
  }

  private recordLine(buf: Buffer, s: number, e: number, ascii: boolean, out: Int32Array, at: number): boolean {
    out[at] = s;
    out[at + 1] = e;
    if (!ascii) {
      out[at + 2] = R_UTF8;
      return true;
    }
    this.atBytes(buf, s, e);
    if (buf[s] === 123 || !this.scanBytes()) {
      if (buf[s] === 123 || isRfc5424(buf, s, e) || this.mayBeBare(s, e)) {
        out[at + 2] = R_LATIN1;
        return true;
      }
      this.skipped.lines++;
      this.skipped.foreign++;
      return false;
    }
    if (this.daemonStart < 0) {
      this.skipped.lines++;
      this.skipped.foreign++;
      return false;
    }
    this.gates = 0;
    const code = this.fastCode();
    const side = this.daemonSide();
    if (code >= 0 && this.gates === 0 && side === SIDE_NONE) {
      this.skipped.lines++;
      this.skipped.events++;
      return false;
    }
    // Records hold 32-bit integers; a pid or port beyond them (garbage, not Postfix) takes the string reader.
    if (this.pid > 0x7fffffff || this.pPort > 0x7fffffff) {
      out[at + 2] = R_LATIN1;
      return true;
    }
    out[at + 2] = R_BYTES;
    out[at + 3] = code;
    out[at + 4] = this.gates | side | (this.hasCommands ? R_COMMANDS : 0);
    out[at + 5] = this.tsKind;
    out[at + 6] = this.tsStart;
    out[at + 7] = this.tsEnd;
    out[at + 8] = this.hostStart;
    out[at + 9] = this.hostEnd;
    out[at + 10] = this.progStart;
    out[at + 11] = this.progEnd;
    out[at + 12] = this.daemonStart;
    out[at + 13] = this.pid;
    out[at + 14] = this.msgStart;
    out[at + 15] = this.pStart;
    out[at + 16] = this.pOpen;
    out[at + 17] = this.pClose;
    out[at + 18] = this.pPort;
    out[at + 19] = this.pEnd;
    out[at + 20] = this.aStart;
    out[at + 21] = this.aEnd;
    out[at + 22] = this.bStart;
    out[at + 23] = this.bEnd;
    // The peer of a fast line that usually opens a session (a connect; an outbound TLS set-up or delivery), as indexes
    // of the recorder's `peerNames`. Should another line open one, `create` decodes its peer itself.
    let nameId = -1;
    let addrId = -1;
    const opens = code === C_CONNECT || (side === SIDE_OUTBOUND && (code === C_SETUP || code === C_ESTABLISHED || code === C_DELIVERY_SENT));
    if (side !== SIDE_NONE && opens && this.pOpen >= 0) {
      this.peerNames.get(buf, this.pStart, this.pOpen);
      nameId = this.peerNames.last;
      this.peerNames.get(buf, this.pOpen + 1, this.pClose);
      addrId = this.peerNames.last;
    }
    out[at + 24] = nameId;
    out[at + 25] = addrId;
    return true;
  }

  /** Records of a new recorder follow: its peer indexes start again. */
  beginReplay(): void {
    this.replayNames = [];
    this.replaySlots = [];
  }

  /**
   * Process `count` records that `recordLines` wrote for the lines of `buf`, exactly as `push` would have processed
   * those lines; `skipped` are the counts it kept for the lines between them, `peerNames` what `takePeerNames` gave
   * after them. `buf` may be reused after the call.
   */
  replay(buf: Buffer, records: Int32Array, count: number, skipped: { lines: number; foreign: number; events: number }, peerNames: readonly string[]): void {
    for (const name of peerNames) this.replayNames.push(name);
    this.replaying = true;
    this.stats.lines += skipped.lines;
    this.stats.foreign += skipped.foreign;
    this.stats.events += skipped.events;
    for (let i = 0, at = 0; i < count; i++, at += RECORD) {
      const s = records[at] as number;
      const e = records[at + 1] as number;
      const type = records[at + 2] as number;
      if (type === R_UTF8) {
        this.stringLine(buf.toString('utf8', s, e));
        continue;
      }
      if (type === R_LATIN1) {
        this.stringLine(latin1(buf, s, e));
        continue;
      }
      this.stats.lines++;
      this.atBytes(buf, s, e);
      let code = records[at + 3] as number;
      const flags = records[at + 4] as number;
      this.hasCommands = (flags & R_COMMANDS) !== 0;
      this.tsKind = records[at + 5] as number;
      this.tsStart = records[at + 6] as number;
      this.tsEnd = records[at + 7] as number;
      this.hostStart = records[at + 8] as number;
      this.hostEnd = records[at + 9] as number;
      this.progStart = records[at + 10] as number;
      this.progEnd = records[at + 11] as number;
      this.daemonStart = records[at + 12] as number;
      this.pid = records[at + 13] as number;
      this.msgStart = records[at + 14] as number;
      this.pStart = records[at + 15] as number;
      this.pOpen = records[at + 16] as number;
      this.pClose = records[at + 17] as number;
      this.pPort = records[at + 18] as number;
      this.pEnd = records[at + 19] as number;
      this.aStart = records[at + 20] as number;
      this.aEnd = records[at + 21] as number;
      this.bStart = records[at + 22] as number;
      this.bEnd = records[at + 23] as number;
      this.nameId = records[at + 24] as number;
      this.addrId = records[at + 25] as number;
      if (code >= 0 && (((flags & GATE_34) !== 0 && !this.seen34) || ((flags & GATE_30) !== 0 && !this.seen30))) code = -1;
      if (code < 0) code = this.slowEvent();
      else this.stats.events++;
      // The recorder found the daemon's side already.
      if ((flags & SIDE_INBOUND) !== 0) this.inbound(code);
      else if ((flags & SIDE_OUTBOUND) !== 0) this.outbound(code);
    }
    this.replaying = false;
    this.settle(buf);
  }

  private dispatch(code: number): void {
    const side = this.daemonSide();
    if (side === SIDE_INBOUND) this.inbound(code);
    else if (side === SIDE_OUTBOUND) this.outbound(code);
  }

  private regionIs(at: number, pattern: Uint8Array): boolean {
    if (this.bytes) return startsWithAt(this.buf, at, this.e, pattern);
    const line = this.str as string;
    for (let i = 0; i < pattern.length; i++) if (line.charCodeAt(at + i) !== pattern[i]) return false;
    return true;
  }

  // ---- header ----------------------------------------------------------------------------------------------

  /** `scanHeader` on bytes; same offsets as on the decoded (ASCII) line. */
  private scanBytes(): boolean {
    const buf = this.buf;
    const s = this.s;
    const e = this.e;
    let at = s;
    if (buf[s] === 60 && s < e) {
      let close = -1;
      for (let i = s; i < e; i++) {
        if (buf[i] === 62) {
          close = i;
          break;
        }
      }
      if (close < 0 || close - s > 5) return false;
      at = close + 1;
      if (isRfc5424(buf, s, e)) return false; // see byteLine
    }
    if (!this.scanSyslogBytes(at)) return false;
    if (this.stampKindAt(this.afterComposePrefix(this.msgStart)) === 0) return true;
    // A relay's line around a container's own (see scanHeader): the inner header, when it is Postfix's.
    const outer = [this.tsKind, this.tsStart, this.tsEnd, this.hostStart, this.hostEnd, this.progStart, this.progEnd, this.pid, this.msgStart, this.daemonStart];
    if (this.scanSyslogBytes(this.msgStart) && this.daemonStart >= 0) return true;
    [this.tsKind, this.tsStart, this.tsEnd, this.hostStart, this.hostEnd, this.progStart, this.progEnd, this.pid, this.msgStart, this.daemonStart] = outer as [
      number, number, number, number, number, number, number, number, number, number,
    ];
    return true;
  }

  /** `scanSyslogHeader` of line-header.ts on bytes, from `from`. */
  private scanSyslogBytes(from: number): boolean {
    const buf = this.buf;
    const s = this.s;
    const e = this.e;
    let at = from;
    // An indent and the `> ` marks of a quote (see `afterQuote`).
    while (at < e && (buf[at] === 32 || buf[at] === 62)) at++;
    at = this.afterComposePrefix(at);
    let end = -1;
    const limit = Math.min(e - 2, at + MAX_HEADER + 1);
    for (let i = at; i < limit; i++) {
      if (buf[i] === 93 && buf[i + 1] === 58 && buf[i + 2] === 32) {
        end = i;
        break;
      }
    }
    if (end < 0 || end - at > MAX_HEADER) return false;
    let open = -1;
    for (let i = end - 1; i >= at; i--) {
      if (buf[i] === 91) {
        open = i;
        break;
      }
    }
    if (open < at || open === end - 1) return false;
    let pid = 0;
    for (let i = open + 1; i < end; i++) {
      const c = buf[i] as number;
      if (!isDigit(c)) {
        // A hidden pid (see `redactedPid` of line-header.ts).
        for (let j = open + 1; j < end; j++) if (!isRedactedPidChar(buf[j] as number)) return false;
        pid = 0;
        break;
      }
      pid = pid * 10 + (c - 48);
    }
    let progStart = s;
    for (let i = open - 1; i >= s; i--) {
      if (buf[i] === 32) {
        progStart = i + 1;
        break;
      }
    }
    if (progStart < at || progStart === open) return false;

    this.tsKind = 0;
    this.tsStart = at;
    this.tsEnd = at;
    this.hostStart = -1;
    this.hostEnd = -1;
    if (progStart > at) {
      let kind = this.stampKindAt(at);
      if (kind === 0) {
        // A `file:` prefix of `grep -H` (see scanHeader).
        for (let i = at; i < progStart; i++) {
          const c = buf[i];
          if (c === 32) break;
          if (c === 58) {
            kind = i > at ? this.stampKindAt(i + 1) : 0;
            if (kind !== 0) {
              at = i + 1;
              this.tsStart = at;
              this.tsEnd = at;
            }
            break;
          }
        }
      }
      if (kind === 1) {
        this.tsKind = 1;
        this.tsEnd = this.classicEnd(at);
      } else if (kind === 3 || kind === 4) {
        let stampEnd = at + 10;
        if (kind === 3) {
          stampEnd = e;
          for (let i = at + 24; i < e; i++) {
            if (buf[i] === 32) {
              stampEnd = i;
              break;
            }
          }
        } else if (buf[stampEnd] === 46) {
          stampEnd++;
          while (stampEnd < e && isDigit(buf[stampEnd] as number)) stampEnd++;
        }
        if (stampEnd >= progStart) return false;
        this.tsKind = kind;
        this.tsEnd = stampEnd;
      } else if (kind === 2) {
        let stampEnd = -1;
        for (let i = at + 11; i < e; i++) {
          if (buf[i] === 32) {
            stampEnd = i;
            break;
          }
        }
        if (stampEnd < 0 || stampEnd >= progStart) return false;
        this.tsKind = 2;
        this.tsEnd = stampEnd;
      }
      let cursor = this.tsEnd;
      if (this.tsKind === 2) {
        // A second stamp after `docker logs -t`'s own (see scanHeader).
        const next = cursor + 1;
        if (this.classicAt(next)) cursor = this.classicEnd(next);
        else if (this.rfc3339At(next)) {
          for (let i = next + 11; i < e; i++) {
            if (buf[i] === 32) {
              if (i < progStart) cursor = i;
              break;
            }
          }
        }
      }
      if (this.tsKind !== 0) {
        // socklog's `facility.severity: ` before the message's own stamp (see scanHeader).
        let token = cursor;
        while (token < progStart && buf[token] === 32) token++;
        const limit = Math.min(progStart, token + 17);
        for (let i = token + 1; i < limit; i++) {
          if (buf[i] === 58 && buf[i + 1] === 32) {
            if (FACILITY.test(latin1(buf, token, i))) {
              let next = i + 2;
              while (next < e && buf[next] === 32) next++;
              if (this.classicAt(next)) cursor = this.classicEnd(next);
            }
            break;
          }
          if (buf[i] === 32) break;
        }
      }
      let firstStart = -1;
      let firstEnd = -1;
      let secondStart = -1;
      while (cursor < progStart) {
        while (cursor < progStart && buf[cursor] === 32) cursor++;
        if (cursor >= progStart) break;
        let stop = cursor;
        while (stop < progStart && buf[stop] !== 32) stop++;
        if (firstStart < 0) {
          firstStart = cursor;
          firstEnd = stop;
        } else if (secondStart < 0) {
          secondStart = cursor;
        } else return false;
        cursor = stop;
      }
      if (secondStart >= 0) {
        this.hostStart = firstStart;
        this.hostEnd = firstEnd;
      } else if (firstStart >= 0) {
        // The first dot of the rest of the line counts only inside the token, so the search can stop there.
        let dot = -1;
        for (let i = firstStart; i < firstEnd; i++) {
          if (buf[i] === 46) {
            dot = i;
            break;
          }
        }
        const length = firstEnd - firstStart;
        if (!((dot > firstStart && dot < firstEnd && length <= 16 && FACILITY.test(latin1(buf, firstStart, firstEnd))) ||
          (maySeverity(buf[firstStart] as number, length) && SEVERITY.test(latin1(buf, firstStart, firstEnd))))) {
          this.hostStart = firstStart;
          this.hostEnd = firstEnd;
        }
      }
    }
    this.progStart = progStart;
    this.progEnd = open;
    this.pid = pid;
    this.msgStart = end + 3;
    this.daemonStart = -1;
    let slash = -1;
    for (let i = open - 1; i >= progStart; i--) {
      if (buf[i] === 47) {
        slash = i;
        break;
      }
    }
    // `daemonStartOf` of line-header.ts on bytes.
    if (slash >= progStart && (startsWithAt(buf, progStart, e, P_POSTFIX) || POSTFIX_DAEMONS.has(latin1(buf, slash + 1, open)))) this.daemonStart = slash + 1;
    return true;
  }

  /** `afterComposePrefix` of line-header.ts on bytes. */
  private afterComposePrefix(at: number): number {
    const buf = this.buf;
    const e = this.e;
    let i = at;
    while (i < e && i - at <= MAX_SERVICE_PREFIX && isServiceNameChar(buf[i] as number)) i++;
    if (i === at || i - at > MAX_SERVICE_PREFIX || buf[i] !== 32) return at;
    while (i < e && buf[i] === 32) i++;
    if (buf[i] !== 124 || buf[i + 1] !== 32 || i + 1 >= e) return at;
    i += 2;
    while (i < e && buf[i] === 32) i++;
    return i;
  }

  private classicAt(at: number): boolean {
    const buf = this.buf;
    if (at + 15 > this.e) return false;
    if (buf[at + 3] !== 32 || buf[at + 6] !== 32 || buf[at + 9] !== 58 || buf[at + 12] !== 58) return false;
    if (!isDigit(buf[at + 5] as number) || !isDigit(buf[at + 7] as number) || !isDigit(buf[at + 14] as number)) return false;
    return monthAt(buf, at) !== 0;
  }

  /** End of the classic stamp at `at`, fraction included (see `classicStampEnd` in line-header.ts). */
  private classicEnd(at: number): number {
    const buf = this.buf;
    let end = at + 15;
    if (buf[end] === 46 && isDigit(buf[end + 1] as number)) {
      end += 2;
      while (end < this.e && isDigit(buf[end] as number)) end++;
    }
    return end;
  }

  /** `stampKindAt` of line-header.ts on bytes. */
  private stampKindAt(at: number): number {
    if (this.classicAt(at)) return 1;
    if (this.rfc3339At(at)) return 2;
    const buf = this.buf;
    const e = this.e;
    // `Www YYYY-MM-DD hh:mm:ss ZONE`
    if (at + 24 < e && buf[at + 3] === 32 && buf[at + 14] === 32 && buf[at + 23] === 32 && this.weekdayAt(at) && this.rfc3339At(at + 4) &&
      buf[at + 20] === 58 && isDigit(buf[at + 22] as number) && buf[at + 24] !== 32) return 3;
    // Ten digits of epoch seconds, then a space or a fraction.
    if (at + 10 >= e) return 0;
    for (let i = at; i < at + 10; i++) if (!isDigit(buf[i] as number)) return 0;
    return buf[at + 10] === 32 || (buf[at + 10] === 46 && at + 11 < e && isDigit(buf[at + 11] as number)) ? 4 : 0;
  }

  private weekdayAt(at: number): boolean {
    const buf = this.buf;
    for (let d = 0; d < 7; d++) {
      if (WEEKDAYS.charCodeAt(d * 3) === buf[at] && WEEKDAYS.charCodeAt(d * 3 + 1) === buf[at + 1] && WEEKDAYS.charCodeAt(d * 3 + 2) === buf[at + 2]) return true;
    }
    return false;
  }

  private rfc3339At(at: number): boolean {
    const buf = this.buf;
    if (at + 13 >= this.e) return false;
    const sep = buf[at + 10];
    return isDigit(buf[at] as number) && isDigit(buf[at + 3] as number) && buf[at + 4] === 45 && buf[at + 7] === 45 &&
      (sep === 84 || sep === 32) && buf[at + 13] === 58;
  }

  // ---- message -----------------------------------------------------------------------------------------------

  /** Decode the line and run the shared parser; counts the event and feeds the version inference. */
  private slowEvent(): number {
    const line = this.lineText();
    const event = parseEvent(line, this.bytes ? this.msgStart - this.s : this.msgStart);
    this.event = event;
    if (event === undefined) {
      this.stats.unrecognised++;
      return C_NONE;
    }
    this.stats.events++;
    this.inference.observe(event, line);
    if (event.kind === 'tls-established' && (event.keyExchange !== undefined || event.trust === 'Verified')) this.seen34 = true;
    if (event.kind === 'disconnect' && event.commands !== undefined) this.seen30 = true;
    return C_FULL;
  }

  /** Recognise the hot forms on bytes; anything else goes to `slowEvent`. */
  private fastEvent(): number {
    const code = this.fastCode();
    if (code < 0) return this.slowEvent();
    this.stats.events++;
    return code;
  }

  /** A fast code, or -1 for "let the shared parser decide". */
  private fastCode(): number {
    const buf = this.buf;
    const e = this.e;
    const m = this.msgStart;
    if (m >= e) return -1;
    // tlsproxy's lines are few, and `inbound` needs their events (see `ProxyFailures`).
    if (this.isTlsproxyLine()) return -1;
    const c = buf[m] as number;
    if (c === 99) {
      if (startsWithAt(buf, m, e, P_CONNECT)) return this.peerAt(m + 13, e) ? C_CONNECT : -1;
    } else if (c === 100) {
      if (startsWithAt(buf, m, e, P_DISCONNECT)) return this.disconnect(m + 16);
    } else if (c === 115) {
      if (startsWithAt(buf, m, e, P_SETUP)) {
        const at = m + 26;
        if (buf[at] === 102 && buf[at + 1] === 114 && buf[at + 2] === 111 && buf[at + 3] === 109 && buf[at + 4] === 32) {
          return this.peerAt(at + 5, e) ? C_SETUP : -1;
        }
        if (buf[at] === 116 && buf[at + 1] === 111 && buf[at + 2] === 32) return this.peerAt(at + 3, e) ? C_SETUP : -1;
        return -1;
      }
    } else if (c === 65 || c === 85 || c === 84 || c === 86) {
      const established = this.established(c);
      if (established !== 0) return established;
    }
    return this.queueLine();
  }

  /** `Trust TLS connection established from|to peer: PROTOCOL with cipher CIPHER (N/N bits)`, no SNI part. */
  private established(first: number): number {
    const buf = this.buf;
    const e = this.e;
    const m = this.msgStart;
    const trust = first === 65 ? 0 : first === 85 ? 1 : first === 84 ? 2 : 3;
    const word = TRUST_WORDS[trust] as Uint8Array;
    if (!startsWithAt(buf, m, e, word)) return 0;
    let at = m + word.length;
    if (!startsWithAt(buf, at, e, P_TLS_CONNECTION)) return 0;
    at += 16;
    if (!startsWithAt(buf, at, e, P_ESTABLISHED)) return -1; // `reused`, or not an established line at all
    at += 12;
    if (buf[at] === 102 && buf[at + 1] === 114 && buf[at + 2] === 111 && buf[at + 3] === 109 && buf[at + 4] === 32) at += 5;
    else if (buf[at] === 116 && buf[at + 1] === 111 && buf[at + 2] === 32) at += 3;
    else return -1;
    if (!this.peerAt(at, e)) return -1;
    at = this.pEnd;
    if (buf[at] !== 58 || buf[at + 1] !== 32) return -1;
    at += 2;
    this.aStart = at;
    while (at < e && !isSpace(buf[at] as number)) at++;
    if (at === this.aStart) return -1;
    this.aEnd = at;
    if (!startsWithAt(buf, at, e, P_WITH_CIPHER)) return -1;
    at += 13;
    this.bStart = at;
    while (at < e && !isSpace(buf[at] as number)) at++;
    if (at === this.bStart) return -1;
    this.bEnd = at;
    if (buf[at] !== 32 || buf[at + 1] !== 40) return -1;
    at += 2;
    const used = at;
    while (at < e && isDigit(buf[at] as number)) at++;
    if (at === used || buf[at] !== 47) return -1;
    at++;
    const total = at;
    while (at < e && isDigit(buf[at] as number)) at++;
    if (at === total || !startsWithAt(buf, at, e, P_BITS)) return -1;
    at += 6;
    // The version inference wants to know about a key-exchange summary (Postfix >= 3.4) until it has seen one.
    if (at !== e || trust === 3) {
      if (this.recording) this.gates |= GATE_34;
      else if (!this.seen34) return -1;
    }
    return C_ESTABLISHED;
  }

  /** `disconnect from peer [cmd=n ...]`: the peer, and whether the Postfix >= 3.0 command counters follow. */
  private disconnect(at: number): number {
    const buf = this.buf;
    const e = this.e;
    if (!this.peerAt(at, e)) return -1;
    let hasCommands = false;
    let cursor = this.pEnd + 1;
    while (cursor < e) {
      let space = cursor;
      while (space < e && buf[space] !== 32) space++;
      let eq = cursor;
      while (eq < space && buf[eq] !== 61) eq++;
      if (eq > cursor && eq < space) {
        hasCommands = true;
        break;
      }
      cursor = space + 1;
    }
    if (hasCommands) {
      if (this.recording) this.gates |= GATE_30;
      else if (!this.seen30) return -1;
    }
    this.hasCommands = hasCommands;
    return C_DISCONNECT;
  }

  /** `QUEUEID: client=|message-id=|from=<|to=<...status=sent|removed`. */
  private queueLine(): number {
    const buf = this.buf;
    const e = this.e;
    const m = this.msgStart;
    let i = m;
    const stop = Math.min(e, m + 21);
    while (i < stop && isQueueIdChar(buf[i] as number)) i++;
    const length = i - m;
    if (length < 5 || i + 1 >= e || buf[i] !== 58 || buf[i + 1] !== 32) return -1;
    if (length === 7 && startsWithAt(buf, m, e, P_WARNING)) return -1;
    const rest = i + 2;
    this.bStart = m;
    this.bEnd = i;
    switch (buf[rest]) {
      case 99:
        if (startsWithAt(buf, rest, e, P_CLIENT)) return this.peerAt(rest + 7, e) ? C_CLIENT : -1;
        return -1;
      case 109:
        return startsWithAt(buf, rest, e, P_MESSAGE_ID) ? C_PLAIN : -1;
      case 102:
        if (startsWithAt(buf, rest, e, P_FROM)) {
          for (let j = rest + 6; j < e; j++) if (buf[j] === 62) return C_PLAIN;
        }
        return -1;
      case 116:
        return startsWithAt(buf, rest, e, P_TO) ? this.delivery(rest + 4) : -1;
      case 114:
        return rest + 7 === e && startsWithAt(buf, rest, e, P_REMOVED) ? C_PLAIN : -1;
      default:
        return -1;
    }
  }

  /**
   * The DELIVERY pattern of `events.ts` on bytes, for `status=sent` (other statuses may name a TLS problem, so
   * they take the shared parser). Sets the relay peer offsets (`pOpen` -1 when the relay is not `name[addr]`).
   */
  private delivery(from: number): number {
    const buf = this.buf;
    const e = this.e;
    let at = from;
    while (at < e && buf[at] !== 62) at++;
    if (at >= e || buf[at + 1] !== 44) return -1;
    at += 2;
    if (startsWithAt(buf, at, e, P_ORIG_TO)) {
      at += 10;
      while (at < e && buf[at] !== 62) at++;
      if (at >= e || buf[at + 1] !== 44) return -1;
      at += 2;
    }
    if (!startsWithAt(buf, at, e, P_RELAY)) return -1;
    at += 7;
    const relayStart = at;
    while (at < e && buf[at] !== 44) at++;
    if (at >= e) return -1;
    const relayEnd = at;
    at++;
    if (startsWithAt(buf, at, e, P_CONN_USE)) {
      at += 10;
      const digits = at;
      while (at < e && isDigit(buf[at] as number)) at++;
      if (at === digits || buf[at] !== 44) return -1;
      at++;
    }
    if (!startsWithAt(buf, at, e, P_DELAY)) return -1;
    at += 7;
    let run = at;
    while (at < e && (isDigit(buf[at] as number) || buf[at] === 46)) at++;
    if (at === run || buf[at] !== 44) return -1;
    at++;
    if (startsWithAt(buf, at, e, P_DELAYS)) {
      at += 8;
      run = at;
      while (at < e && (isDigit(buf[at] as number) || buf[at] === 46 || buf[at] === 47)) at++;
      if (at === run || buf[at] !== 44) return -1;
      at++;
    }
    if (!startsWithAt(buf, at, e, P_DSN)) return -1;
    at += 5;
    run = at;
    while (at < e && (isDigit(buf[at] as number) || buf[at] === 46)) at++;
    if (at === run || !startsWithAt(buf, at, e, P_STATUS)) return -1;
    at += 9;
    run = at;
    while (at < e && isWordChar(buf[at] as number)) at++;
    if (at - run !== 4 || buf[run] !== 115 || buf[run + 1] !== 101 || buf[run + 2] !== 110 || buf[run + 3] !== 116) return -1;
    if (at < e) {
      if (buf[at] !== 32) return -1;
      for (let j = at + 1; j < e; j++) if (buf[j] === 13) return -1;
    }
    // relayPeer = peerAt(relay, 0): `[` with no space before it, then `]` inside the relay text.
    this.pOpen = -1;
    this.peerAt(relayStart, relayEnd);
    return C_DELIVERY_SENT;
  }

  /** `peerAt` of peer.ts on bytes; sets the peer offsets. */
  private peerAt(start: number, stop: number): boolean {
    const buf = this.buf;
    let open = -1;
    for (let i = start; i < stop; i++) {
      const c = buf[i];
      if (c === 91) {
        open = i;
        break;
      }
      if (c === 32) return false;
    }
    if (open < 0) return false;
    let close = -1;
    for (let i = open + 1; i < stop; i++) {
      if (buf[i] === 93) {
        close = i;
        break;
      }
    }
    if (close < 0) return false;
    this.setPeer(start, open, close, stop);
    return true;
  }

  private setPeer(start: number, open: number, close: number, stop: number): void {
    const buf = this.buf;
    this.pStart = start;
    this.pOpen = open;
    this.pClose = close;
    this.pPort = -1;
    let end = close + 1;
    if (end < stop && buf[end] === 58) {
      let port = 0;
      let i = end + 1;
      for (; i < stop; i++) {
        const c = buf[i] as number;
        if (c < 48 || c > 57) break;
        port = port * 10 + (c - 48);
      }
      if (i > end + 1) {
        this.pPort = port;
        end = i;
      }
    }
    this.pEnd = end;
  }

  // ---- sessions ----------------------------------------------------------------------------------------------

  private lineText(): string {
    if (this.str === undefined) this.str = latin1(this.buf, this.s, this.e);
    return this.str;
  }

  private text(start: number, end: number): string {
    return this.bytes ? latin1(this.buf, start, end) : (this.str as string).slice(start, end);
  }

  /** The raw stamp of the current line ('' without one), decoded once per distinct stamp. */
  private stampRaw(): string {
    if (this.tsKind === 0) return '';
    // A copy, not a slice: the stamp may become a peer's `lastSeen`, which must not pin the whole line.
    if (!this.bytes) return copy((this.str as string).slice(this.tsStart, this.tsEnd));
    const buf = this.buf;
    const start = this.tsStart;
    const length = this.tsEnd - start;
    const cache = this.stampBytes;
    if (length === this.stampLength) {
      let same = true;
      for (let i = length - 1; i >= 0; i--) {
        if (cache[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.stampCache;
    }
    this.stampCache = latin1(buf, start, this.tsEnd);
    if (length <= cache.length) {
      for (let i = 0; i < length; i++) cache[i] = buf[start + i] as number;
      this.stampLength = length;
    } else this.stampLength = -1;
    return this.stampCache;
  }

  private iso(kind: number, raw: string): string | undefined {
    if (kind === 0) return undefined;
    if (kind === this.isoKind && raw === this.isoRaw) return this.isoValue;
    const scan = newHeaderScan();
    scan.tsKind = kind as HeaderScan['tsKind'];
    scan.tsStart = 0;
    scan.tsEnd = raw.length;
    this.isoKind = kind;
    this.isoRaw = raw;
    const value = isoTimestamp(raw, scan, this.year, this.latestDay);
    this.isoValue = value;
    return value;
  }

  /**
   * `iso` of a stamp still in its chunk: classic and RFC 3339 stamps (the usual ones) are rewritten byte by byte
   * into one flat string, without decoding the raw stamp first.
   */
  private isoOfBytes(kind: number, buf: Buffer, start: number, end: number): string | undefined {
    const out = ISO_SCRATCH;
    if (kind === 2 && end - start <= out.length) {
      buf.copy(out, 0, start, end);
      if (out[10] === 32) out[10] = 84;
      return latin1(out, 0, end - start);
    }
    const month = kind === 1 ? monthAt(buf, start) : 0;
    const day = kind === 1 ? (buf[start + 4] === 32 ? 0 : (buf[start + 4] as number) - 48) * 10 + (buf[start + 5] as number) - 48 : 0;
    const year = month * 100 + day > this.latestDay ? this.year - 1 : this.year;
    if (kind === 1 && end - start + 10 <= out.length && Number.isInteger(year) && year >= 1000 && year <= 9999) {
      out[0] = 48 + Math.floor(year / 1000);
      out[1] = 48 + (Math.floor(year / 100) % 10);
      out[2] = 48 + (Math.floor(year / 10) % 10);
      out[3] = 48 + (year % 10);
      out[4] = 45;
      out[5] = 48 + Math.floor(month / 10);
      out[6] = 48 + (month % 10);
      out[7] = 45;
      out[8] = buf[start + 4] === 32 ? 48 : (buf[start + 4] as number);
      out[9] = buf[start + 5] as number;
      out[10] = 84;
      buf.copy(out, 11, start + 7, end);
      return latin1(out, 0, 11 + end - start - 7);
    }
    return this.iso(kind, latin1(buf, start, end));
  }

  /** Full events, mapped onto the codes of the session logic. */
  private kindOf(code: number): number {
    if (code !== C_FULL) return code;
    switch ((this.event as TlsEvent).kind) {
      case 'connect': return C_CONNECT;
      case 'disconnect': return C_DISCONNECT;
      case 'tls-setup': return C_SETUP;
      case 'tls-established': return C_ESTABLISHED;
      case 'queue-client': return C_CLIENT;
      case 'queue-delivery': return K_DELIVERY;
      case 'tls-engine-init': return K_ENGINE_INIT;
      case 'tls-protocol-list-invalid':
      case 'tls-local-config-problem': return K_CONTEXT;
      case 'tls-library-problem': return K_LIBRARY;
      case 'tls-handshake-error': return K_HANDSHAKE_ERROR;
      default: return K_OTHER;
    }
  }

  private openOf(pid: number): LeanSession | undefined {
    return pid < PID_TABLE ? this.openLow[pid] : this.openHigh.get(pid);
  }

  private setOpen(pid: number, session: LeanSession | undefined): void {
    if (pid < PID_TABLE) this.openLow[pid] = session;
    else if (session === undefined) this.openHigh.delete(pid);
    else this.openHigh.set(pid, session);
  }

  /** The open session of this line's side, host, service and pid (bare lines share all but the side). */
  private find(smtpd: boolean): LeanSession | undefined {
    for (let candidate = this.openOf(this.pid); candidate !== undefined; candidate = candidate.samePid) {
      if (candidate.smtpd !== smtpd) continue;
      if (this.progEnd - this.progStart !== candidate.service.length || !this.sameText(this.progStart, candidate.service)) continue;
      const host = candidate.host;
      if (host === undefined ? this.hostStart < 0 : this.hostStart >= 0 && this.hostEnd - this.hostStart === host.length && this.sameText(this.hostStart, host)) {
        return candidate;
      }
    }
    return undefined;
  }

  private sameText(at: number, text: string): boolean {
    if (!this.bytes) return (this.str as string).startsWith(text, at);
    const buf = this.buf;
    for (let i = 0; i < text.length; i++) if (buf[at + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  private inbound(code: number): void {
    let current = this.find(true);
    if (code === C_NONE) {
      if (current !== undefined) this.touch(current);
      return;
    }
    // tlsproxy's CONNECT opens nothing, its DISCONNECT closes only the connection it names (see `SessionTracker`).
    if (code === C_FULL) {
      const event = this.event as TlsEvent;
      if (event.kind === 'proxy-connect') return;
      if (event.kind === 'proxy-disconnect') {
        if (current !== undefined && samePeer(leanPeer(current), event.peer)) {
          this.append(current, code, K_OTHER);
          current.complete = true;
          this.close(current);
        }
        return;
      }
    }
    if (code === C_FULL && isSetUpWarning(this.event as TlsEvent)) this.setUpWarning('smtpd');
    const kind = this.kindOf(code);
    switch (kind) {
      case C_CONNECT:
        if (current !== undefined) this.close(current);
        current = this.createInbound(code, false);
        break;
      case C_DISCONNECT:
        current ??= this.createInbound(code, true);
        if (current === undefined) return;
        this.append(current, code, kind);
        current.complete = true;
        if (code === C_FULL) {
          const commands = (this.event as Extract<TlsEvent, { kind: 'disconnect' }>).commands;
          if (commands !== undefined) current.commands = commands;
        } else if (this.hasCommands) current.commands = this.commandsOf();
        this.close(current);
        return;
      case K_ENGINE_INIT:
        if (this.contexts.size > 0) this.contexts.delete(this.processKey());
        break;
      case K_CONTEXT:
      case K_LIBRARY:
        // See `SessionTracker.inbound`.
        if (kind === K_LIBRARY && current !== undefined && current.established && this.isTlsproxyLine()) {
          this.remember();
          return;
        }
        if (current === undefined) this.remember();
        break;
      default:
        if (current !== undefined && this.namesOtherPeer(current, code)) {
          this.close(current);
          current = undefined;
        }
        current ??= this.createInbound(code, true);
    }
    if (current === undefined) return;
    this.append(current, code, kind);
    if (code === C_FULL && isProxyClientEvent(this.event as TlsEvent) && this.isTlsproxyLine()) {
      current.proxyClient = true;
      if ((this.event as TlsEvent).kind === 'tls-handshake-error') this.proxyFailures.stash(leanPeer(current), current.events, current.lines);
    }
  }

  /**
   * Whether the current line is a tlsproxy line that names a peer other than the session's, or another port of it:
   * one tlsproxy process serves many connections at once (see `SessionTracker`).
   */
  private namesOtherPeer(session: LeanSession, code: number): boolean {
    if (!this.isTlsproxyLine()) return false;
    const known = leanPeer(session);
    if (code === C_FULL) {
      const peer = inboundPeer(this.event as TlsEvent);
      return peer !== undefined && !samePeer(known, peer);
    }
    if (code === C_PLAIN || this.pOpen < 0 || code === C_DELIVERY_SENT) return false;
    const peer: Peer = { name: this.text(this.pStart, this.pOpen), addr: this.text(this.pOpen + 1, this.pClose), ...(this.pPort < 0 ? {} : { port: this.pPort }) };
    return !samePeer(known, peer);
  }

  /**
   * Commands of a fast disconnect line: only whether a `starttls` counter is there matters to `classify`, so one of
   * two shared records stands for them.
   */
  private commandsOf(): Record<string, string> {
    const buf = this.buf;
    const e = this.e;
    let cursor = this.pEnd + 1;
    while (cursor < e) {
      let space = cursor;
      while (space < e && buf[space] !== 32) space++;
      let eq = cursor;
      while (eq < space && buf[eq] !== 61) eq++;
      if (eq > cursor && eq < space && eq - cursor === 8 && startsWithAt(buf, cursor, e, P_STARTTLS)) {
        // `starttls=N` or `starttls=N/M`: N succeeded (see `starttlsSucceeded`).
        let succeeded = 0;
        for (let i = eq + 1; i < space && isDigit(buf[i] as number); i++) succeeded = succeeded * 10 + (buf[i] as number) - 48;
        return succeeded >= 1 ? STARTTLS_SUCCEEDED : WITH_STARTTLS;
      }
      cursor = space + 1;
    }
    return WITHOUT_STARTTLS;
  }

  /** Count the current line's set-up warning (see `isSetUpWarning`). */
  private setUpWarning(side: 'smtpd' | 'smtp'): void {
    this.analyzer.addSetUpWarning(side, this.event as TlsEvent, this.lineText(), this.iso(this.tsKind, this.stampRaw()));
  }

  private outbound(code: number): void {
    if (!this.sawSmtp) {
      this.sawSmtp = true;
      this.held.length = 0;
    }
    let current = this.find(false);
    if (code === C_NONE) {
      if (current !== undefined) this.touch(current);
      return;
    }
    if (code === C_FULL && isSetUpWarning(this.event as TlsEvent)) this.setUpWarning('smtp');
    const kind = this.kindOf(code);
    let peer: Peer | undefined;
    let hasPeer: boolean;
    if (code === C_FULL) {
      peer = outboundPeer(this.event as TlsEvent);
      hasPeer = peer !== undefined;
    } else {
      hasPeer = (code === C_SETUP || code === C_ESTABLISHED || code === C_DELIVERY_SENT) && this.pOpen >= 0;
    }
    if (!hasPeer) {
      if (code === C_FULL && (current === undefined || current.sawDelivery)) {
        // See `SessionTracker.outbound`.
        const event = this.event as TlsEvent;
        const again = event.kind === 'queue-tls-problem' && current?.queueIds.includes(event.queueId) === true ? leanPeer(current) : undefined;
        const proxied = event.kind === 'queue-tls-problem' && this.proxyFailures.size > 0 ? this.proxyFailures.latestPeer() : again;
        if (proxied !== undefined) {
          if (current !== undefined) this.close(current);
          this.append(this.create(false, proxied), code, kind);
          return;
        }
        if (isSetUpWarning(event)) {
          this.remember();
          return;
        }
      }
      if (current !== undefined) this.append(current, code, kind);
      return;
    }
    const sameConnection = current !== undefined && (peer === undefined ? this.samePeerBytes(current) : samePeer(leanPeer(current), peer));
    const delivery = kind === K_DELIVERY || kind === C_DELIVERY_SENT;
    if (kind === C_SETUP || (!delivery && (!sameConnection || (current?.sawDelivery === true && !(code === C_FULL && endsAttempt(this.event as TlsEvent)))))) {
      if (current !== undefined) this.close(current);
      current = this.create(false, peer);
    } else if (delivery) {
      const tlsProblem = code === C_FULL ? (this.event as Extract<TlsEvent, { kind: 'queue-delivery' }>).tlsProblem : undefined;
      const fallback = sameConnection && current !== undefined && current.handshakeFailed && !current.established && tlsProblem === undefined;
      const reconnected = current?.sawDelivery === true && tlsProblem === 'cannot-start-tls';
      const retried = sameConnection && current?.retryFollows === true;
      if (!sameConnection || fallback || reconnected || retried) {
        if (current !== undefined) this.close(current);
        current = this.create(false, peer);
      }
    }
    if (current === undefined) return;
    this.append(current, code, kind);
    if (delivery) {
      current.sawDelivery = true;
      current.complete = true;
      const queueId = code === C_FULL ? (this.event as Extract<TlsEvent, { kind: 'queue-delivery' }>).queueId : this.text(this.bStart, this.bEnd);
      addQueueId(current, queueId);
    }
  }

  private isTlsproxyLine(): boolean {
    return this.progEnd - this.daemonStart === 8 && this.regionIs(this.daemonStart, P_TLSPROXY);
  }

  /** `samePeer` of the session's peer and the current line's. */
  private samePeerBytes(session: LeanSession): boolean {
    const addr = session.addr;
    if (addr === '' || this.pClose === this.pOpen + 1) {
      const name = session.name;
      if (this.pOpen - this.pStart !== name.length || !this.sameText(this.pStart, name)) return false;
    } else if (this.pClose - this.pOpen - 1 !== addr.length || !this.sameText(this.pOpen + 1, addr)) return false;
    return session.port < 0 || this.pPort < 0 || session.port === this.pPort;
  }

  /** `midway`: the line is not the session's `connect` (see `startSessionContext`). */
  private createInbound(code: number, midway: boolean): LeanSession | undefined {
    if (code === C_FULL) {
      const event = this.event as TlsEvent;
      const peer = event.kind === 'connect' || event.kind === 'disconnect' ? event.peer : inboundPeer(event);
      return peer === undefined ? undefined : this.create(true, peer, midway);
    }
    // Every fast code but C_PLAIN (and a relay-less delivery) names a peer.
    if (code === C_PLAIN || this.pOpen < 0 || code === C_DELIVERY_SENT) return undefined;
    return this.create(true, undefined, midway);
  }

  private create(smtpd: boolean, peer: Peer | undefined, midway = false): LeanSession {
    const inChunk = this.bytes && this.tsKind !== 0;
    const raw = inChunk ? '' : this.stampRaw();
    const chunk = inChunk ? this.buf : undefined;
    let name: string;
    let addr: string;
    let counts: PeerCounts | undefined;
    if (peer !== undefined) {
      // Standalone strings (decoded from bytes, or copied), so the analyzer keeps them as they are.
      name = copy(peer.name);
      addr = copy(peer.addr);
    } else if (this.replaying) {
      name = this.nameId >= 0 ? this.replayNames[this.nameId] as string : latin1(this.buf, this.pStart, this.pOpen);
      addr = this.addrId >= 0 ? this.replayNames[this.addrId] as string : latin1(this.buf, this.pOpen + 1, this.pClose);
      counts = this.peerCountsOf(this.replaySlots, this.addrId);
    } else {
      name = this.peerNames.get(this.buf, this.pStart, this.pOpen);
      addr = this.peerNames.get(this.buf, this.pOpen + 1, this.pClose);
      counts = this.peerCountsOf(this.peerSlots, this.peerNames.last);
    }
    const session: LeanSession = {
      smtpd,
      service: this.bytes ? this.serviceNames.get(this.buf, this.progStart, this.progEnd) : this.text(this.progStart, this.progEnd),
      pid: this.pid,
      host: this.hostStart < 0 ? undefined : this.bytes ? this.hostNames.get(this.buf, this.hostStart, this.hostEnd) : this.text(this.hostStart, this.hostEnd),
      name,
      addr,
      port: peer === undefined ? this.pPort : peer.port ?? -1,
      counts,
      startKind: this.tsKind,
      startRaw: raw,
      startBuf: chunk,
      startS: this.tsStart,
      startE: this.tsEnd,
      lastKind: this.tsKind,
      lastRaw: raw,
      lastBuf: chunk,
      lastS: this.tsStart,
      lastE: this.tsEnd,
      starttls: false,
      established: false,
      handshakeFailed: false,
      sawDelivery: false,
      retryFollows: false,
      complete: false,
      proxyClient: false,
      protocol: undefined,
      cipher: undefined,
      queueIds: NO_STRINGS,
      sentDeliveries: 0,
      commands: undefined,
      keepAll: !this.analyzer.hasFailureClass('unknown'),
      tlsFrom: 0,
      rich: 0,
      events: NO_EVENTS,
      lines: NO_STRINGS,
      pendingBuf: undefined,
      pending: NO_NUMBERS,
      pin: 0,
      processContext: undefined,
      samePid: this.openOf(this.pid),
      older: this.newest,
      newer: undefined,
    };
    if (!smtpd && this.proxyFailures.size > 0) {
      const failed = this.proxyFailures.claim(leanPeer(session));
      if (failed !== undefined) {
        session.starttls = true;
        session.handshakeFailed = true;
        for (let i = 0; i < failed.events.length; i++) {
          keep(session, failed.events[i] as TlsEvent, failed.lines[i] as string);
          session.rich++;
        }
      }
    }
    if (this.contexts.size > 0) {
      const begun = startSessionContext(this.contexts, this.processKey(), midway);
      if (begun.context !== undefined) session.processContext = begun.context;
      if (begun.adopted !== undefined) {
        session.starttls = true;
        session.handshakeFailed = true;
        for (let i = 0; i < begun.adopted.events.length; i++) {
          keep(session, begun.adopted.events[i] as TlsEvent, begun.adopted.lines[i] as string);
          session.rich++;
        }
      }
    }
    if (inChunk) this.pin(session);
    this.setOpen(this.pid, session);
    if (this.newest !== undefined) this.newest.newer = session;
    this.newest = session;
    this.oldest ??= session;
    this.openCount++;
    while (this.openCount > this.maxOpen && this.oldest !== undefined && this.oldest !== session) this.close(this.oldest);
    return session;
  }

  /**
   * The analyzer's counters for the current peer's address, kept in `slots` by the address's interned index so that
   * a returning peer costs no map lookup; undefined when the analyzer filters sessions or the address is empty or
   * was not kept.
   */
  private peerCountsOf(slots: (PeerCounts | undefined)[], index: number): PeerCounts | undefined {
    if (index < 0 || this.pClose === this.pOpen + 1 || this.analyzer.filtered) return undefined;
    let counts = slots[index];
    if (counts === undefined) {
      while (slots.length < index) slots.push(undefined);
      counts = this.analyzer.peerCounts(latin1(this.buf, this.pOpen + 1, this.pClose));
      slots[index] = counts;
    }
    return counts;
  }

  /** A line without an event still moves the session's last-seen time. */
  private touch(session: LeanSession): void {
    session.lastKind = this.tsKind;
    if (this.bytes && this.tsKind !== 0) {
      session.lastBuf = this.buf;
      session.lastS = this.tsStart;
      session.lastE = this.tsEnd;
      this.pin(session);
    } else {
      session.lastBuf = undefined;
      session.lastRaw = this.stampRaw();
    }
  }

  /**
   * Decode what open sessions still hold of `buf` (stamps, placeholder lines), as the caller may reuse it. Sessions
   * that close while their chunk is current decode these themselves, so a session costs one decode per stamp it
   * reports and none per line.
   */
  private settle(buf: Buffer): void {
    for (const session of this.pinned) {
      if (session.lastBuf === buf) {
        session.lastRaw = latin1(buf, session.lastS, session.lastE);
        session.lastBuf = undefined;
      }
      if (session.startBuf === buf) {
        session.startRaw = latin1(buf, session.startS, session.startE);
        session.startBuf = undefined;
      }
      if (session.pendingBuf === buf) this.settleLines(session);
    }
    this.pinned.length = 0;
    this.pinRound++;
  }

  /** Remember that the session holds bytes of the current chunk, for `settle`. */
  private pin(session: LeanSession): void {
    if (session.pin === this.pinRound) return;
    session.pin = this.pinRound;
    this.pinned.push(session);
  }

  private settleLines(session: LeanSession): void {
    const buf = session.pendingBuf as Buffer;
    const pending = session.pending;
    for (let i = 0; i < pending.length; i += 3) session.lines[pending[i] as number] = latin1(buf, pending[i + 1] as number, pending[i + 2] as number);
    session.pendingBuf = undefined;
    session.pending = NO_NUMBERS;
  }

  private startRawOf(session: LeanSession): string {
    return session.startBuf === undefined ? session.startRaw : latin1(session.startBuf, session.startS, session.startE);
  }

  private append(session: LeanSession, code: number, kind: number): void {
    this.touch(session);
    if (code === C_FULL) {
      const event = this.event as TlsEvent;
      if (!session.starttls && TLS_ATTEMPT_KINDS.has(event.kind)) {
        session.starttls = true;
        session.tlsFrom = session.events.length;
      }
      keep(session, event, this.lineText());
      session.rich++;
      switch (event.kind) {
        case 'tls-established':
          session.established = true;
          session.protocol = event.protocol;
          session.cipher = event.cipher;
          this.dropPlaceholders(session);
          break;
        case 'tls-handshake-error':
        case 'tls-library-problem':
          if (!session.established) session.handshakeFailed = true;
          break;
        case 'queue-tls-problem':
          if (event.tlsProblem === 'cannot-start-tls' && !session.established) session.handshakeFailed = true;
          addQueueId(session, event.queueId);
          break;
        case 'queue-client':
        case 'queue-server-reply':
          addQueueId(session, event.queueId);
          break;
        case 'queue-attempt-failed':
          session.retryFollows = true;
          addQueueId(session, event.queueId);
          break;
        case 'queue-delivery':
          if (event.status === 'sent') session.sentDeliveries++;
          break;
        default:
          break;
      }
      return;
    }
    let placeholder = PLACEHOLDER;
    if (kind === C_SETUP && !session.starttls) {
      session.starttls = true;
      session.tlsFrom = session.events.length;
      placeholder = SETUP_PLACEHOLDER;
    }
    if (session.keepAll && session.starttls && kind !== C_ESTABLISHED) {
      const index = session.events.length;
      // `classify` quotes placeholder lines only as the evidence of `unknown`.
      if (index >= session.tlsFrom + UNKNOWN_EVIDENCE_LINES) keep(session, placeholder, '');
      else if (this.bytes) {
        if (session.pendingBuf !== this.buf) {
          if (session.pendingBuf !== undefined) this.settleLines(session);
          session.pendingBuf = this.buf;
        }
        keep(session, placeholder, '');
        if (session.pending === NO_NUMBERS) session.pending = [index, this.s, this.e];
        else session.pending.push(index, this.s, this.e);
      } else keep(session, placeholder, this.lineText());
    }
    switch (kind) {
      case C_ESTABLISHED:
        session.starttls = true;
        session.established = true;
        session.protocol = this.tlsNames.get(this.buf, this.aStart, this.aEnd);
        session.cipher = this.tlsNames.get(this.buf, this.bStart, this.bEnd);
        this.dropPlaceholders(session);
        break;
      case C_CLIENT: {
        const queueId = latin1(this.buf, this.bStart, this.bEnd);
        addQueueId(session, queueId);
        break;
      }
      case C_DELIVERY_SENT:
        session.sentDeliveries++;
        break;
      default:
        break;
    }
  }

  /**
   * Once TLS is established `classify` can no longer answer `unknown` from the session's own lines, so the lines
   * kept for that (and their placeholders) can go; the events of the slow path stay.
   */
  private dropPlaceholders(session: LeanSession): void {
    if (!session.keepAll) return;
    session.keepAll = false;
    session.pendingBuf = undefined;
    session.pending = NO_NUMBERS;
    if (session.events.length === session.rich) return;
    if (session.rich === 0) {
      session.events = NO_EVENTS;
      session.lines = NO_STRINGS;
      return;
    }
    const events: TlsEvent[] = [];
    const lines: string[] = [];
    for (let i = 0; i < session.events.length; i++) {
      const event = session.events[i] as TlsEvent;
      if (event === PLACEHOLDER || event === SETUP_PLACEHOLDER) continue;
      events.push(event);
      lines.push(session.lines[i] as string);
    }
    session.events = events;
    session.lines = lines;
  }

  private close(session: LeanSession): void {
    const pid = session.pid;
    let head = this.openOf(pid);
    if (head === session) this.setOpen(pid, session.samePid);
    else {
      while (head !== undefined && head.samePid !== session) head = head.samePid;
      if (head !== undefined) head.samePid = session.samePid;
    }
    if (session.older !== undefined) session.older.newer = session.newer;
    else this.oldest = session.newer;
    if (session.newer !== undefined) session.newer.older = session.older;
    else this.newest = session.older;
    this.openCount--;
    if (session.proxyClient && this.sawSmtp) {
      session.lastBuf = undefined;
      session.startBuf = undefined;
      session.pendingBuf = undefined;
      return;
    }

    const end = session.lastBuf === undefined ? this.iso(session.lastKind, session.lastRaw) : this.isoOfBytes(session.lastKind, session.lastBuf, session.lastS, session.lastE);
    let failure: Diagnosis | undefined;
    // Without kept events, context or a STARTTLS that did not complete, `classify` has nothing to say.
    const mayFail = session.rich > 0 || session.processContext !== undefined || (session.starttls && !session.established);
    if (mayFail) {
      if (session.pendingBuf !== undefined) this.settleLines(session);
      failure = this.classify(session);
    }
    let plaintext = 0;
    let protocol = session.protocol;
    let cipher = session.cipher;
    if (tlsNotLogged(protocol !== undefined, failure, session.commands)) {
      protocol = NOT_LOGGED;
      cipher = NOT_LOGGED;
    } else if (protocol === undefined) plaintext = session.smtpd ? session.queueIds.length : session.sentDeliveries;
    if (session.proxyClient) {
      // Held back (see `SessionTracker.hold`).
      const start = this.iso(session.startKind, this.startRawOf(session));
      const counts = session.counts;
      this.held.push(() => {
        if (counts !== undefined) this.analyzer.addToPeer(counts, session.name, end ?? start, protocol, cipher, failure, plaintext, true);
        else this.analyzer.addParts(session.name, session.addr, start, end, protocol, cipher, failure, plaintext, true);
      });
      if (this.held.length > MAX_HELD_PROXY_SESSIONS) (this.held.shift() as () => void)();
    } else if (session.counts !== undefined) {
      this.analyzer.addToPeer(session.counts, session.name, end ?? this.iso(session.startKind, this.startRawOf(session)), protocol, cipher, failure, plaintext, true);
    } else {
      this.analyzer.addParts(session.name, session.addr, this.iso(session.startKind, this.startRawOf(session)), end, protocol, cipher, failure, plaintext, true);
    }
    // Closed: nothing left for `settle` to decode.
    session.lastBuf = undefined;
    session.startBuf = undefined;
    session.pendingBuf = undefined;
  }

  private classify(lean: LeanSession): Diagnosis | undefined {
    const analyzer = this;
    const session: Session = {
      ordinal: 0, side: lean.smtpd ? 'smtpd' : 'smtp', service: lean.service, pid: lean.pid,
      peer: lean.port < 0 ? { name: lean.name, addr: lean.addr } : { name: lean.name, addr: lean.addr, port: lean.port }, events: lean.events, lines: lean.lines, eventLines: lean.lines,
      starttls: lean.starttls, queueIds: lean.queueIds, complete: lean.complete,
      // Few diagnoses read the start (a bare return code's wait, see `classify`): it is decoded only when read.
      get start(): string | undefined {
        return analyzer.iso(lean.startKind, analyzer.startRawOf(lean));
      },
    };
    if (lean.processContext !== undefined) session.processContext = lean.processContext;
    if (lean.commands !== undefined) session.commands = lean.commands;
    if (lean.protocol !== undefined) session.tls = { trust: 'Anonymous', protocol: lean.protocol, cipher: lean.cipher ?? '' };
    const hints: LogHints = { ...this.hints };
    const postfix = this.hints.postfixVersion ?? this.inference.postfix;
    if (postfix !== undefined) hints.postfixVersion = postfix;
    const inferred = this.inference.openssl;
    if (inferred !== undefined) hints.inferredOpenssl = inferred;
    return classifyCountOnly(session, hints, this.knownClass);
  }

  private processKey(): string {
    return `${this.hostStart >= 0 ? this.text(this.hostStart, this.hostEnd) : ''}|${this.text(this.progStart, this.progEnd)}|${this.pid}`;
  }

  private remember(): void {
    rememberProcessContext(this.contexts, this.processKey(), this.event as TlsEvent, this.lineText());
  }
}
