import { stat } from 'node:fs/promises';
import { instantOf, lastInstant, overlappingGroups, type FileSpan } from './overlapping-files.ts';
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
  if (sources.length < 2 || sources.includes('-')) return [...sources];
  const starts: { source: string; at: number; given: number }[] = [];
  for (const [given, source] of sources.entries()) {
    const at = await firstInstant(source, year);
    if (at === undefined) return [...sources];
    starts.push({ source, at, given });
  }
  return starts.sort((a, b) => a.at - b.at || a.given - b.given).map(({ source }) => source);
}

/**
 * What a reader reads: stdin when no source is given, else `inTimeOrder`; `changed` when that is not the given
 * order; `together`, the groups of files that cover the same time, to read merged (see overlapping-files.ts).
 */
export async function readingOrder(sources: readonly string[], year?: number): Promise<{ order: string[]; changed: boolean; together: string[][] }> {
  if (sources.length === 0) return { order: ['-'], changed: false, together: [] };
  const order = await inTimeOrder(sources, year);
  return { order, changed: order.some((source, i) => source !== sources[i]), together: await overlapping(order, year) };
}

async function overlapping(order: readonly string[], year: number | undefined): Promise<string[][]> {
  if (order.length < 2 || order.includes('-')) return [];
  const spans: FileSpan[] = [];
  for (const source of order) {
    const first = await firstInstant(source, year);
    if (first === undefined) return [];
    spans.push({ source, first, last: await lastInstant(source, year) });
  }
  // The fullest file first: it wins the lines of the same second, whose order within it is the order they happened.
  const sizes = new Map(await Promise.all(order.map(async (source) => [source, (await stat(source)).size] as const)));
  return overlappingGroups(spans).map((group) => group.sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0)));
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

/** The files in reading order, a group of `together` in the place of its oldest file, each other file alone. */
export function readingUnits(order: readonly string[], together: readonly string[][]): string[][] {
  const grouped = new Map(together.flatMap((group) => group.map((source) => [source, group] as const)));
  const placed = new Set<string[]>();
  const units: string[][] = [];
  for (const source of order) {
    const group = grouped.get(source);
    if (group === undefined) units.push([source]);
    else if (!placed.has(group)) {
      placed.add(group);
      units.push(group);
    }
  }
  return units;
}
