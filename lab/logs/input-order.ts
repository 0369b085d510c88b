import { stat } from 'node:fs/promises';
import { copiesAmong, instantOf, lastInstant, type FileSpan } from './overlapping-files.ts';
import { readLogChunks } from './read-lines.ts';

/** How far into a file its first time stamp is looked for. */
const PEEK_LINES = 1000;

/**
 * The files in the order their logs were written, oldest first, by the time of each one's first stamped line.
 * A shell lists rotated logs newest first (`mail.log mail.log.1 mail.log.2.gz`), and a session that a rotation
 * cut would otherwise be read as two halves: its end before its start. The given order stands when stdin is among
 * them, or when a file has no stamped line near its start; files that start at the same time keep theirs.
 */
export async function inTimeOrder(sources: readonly string[], year?: number): Promise<string[]> {
  return orderOf(sources, await firstInstants(sources, year));
}

/** Each file's first instant, or undefined when stdin is among them or a file has none near its start. */
async function firstInstants(sources: readonly string[], year: number | undefined): Promise<Map<string, number> | undefined> {
  if (sources.length < 2 || sources.includes('-')) return undefined;
  const starts = new Map<string, number>();
  for (const source of sources) {
    const at = await firstInstant(source, year);
    if (at === undefined) return undefined;
    starts.set(source, at);
  }
  return starts;
}

function orderOf(sources: readonly string[], starts: ReadonlyMap<string, number> | undefined): string[] {
  if (starts === undefined) return [...sources];
  return sources.map((source, given) => ({ source, at: starts.get(source) as number, given }))
    .sort((a, b) => a.at - b.at || a.given - b.given).map(({ source }) => source);
}

/**
 * What a reader reads: stdin when no source is given, else `inTimeOrder`; `changed` when that is not the given
 * order; `copies`, the files not to read as they are copies of another given one (see overlapping-files.ts).
 */
export async function readingOrder(sources: readonly string[], year?: number): Promise<{ order: string[]; changed: boolean; copies: Map<string, string> }> {
  if (sources.length === 0) return { order: ['-'], changed: false, copies: new Map() };
  const starts = await firstInstants(sources, year);
  const order = orderOf(sources, starts);
  const changed = order.some((source, i) => source !== sources[i]);
  if (starts === undefined) return { order, changed, copies: new Map() };
  const spans: FileSpan[] = [];
  for (const source of order) {
    spans.push({ source, first: starts.get(source) as number, last: await lastInstant(source, year), size: (await stat(source)).size });
  }
  return { order, changed, copies: await copiesAmong(spans, year) };
}

/** The instant of the file's first stamped line (a classic stamp in local time), from its first chunk. */
async function firstInstant(source: string, year: number | undefined): Promise<number | undefined> {
  for await (const chunk of readLogChunks(source)) {
    for (const line of chunk.toString('utf8').split('\n', PEEK_LINES)) {
      const at = instantOf(line, year);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  return undefined;
}
