import { open, stat } from 'node:fs/promises';
import { asSyslogLine } from './json-lines.ts';
import { isoTimestamp, newHeaderScan, scanHeader, stampYear } from './line-header.ts';
import { isGzipFile } from './read-lines.ts';

/*
 * Logs given together that cover the same time: mail.log with mail.warn or mail.err (rsyslog writes a warning to
 * each), or with syslog. Read one after the other, a line copied into two of them would count twice, and a copied
 * warning would stand as a failure of its own, outside its session. Such files are read together instead, merged by
 * time, and a line that another of them gave already is counted once.
 */

/** When a file's logging starts and ends (epoch ms), as far as its stamps tell; `last` is unknown for gzip. */
export interface FileSpan {
  source: string;
  first: number;
  last: number | undefined;
}

/**
 * The groups of files whose spans overlap, each oldest first; files that overlap no other are in no group. A file
 * whose end is unknown spans its first stamp alone: a rotated, compressed log ends where the next one starts.
 */
export function overlappingGroups(spans: readonly FileSpan[]): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const span of [...spans].sort((a, b) => a.first - b.first)) {
    const last = span.last ?? span.first;
    if (current.length > 0 && span.first <= end) {
      current.push(span.source);
      end = Math.max(end, last);
      continue;
    }
    if (current.length > 1) groups.push(current);
    current = [span.source];
    end = last;
  }
  if (current.length > 1) groups.push(current);
  return groups;
}

/** How much of a file's end is searched for its last stamp. */
const TAIL_BYTES = 64 << 10;

/** The instant of a plain file's last stamped line; undefined for gzip, or without one in its last 64 KB. */
export async function lastInstant(source: string, year: number | undefined): Promise<number | undefined> {
  if (await isGzipFile(source)) return undefined;
  const { size } = await stat(source);
  const handle = await open(source, 'r');
  try {
    const length = Math.min(size, TAIL_BYTES);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const lines = tail.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const at = instantOf(lines[i] as string, year);
      if (at !== undefined) return at;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

const SCAN = newHeaderScan();

/** The instant of a line's stamp (a classic stamp in local time), if it has one: its header alone is read. */
export function instantOf(line: string, year: number | undefined): number | undefined {
  const text = asSyslogLine(line.replace(/\r$/, ''));
  if (!scanHeader(text, SCAN)) return undefined;
  const stamps = stampYear(year);
  const timestamp = isoTimestamp(text, SCAN, stamps.year, stamps.latestDay);
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(at) ? undefined : at;
}

/** How long a line is remembered to catch its copy in another file: the files' clocks are the same one. */
const COPY_WINDOW_MS = 10_000;
const BATCH_LINES = 4096;

interface Head {
  lines: AsyncIterator<string[]>;
  batch: string[];
  index: number;
  /**
   * The instant of the head line; a line without a stamp takes its file's last one, so where it falls among the
   * other files' lines is a guess (logs that syslog writes stamp every line).
   */
  at: number;
  done: boolean;
}

/**
 * The lines of several logs merged by time, each file's own order kept, the lines of the same instant from the
 * first file first; a line that another of the files gave within about `COPY_WINDOW_MS` before it is dropped and
 * counted in `copies.count`. `batches` reads one file's lines.
 */
export async function* mergedLines(
  sources: readonly string[], batches: (source: string) => AsyncIterable<string[]>, year: number | undefined, copies: { count: number },
): AsyncGenerator<string[]> {
  const heads: Head[] = [];
  const advance = async (head: Head): Promise<void> => {
    head.index++;
    while (head.index >= head.batch.length) {
      const next = await head.lines.next();
      if (next.done === true) {
        head.done = true;
        return;
      }
      head.batch = next.value;
      head.index = 0;
    }
    head.at = instantOf(head.batch[head.index] as string, year) ?? head.at;
  };
  for (const source of sources) {
    const head: Head = { lines: batches(source)[Symbol.asyncIterator](), batch: [], index: -1, at: Number.NEGATIVE_INFINITY, done: false };
    await advance(head);
    heads.push(head);
  }
  // Recent lines by text: the file that gave each, and when.
  const recent = new Map<string, { file: number; at: number }>();
  let out: string[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i] as Head;
      if (!head.done && (pick < 0 || head.at < (heads[pick] as Head).at)) pick = i;
    }
    if (pick < 0) break;
    const head = heads[pick] as Head;
    const line = head.batch[head.index] as string;
    const seen = recent.get(line);
    // A stamped line and its copy carry the same stamp; the window bounds how long lines are remembered.
    if (seen !== undefined && seen.file !== pick) copies.count++;
    else {
      out.push(line);
      recent.set(line, { file: pick, at: head.at });
      if (out.length >= BATCH_LINES) {
        yield out;
        out = [];
        for (const [text, { at }] of recent) if (head.at - at > COPY_WINDOW_MS) recent.delete(text);
      }
    }
    await advance(head);
  }
  if (out.length > 0) yield out;
}
