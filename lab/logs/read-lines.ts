import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';

export interface ReadLogOptions {
  /** Stream read for source `-`. Default: process.stdin. */
  stdin?: Readable;
}

const CHUNK_BYTES = 1 << 20;
/** A "line" longer than this is cut, so input without newlines cannot grow memory without bound. */
const MAX_LINE_BYTES = 16 << 20;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function* chunksOf(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/** Stdin cannot be peeked, so its first chunk decides and is then put back in front of the rest. */
async function* maybeGunzip(stream: Readable): AsyncGenerator<Buffer> {
  const chunks = chunksOf(stream);
  const first = await chunks.next();
  if (first.done === true) return;
  async function* whole(): AsyncGenerator<Buffer> {
    yield first.value;
    yield* chunks;
  }
  if (!isGzip(first.value)) {
    yield* whole();
    return;
  }
  yield* chunksOf(Readable.from(whole()).pipe(createGunzip()));
}

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const gzip = await isGzipFile(path);
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  yield* chunksOf(gzip ? raw.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : raw);
}

/**
 * The raw bytes of a log, decompressed when it is gzip, in chunks of about 1 MB. `source` is a path or `-` for stdin.
 */
export function readLogChunks(source: string, options: ReadLogOptions = {}): AsyncGenerator<Buffer> {
  return source === '-' ? maybeGunzip(options.stdin ?? process.stdin) : fileChunks(source);
}

/** True when the file starts with the gzip magic bytes. */
export async function isGzipFile(path: string): Promise<boolean> {
  return isGzip(await firstBytes(path));
}

/** Whether a file starts with the byte-order mark of UTF-16 (see `isUtf16`). */
export async function isUtf16File(path: string): Promise<boolean> {
  return isUtf16(await firstBytes(path));
}

async function firstBytes(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(2);
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  return magic;
}

/**
 * The lines of a log, in batches of one read chunk each (about 1 MB of text). `source` is a path or `-` for
 * stdin; gzip input is recognised by its magic bytes, not its name. Lines lose their `\n` and any `\r`.
 */
export async function* readLogBatches(source: string, options: ReadLogOptions = {}): AsyncGenerator<string[]> {
  const chunks = source === '-' ? maybeGunzip(options.stdin ?? process.stdin) : fileChunks(source);
  // A newline byte never occurs inside a UTF-8 sequence, so decoding up to the last one never splits a character.
  let carry: Buffer | undefined;
  for await (const chunk of chunks) {
    const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    const last = bytes.lastIndexOf(10);
    if (last < 0) {
      carry = bytes;
      if (carry.length > MAX_LINE_BYTES) {
        yield [carry.toString('utf8')];
        carry = undefined;
      }
      continue;
    }
    carry = last + 1 < bytes.length ? Buffer.from(bytes.subarray(last + 1)) : undefined;
    yield splitLines(bytes, last + 1);
  }
  if (carry !== undefined && carry.length > 0) yield splitLines(carry, carry.length);
}

/**
 * Lines of `bytes[0, end)`; a final line without newline counts, CR before LF goes. Each line is decoded on its
 * own: a slice of one big decoded string would pin the whole chunk in memory for as long as any line of it
 * is kept (open sessions, evidence), which breaks constant memory on long streams.
 */
function splitLines(bytes: Buffer, end: number): string[] {
  const batch: string[] = [];
  let start = 0;
  while (start < end) {
    let newline = bytes.indexOf(10, start);
    if (newline < 0 || newline >= end) newline = end;
    const stop = newline > start && bytes[newline - 1] === 13 ? newline - 1 : newline;
    batch.push(bytes.toString('utf8', start, stop));
    start = newline + 1;
  }
  return batch;
}

/** Whether the bytes start with the byte-order mark of UTF-16, as Windows editors and PowerShell write text. */
export function isUtf16(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
}

function textOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.toString('utf16le', 2);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2)));
    return swapped.swap16().toString('utf16le');
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.toString('utf8', 3) : bytes.toString('utf8');
}

/**
 * The lines of a whole log file read at once, for an excerpt: gzip or not, UTF-8 (with or without its byte-order
 * mark) or UTF-16 with its mark. Lines as `readLogBatches` gives them; `recoded` tells that the text was converted
 * or lost its mark, so that reading the file as it comes would give other lines.
 */
export async function readWholeLog(path: string): Promise<{ lines: string[]; recoded: boolean }> {
  return linesOfBytes(await readFile(path));
}

/** `readWholeLog` of a stream (stdin), read to its end. */
export async function readWholeStream(stream: Readable): Promise<{ lines: string[]; recoded: boolean }> {
  const chunks: Buffer[] = [];
  for await (const chunk of chunksOf(stream)) chunks.push(chunk);
  return linesOfBytes(Buffer.concat(chunks));
}

function linesOfBytes(read: Buffer): { lines: string[]; recoded: boolean } {
  let bytes = read;
  if (isGzip(bytes)) bytes = gunzipSync(bytes);
  const text = textOf(bytes);
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (text.endsWith('\n')) lines.pop();
  const recoded = isUtf16(bytes) || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
  return { lines: text === '' ? [] : lines, recoded };
}

/** The lines of a log one by one; see `readLogBatches`, which is faster for large files. */
export async function* readLogLines(source: string, options: ReadLogOptions = {}): AsyncGenerator<string> {
  for await (const batch of readLogBatches(source, options)) yield* batch;
}
