import { open, stat } from 'node:fs/promises';
import { asSyslogLine } from './json-lines.ts';
import { isoTimestamp, newHeaderScan, scanHeader, stampYear } from './line-header.ts';
import { isGzipFile, readLogChunks } from './read-lines.ts';

/*
 * Logs given together that hold copies of one another: mail.log with mail.warn or mail.err (rsyslog writes a warning
 * to each), or with syslog. Read one after the other, a copied line would count twice, and a copied warning would
 * stand as a failure of its own, outside its session. A file whose time lies within a larger one's, and whose first
 * Postfix lines that larger file holds too, is such a copy, and is not read.
 */

/** When a file's logging starts and ends (epoch ms), as far as its stamps tell; `last` is unknown for gzip. */
export interface FileSpan {
  source: string;
  first: number;
  last: number | undefined;
  size: number;
}

/** How many of a file's first stamped Postfix lines another must hold for the file to be its copy. */
const SAMPLE_LINES = 10;
/** How far past the sample's last stamp the larger file is searched: their clocks are the same one. */
const SEARCH_SLACK_MS = 60_000;
/** How much of a file's end is searched for its last stamp. */
const TAIL_BYTES = 64 << 10;

/**
 * The files that are copies of another given file, each with the file it copies: a smaller file whose span lies within
 * a larger one's, whose first stamped Postfix lines the larger one holds as they are. A compressed file, whose end is
 * not read, is neither.
 */
export async function copiesAmong(spans: readonly FileSpan[], year: number | undefined): Promise<Map<string, string>> {
  const copies = new Map<string, string>();
  const bySize = [...spans].sort((a, b) => b.size - a.size);
  for (const [i, copy] of bySize.entries()) {
    if (copy.last === undefined) continue;
    const sample = await firstPostfixLines(copy.source, year);
    if (sample.length === 0) continue;
    for (const original of bySize.slice(0, i)) {
      if (copies.has(original.source) || original.last === undefined) continue;
      if (copy.first < original.first || copy.last > original.last) continue;
      if (await holdsAll(original.source, sample, year)) {
        copies.set(copy.source, original.source);
        break;
      }
    }
  }
  return copies;
}

/** The first `SAMPLE_LINES` stamped Postfix lines of a file, with their instants. */
async function firstPostfixLines(source: string, year: number | undefined): Promise<{ line: string; at: number }[]> {
  const sample: { line: string; at: number }[] = [];
  for await (const chunk of readLogChunks(source)) {
    for (const raw of chunk.toString('utf8').split('\n').slice(0, -1)) {
      const line = raw.replace(/\r$/, '');
      const stamp = stampOf(line, year);
      if (stamp?.postfix === true) sample.push({ line, at: stamp.at });
      if (sample.length === SAMPLE_LINES) return sample;
    }
    return sample;
  }
  return sample;
}

/** Whether a file holds every sample line, searched as bytes up to a minute past the sample's last stamp. */
async function holdsAll(source: string, sample: readonly { line: string; at: number }[], year: number | undefined): Promise<boolean> {
  const wanted = new Map(sample.map(({ line }) => [line, Buffer.from(line)]));
  const until = Math.max(...sample.map(({ at }) => at)) + SEARCH_SLACK_MS;
  let carry = Buffer.alloc(0);
  for await (const chunk of readLogChunks(source)) {
    const bytes = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    for (const [line, needle] of wanted) if (bytes.includes(needle)) wanted.delete(line);
    if (wanted.size === 0) return true;
    const lastNewline = bytes.lastIndexOf(10, bytes.length - 2);
    const lastLine = bytes.subarray(lastNewline + 1).toString('utf8');
    const at = instantOf(lastLine, year);
    if (at !== undefined && at > until) return false;
    // A sample line may straddle two chunks.
    carry = Buffer.from(bytes.subarray(Math.max(0, lastNewline + 1)));
  }
  return false;
}

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

/** The instant of a line's stamp (a classic stamp in local time), and whether a Postfix daemon wrote it; its header alone is read. */
function stampOf(line: string, year: number | undefined): { at: number; postfix: boolean } | undefined {
  const text = asSyslogLine(line.replace(/\r$/, ''));
  if (!scanHeader(text, SCAN)) return undefined;
  const stamps = stampYear(year);
  const timestamp = isoTimestamp(text, SCAN, stamps.year, stamps.latestDay);
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
  return Number.isNaN(at) ? undefined : { at, postfix: SCAN.daemonStart >= 0 };
}

/** The instant of a line's stamp (a classic stamp in local time), if it has one. */
export function instantOf(line: string, year: number | undefined): number | undefined {
  return stampOf(line, year)?.at;
}
