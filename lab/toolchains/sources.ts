import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { LabError } from '../errors.ts';
import { cacheDir, TOOLCHAINS_DIR } from '../paths.ts';
import { loadYamlFile } from '../validation.ts';
import type { Toolchain } from './model.ts';
import { lineage } from './registry.ts';

/** The lockfile that pins every release tarball by file name and SHA-256. */
export const SOURCES_LOCK_FILE = join(TOOLCHAINS_DIR, 'sources.lock.yaml');

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex (64 digits)');

export const pinnedSourceSchema = z
  .object({
    file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*\.(tar\.gz|tgz|tar\.xz|tar\.bz2)$/, 'a tarball file name, no directories'),
    /** null: no independently known checksum, so the file is used only after explicit trust. */
    sha256: sha256Schema.nullable(),
    /** Where the checksum comes from, for a human deciding whether to trust it. */
    checksumFrom: z.string().min(1),
    /** Official download locations, tried in order by `tlslab sources fetch`. */
    urls: z.array(z.url()).min(1),
  })
  .strict();

export const sourcesLockSchema = z
  .object({ sources: z.array(pinnedSourceSchema) })
  .strict()
  .superRefine((lock, ctx) => {
    const seen = new Map<string, number>();
    lock.sources.forEach((source, index) => {
      const first = seen.get(source.file);
      if (first === undefined) seen.set(source.file, index);
      else ctx.addIssue({ code: 'custom', path: ['sources', index, 'file'], message: `"${source.file}" is already pinned at sources[${first}]` });
    });
  });

export type PinnedSource = z.infer<typeof pinnedSourceSchema>;
export type SourcesLock = z.infer<typeof sourcesLockSchema>;

export interface SourceOptions {
  /** Where tarballs are kept. Default: TLSLAB_SOURCES_DIR, else `<cacheDir()>/sources`. */
  sourcesDir?: string;
  /**
   * Use tarballs whose checksum is unknown or does not match the lockfile.
   * Default: TLSLAB_ALLOW_UNVERIFIED_SOURCES=1, else false.
   */
  allowUnverified?: boolean;
  /** Lockfile to read. Default: images/toolchains/sources.lock.yaml. */
  lockFile?: string;
  env?: NodeJS.ProcessEnv;
}

export function sourcesDir(options: SourceOptions = {}): string {
  const env = options.env ?? process.env;
  if (options.sourcesDir) return resolve(options.sourcesDir);
  if (env.TLSLAB_SOURCES_DIR) return resolve(env.TLSLAB_SOURCES_DIR);
  return join(cacheDir(env), 'sources');
}

export function allowsUnverified(options: SourceOptions = {}): boolean {
  return options.allowUnverified ?? (options.env ?? process.env).TLSLAB_ALLOW_UNVERIFIED_SOURCES === '1';
}

