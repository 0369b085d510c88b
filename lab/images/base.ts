import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectEngine, followProgress, imageExists, type Engine } from '../docker/engine.ts';
import { LABEL } from '../docker/labels.ts';
import { LabError, tail } from '../errors.ts';
import type { ProgressSink } from './progress.ts';
import { silentProgress } from './progress.ts';

/** Debian releases the lab can build on; any release debootstrap knows works the same way. */
export type DebianRelease = string;

export const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

export function baseImageTag(release: DebianRelease): string {
  return `tlslab/base:${release}`;
}

export interface BaseImageOptions {
  /** Debian mirror for debootstrap. Default: TLSLAB_DEBIAN_MIRROR, then deb.debian.org. */
  mirror?: string;
  /** Skip the registry and bootstrap at once. Default: false (try `debian:<release>-slim` first). */
  offline?: boolean;
  progress?: ProgressSink;
}

/**
 * Makes `tlslab/base:<release>` exist: kept if present, else pulled from the registry as
 * `debian:<release>-slim`, else bootstrapped from a Debian mirror with debootstrap and imported.
 */
export async function ensureBaseImage(
  engine: Engine,
  release: DebianRelease,
  options: BaseImageOptions = {},
): Promise<string> {
  const tag = baseImageTag(release);
  if (await imageExists(engine, tag)) return tag;
  const progress = options.progress ?? silentProgress;
  if (!options.offline && (await pullBase(engine, release, tag, progress))) return tag;
  await bootstrapBase(engine, release, tag, options.mirror ?? process.env.TLSLAB_DEBIAN_MIRROR ?? DEFAULT_MIRROR, progress);
  return tag;
}

async function pullBase(engine: Engine, release: string, tag: string, progress: ProgressSink): Promise<boolean> {
  const source = `debian:${release}-slim`;
  const started = Date.now();
  progress({ kind: 'phase', phase: 'base image', detail: `pulling ${source}` });
  try {
    const stream = await engine.pull(source);
    await followProgress(engine, stream, () => {});
    await engine.getImage(source).tag({ repo: 'tlslab/base', tag: release });
    progress({ kind: 'done', phase: 'base image', detail: `pulled ${source}`, elapsedMs: Date.now() - started });
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    progress({ kind: 'phase', phase: 'base image', detail: `no registry (${reason}); bootstrapping from Debian instead` });
    return false;
  }
}

async function bootstrapBase(
  engine: Engine,
  release: string,
  tag: string,
  mirror: string,
  progress: ProgressSink,
): Promise<void> {
  const started = Date.now();
  progress({ kind: 'phase', phase: 'base image', detail: `debootstrap ${release} from ${mirror} (about a minute)` });
  const root = await mkdtemp(join(tmpdir(), `tlslab-rootfs-${release}-`));
  try {
    const command = ['debootstrap', '--variant=minbase', release, root, mirror];
    const result = await execa(command[0]!, command.slice(1), { reject: false, all: true, timeout: 15 * 60_000 });
    if (result.exitCode !== 0) {
      const missing = (result as { code?: string }).code === 'ENOENT';
      throw new LabError(
        'LAB_BOOTSTRAP_FAILED',
        missing
          ? `Cannot build the ${release} base image: no registry answered and debootstrap is not installed. ` +
              'Install it (apt-get install debootstrap) or make debian images pullable.'
          : `debootstrap ${release} failed (exit ${result.exitCode ?? 'none'}). Last output:\n${tail(result.all ?? '')}`,
        {
          context: {
            command: command.join(' '),
            where: 'host',
            exitCode: result.exitCode,
            signal: result.signal,
            timedOut: result.timedOut,
            durationMs: Date.now() - started,
            output: tail(result.all ?? ''),
          },
          cause: result.cause,
        },
      );
    }
    progress({ kind: 'phase', phase: 'base image', detail: `importing ${tag}` });
    const tar = execa('tar', ['-C', root, '--numeric-owner', '-c', '.'], { buffer: false, stdout: 'pipe' });
    const stream = await engine.importImage(tar.stdout as NodeJS.ReadableStream, {
      repo: 'tlslab/base',
      tag: release,
      changes: [`LABEL ${LABEL.managed}=true`, 'CMD ["bash"]'],
    });
    await followProgress(engine, stream, () => {});
    await tar;
    progress({ kind: 'done', phase: 'base image', detail: `bootstrapped ${tag}`, elapsedMs: Date.now() - started });
  } finally {
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

/** Builds the base image for a release explicitly, replacing nothing that exists. */
export async function bootstrapBaseImages(releases: DebianRelease[], options: BaseImageOptions = {}): Promise<string[]> {
  const engine = await connectEngine();
  const tags: string[] = [];
  for (const release of releases) tags.push(await ensureBaseImage(engine, release, options));
  return tags;
}