export async function loadSourcesLock(file: string = SOURCES_LOCK_FILE): Promise<SourcesLock> {
  return loadYamlFile(file, sourcesLockSchema, 'LAB_INPUT_INVALID');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * Contents the user trusted explicitly (`sources add --allow-unverified`), by file name and SHA-256.
 * Kept in the sources directory, so that a build later needs no flag for the very same bytes.
 */
const TRUST_FILE = 'trusted.json';

async function readTrusted(dir: string): Promise<Record<string, string>> {
  try {
    return z.record(z.string(), sha256Schema).parse(JSON.parse(await readFile(join(dir, TRUST_FILE), 'utf8')));
  } catch {
    return {};
  }
}

async function recordTrust(dir: string, file: string, sha256: string): Promise<void> {
  const trusted = await readTrusted(dir);
  trusted[file] = sha256;
  await writeFile(join(dir, TRUST_FILE), `${JSON.stringify(trusted, null, 2)}\n`);
}

/**
 * present: the checksum matches the lockfile; unverified: no pinned checksum; mismatch: the file
 * differs from the pinned checksum; missing: not in the sources directory.
 */
export type SourceState = 'present' | 'missing' | 'unverified' | 'mismatch';

export interface SourceStatus {
  file: string;
  state: SourceState;
  /** Pinned checksum; null when none is known. */
  sha256: string | null;
  /** Checksum of the file on disk, when it exists. */
  actualSha256?: string;
  /** The user trusted exactly these bytes (unverified or mismatching) with --allow-unverified. */
  trusted: boolean;
  path: string;
  urls: string[];
  checksumFrom: string;
}

async function statusOf(source: PinnedSource, dir: string, trusted: Record<string, string>): Promise<SourceStatus> {
  const path = join(dir, source.file);
  const base = { file: source.file, sha256: source.sha256, path, urls: source.urls, checksumFrom: source.checksumFrom };
  const exists = await stat(path).then((s) => s.isFile(), () => false);
  if (!exists) return { ...base, state: 'missing', trusted: false };
  const actualSha256 = await sha256OfFile(path);
  const state: SourceState = source.sha256 === null ? 'unverified' : source.sha256 === actualSha256 ? 'present' : 'mismatch';
  return { ...base, state, actualSha256, trusted: state !== 'present' && trusted[source.file] === actualSha256 };
}

/** Every pinned tarball with its state in the sources directory. */
export async function listSources(options: SourceOptions = {}): Promise<SourceStatus[]> {
  const lock = await loadSourcesLock(options.lockFile);
  const dir = sourcesDir(options);
  const trusted = await readTrusted(dir);
  return Promise.all(lock.sources.map((source) => statusOf(source, dir, trusted)));
}

function pinned(lock: SourcesLock, file: string): PinnedSource {
  const source = lock.sources.find((s) => s.file === file);
  if (!source) {
    throw new LabError(
      'LAB_INPUT_INVALID',
      `"${file}" is not a pinned source. Pinned: ${lock.sources.map((s) => s.file).join(', ')} (see images/toolchains/sources.lock.yaml)`,
      { context: { file } },
    );
  }
  return source;
}

function addCommand(source: PinnedSource, from = `/path/to/${source.file}`): string {
  return `tlslab sources add ${from}${source.sha256 === null ? ' --allow-unverified' : ''}`;
}

/** The message for a tarball that is not there: the file, its checksum, where it goes and how. */
export function missingSourceMessage(source: PinnedSource, dir: string, neededBy?: string): string {
  return [
    `${source.file} is missing${neededBy ? ` (needed by toolchain ${neededBy})` : ''}.`,
    `  sha256: ${source.sha256 ?? 'none pinned: the file needs explicit trust'}`,
    `  download: ${source.urls.join(' or ')}`,
    `  put it in ${dir} with: ${addCommand(source)}`,
    `  or let the lab download it: tlslab sources fetch ${source.file}${source.sha256 === null ? ' --allow-unverified' : ''}`,
  ].join('\n');
}

function untrustedMessage(source: PinnedSource, actual: string, where: string): string {
  const why = source.sha256 === null
    ? `${source.file} has no pinned checksum (${source.checksumFrom})`
    : `${source.file} does not match its pinned checksum: expected ${source.sha256}`;
  return `${why}; ${where} has sha256 ${actual}. ` +
    'Use it only if you trust these bytes: pass --allow-unverified or set TLSLAB_ALLOW_UNVERIFIED_SOURCES=1.';
}

/** Whether a file on disk may go into a build, given the lockfile, recorded trust and the options. */
function acceptable(status: SourceStatus, options: SourceOptions): boolean {
  return status.state === 'present' || status.trusted || allowsUnverified(options);
}

export interface AddedSource {
  file: string;
  path: string;
  sha256: string;
  verified: boolean;
}

/**
 * Stores a tarball in the sources directory after checking it against the lockfile. A file whose
 * checksum is unknown or differs is refused (LAB_SOURCE_UNTRUSTED) unless unverified sources are
 * allowed; then its exact checksum is recorded as trusted.
 */
export async function addSource(file: string, options: SourceOptions & { name?: string } = {}): Promise<AddedSource> {
  const lock = await loadSourcesLock(options.lockFile);
  const source = pinned(lock, options.name ?? basename(file));
  const actual = await sha256OfFile(file).catch((cause: unknown) => {
    throw new LabError('LAB_INPUT_INVALID', `cannot read ${file}: ${(cause as Error).message}`, { context: { file }, cause });
  });
  const verified = source.sha256 === actual;
  if (!verified && !allowsUnverified(options)) {
    throw new LabError('LAB_SOURCE_UNTRUSTED', untrustedMessage(source, actual, file), {
      context: { file: source.file, expected: source.sha256, actual },
    });
  }
  const dir = sourcesDir(options);
  await mkdir(dir, { recursive: true });
  const target = join(dir, source.file);
  if (resolve(file) !== target) {
    const partial = `${target}.partial`;
    await copyFile(file, partial);
    await rename(partial, target);
  }
  if (!verified) await recordTrust(dir, source.file, actual);
  return { file: source.file, path: target, sha256: actual, verified };
}

export interface FetchOptions extends SourceOptions {
  /** Per-URL deadline for connecting and downloading. Default: 15 s. */
  timeoutMs?: number;
  /** Replaces the lockfile's URLs (mirrors, tests). */
  urls?: string[];
}

/**
 * Downloads a pinned tarball from its official URLs, one after another, each with a deadline, and
 * stores it as `addSource` would. Fails with LAB_SOURCE_MISSING naming every URL and why it failed.
 */
export async function fetchSource(file: string, options: FetchOptions = {}): Promise<AddedSource> {
  const lock = await loadSourcesLock(options.lockFile);
  const source = pinned(lock, file);
  const dir = sourcesDir(options);
  await mkdir(dir, { recursive: true });
  const partial = join(dir, `${source.file}.download`);
  const failures: string[] = [];
  for (const url of options.urls ?? source.urls) {
    const started = Date.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 15_000), redirect: 'follow' });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(partial));
      const added = await addSource(partial, { ...options, name: source.file });
      return added;
    } catch (error) {
      if (error instanceof LabError && error.code === 'LAB_SOURCE_UNTRUSTED') throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      failures.push(`  ${url}: ${error instanceof Error ? error.message : String(error)}${cause} (after ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } finally {
      await rm(partial, { force: true });
    }
  }
  throw new LabError(
    'LAB_SOURCE_MISSING',
    `Could not download ${source.file}:\n${failures.join('\n')}\n` +
      `Without network access, download it elsewhere (sha256 ${source.sha256 ?? 'not pinned'}) and run: ${addCommand(source)}`,
    { context: { file: source.file, failures } },
  );
}

export interface ResolvedSources {
  /** Build-context name (the tarball's file name) to its absolute path. */
  files: Map<string, string>;
  /** Files used without a matching pinned checksum (trusted or allowed explicitly). */
  unverified: string[];
}

/**
 * The tarballs one toolchain's own recipe needs (not its parents'), checked and ready to copy into
 * the build context. Missing files raise LAB_SOURCE_MISSING with the file, its checksum and the
 * exact command to add it; a file that is not verified and not trusted raises LAB_SOURCE_UNTRUSTED.
 */
export async function resolveToolchainSources(toolchain: Toolchain, options: SourceOptions = {}): Promise<ResolvedSources> {
  const result: ResolvedSources = { files: new Map(), unverified: [] };
  if (toolchain.sources.length === 0) return result;
  const lock = await loadSourcesLock(options.lockFile);
  const dir = sourcesDir(options);
  const trusted = await readTrusted(dir);
  for (const file of toolchain.sources) {
    const source = pinned(lock, file);
    const status = await statusOf(source, dir, trusted);
    if (status.state === 'missing') {
      throw new LabError('LAB_SOURCE_MISSING', missingSourceMessage(source, dir, toolchain.name), {
        context: { file, sha256: source.sha256, dir, toolchain: toolchain.name },
      });
    }
    if (!acceptable(status, options)) {
      throw new LabError('LAB_SOURCE_UNTRUSTED', untrustedMessage(source, status.actualSha256 ?? '', status.path), {
        context: { file, expected: source.sha256, actual: status.actualSha256, toolchain: toolchain.name },
      });
    }
    if (status.state !== 'present') result.unverified.push(file);
    result.files.set(file, status.path);
  }
  return result;
}

/** Files missing for a toolchain and every parent it builds on; empty when all are there. */
export async function missingSourcesOf(toolchains: Map<string, Toolchain>, name: string, options: SourceOptions = {}): Promise<string[]> {
  const needed = lineage(toolchains, name).flatMap((t) => t.sources);
  if (needed.length === 0) return [];
  const dir = sourcesDir(options);
  const missing: string[] = [];
  for (const file of needed) {
    if (!(await stat(join(dir, file)).then((s) => s.isFile(), () => false))) missing.push(file);
  }
  return missing;
}
