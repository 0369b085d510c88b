import { copyFile, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { followProgress, imageExists, type DockerStreamMessage, type Engine } from '../docker/engine.ts';
import { LABEL } from '../docker/labels.ts';
import { LabError } from '../errors.ts';
import type { Toolchain } from '../toolchains/model.ts';
import { lineage } from '../toolchains/registry.ts';
import { resolveToolchainSources, sha256OfFile, type SourceOptions } from '../toolchains/sources.ts';
import { ensureBaseImage, type BaseImageOptions } from './base.ts';
import { saveBuildRecord } from './build-records.ts';
import { type ProgressSink, silentProgress } from './progress.ts';
import { contentHash, readBuildContext, type BuildContext } from './recipe.ts';

export interface EnsureImageOptions extends BaseImageOptions {
  /**
   * Extra files for the build context, by name. Default: the toolchain's release tarballs from the
   * sources directory, checked against the lockfile (see `resolveToolchainSources`).
   */
  extraFiles?: (toolchain: Toolchain) => Promise<Map<string, string>>;
  /** Where tarballs come from and whether unverified ones may be used (for the default extraFiles). */
  sources?: SourceOptions;
}

/** The default extraFiles: verified (or explicitly trusted) tarballs, with a notice for unverified ones. */
function sourceFiles(options: EnsureImageOptions): (toolchain: Toolchain) => Promise<Map<string, string>> {
  return async (toolchain) => {
    const resolved = await resolveToolchainSources(toolchain, options.sources);
    if (resolved.unverified.length > 0) {
      (options.progress ?? silentProgress)({
        kind: 'phase',
        phase: 'sources',
        detail: `${toolchain.name} uses UNVERIFIED sources (no matching pinned checksum, trusted explicitly): ${resolved.unverified.join(', ')}`,
      });
    }
    return resolved.files;
  };
}

/** The recipe's build arguments: the toolchain's own, and the JDK release its `java` field names (images/debian-java). */
function buildArgsOf(toolchain: Toolchain): Record<string, string> {
  return toolchain.java === undefined ? toolchain.buildArgs : { ...toolchain.buildArgs, JAVA_RELEASE: toolchain.java };
}

/**
 * Extra files enter the content hash by their SHA-256, so that a different tarball under the same
 * name gives a different tag.
 */
async function hashArgs(buildArgs: Record<string, string>, extraFiles: Map<string, string>): Promise<Record<string, string>> {
  const args = { ...buildArgs };
  for (const [name, path] of extraFiles) args[`\0file-sha256\0${name}`] = await sha256OfFile(path);
  return args;
}

export interface ToolchainImage {
  toolchain: string;
  tag: string;
  built: boolean;
  /** Release tarballs in this image's lineage used without a matching pinned checksum. */
  unverifiedSources: string[];
}

const inFlight = new Map<string, Promise<boolean>>();

const TERMINAL_ESCAPE = /\x1b\[[0-9;]*[A-Za-z]/g;

export function imageRepository(toolchain: string): string {
  return `tlslab/${toolchain}`;
}

/**
 * The tag an image would have now, without building anything; undefined when its parent is not
 * built, or when a tarball the hash covers is missing from the sources directory (one that does not
 * match its checksum still counts: the tag is what it would be built from).
 */
export async function plannedTag(
  engine: Engine,
  toolchains: Map<string, Toolchain>,
  name: string,
  sources: SourceOptions = {},
): Promise<string | undefined> {
  const extraFiles = sourceFiles({ sources: { ...sources, allowUnverified: true } });
  let parentId: string | undefined;
  let tag: string | undefined;
  for (const toolchain of lineage(toolchains, name)) {
    if (parentId === undefined) {
      const base = `tlslab/base:${toolchain.base}`;
      if (!(await imageExists(engine, base))) return undefined;
      parentId = (await engine.getImage(base).inspect()).Id;
    }
    const context = await readBuildContext(toolchain.recipe);
    const extra = await extraFiles(toolchain).catch(() => undefined);
    if (extra === undefined) return undefined;
    tag = `${imageRepository(toolchain.name)}:${contentHash(context, await hashArgs(buildArgsOf(toolchain), extra), parentId)}`;
    if (!(await imageExists(engine, tag))) return toolchain.name === name ? tag : undefined;
    parentId = (await engine.getImage(tag).inspect()).Id;
  }
  return tag;
}

/**
 * Makes the image of a toolchain exist, building its base and parents first. An image whose
 * content hash is already tagged is reused; any change to the recipe, arguments or parent rebuilds it.
 */
export async function ensureToolchainImage(
  engine: Engine,
  toolchains: Map<string, Toolchain>,
  name: string,
  options: EnsureImageOptions = {},
): Promise<ToolchainImage> {
  const progress = options.progress ?? silentProgress;
  const chain = lineage(toolchains, name);
  let parentTag = await ensureBaseImage(engine, chain[0]!.base!, options);
  let built = false;
  const unverifiedSources: string[] = [];
  for (const toolchain of chain) {
    const parentId = (await engine.getImage(parentTag).inspect()).Id;
    const context = await readBuildContext(toolchain.recipe);
    const extra = await (options.extraFiles ?? sourceFiles(options))(toolchain);
    if (!options.extraFiles) unverifiedSources.push(...(await resolveToolchainSources(toolchain, options.sources)).unverified);
    const tag = `${imageRepository(toolchain.name)}:${contentHash(context, await hashArgs(buildArgsOf(toolchain), extra), parentId)}`;
    let pending = inFlight.get(tag);
    if (!pending) {
      pending = buildIfMissing(engine, tag, context, extra, { ...buildArgsOf(toolchain), BASE_IMAGE: parentTag }, toolchain, progress);
      inFlight.set(tag, pending);
      pending.finally(() => inFlight.delete(tag)).catch(() => {});
    }
    built = (await pending) || built;
    parentTag = tag;
  }
  return { toolchain: name, tag: parentTag, built, unverifiedSources };
}

async function buildIfMissing(
  engine: Engine,
  tag: string,
  context: BuildContext,
  extraFiles: Map<string, string>,
  buildArgs: Record<string, string>,
  toolchain: Toolchain,
  progress: ProgressSink,
): Promise<boolean> {
  if (await imageExists(engine, tag)) return false;
  const started = Date.now();
  progress({ kind: 'phase', phase: 'image', detail: `building ${tag} (${toolchain.description})` });
  const dir = await mkdtemp(join(tmpdir(), 'tlslab-build-'));
  try {
    for (const [name, content] of context.files) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), content, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
    }
    for (const [name, source] of extraFiles) await copyFile(source, join(dir, name));
    const stream = await engine.buildImage(
      { context: dir, src: [...context.files.keys(), ...extraFiles.keys()] },
      {
        t: tag,
        buildargs: buildArgs,
        labels: { [LABEL.managed]: 'true', [LABEL.recipe]: context.recipe, [LABEL.contentHash]: tag.split(':')[1] ?? '' },
        rm: true,
        forcerm: true,
      },
    );
    const output: string[] = [];
    let currentStep = '';
    let failure: DockerStreamMessage | undefined;
    await followProgress(engine, stream, (message) => {
      if (message.error) failure = message;
      // The engine colours a step's stderr with terminal escapes; the output and an error's context get plain text.
      for (const line of (message.stream ?? '').replace(TERMINAL_ESCAPE, '').split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        if (output.length > 400) output.shift();
        const step = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
        if (step) {
          currentStep = line;
          progress({ kind: 'step', image: tag, step: Number(step[1]), total: Number(step[2]), text: step[3]!, elapsedMs: Date.now() - started });
        } else {
          progress({ kind: 'output', image: tag, line });
        }
      }
    }).catch((error: unknown) => {
      failure = { error: error instanceof Error ? error.message : String(error) };
    });
    if (failure) {
      // With parallel make the failing line is often far above the tail; name it separately.
      const errorLines = output.filter((line) => /\berror\b|\*\*\*|No rule to make|fatal|not found/i.test(line)).slice(-10);
      const lastLines = [...(errorLines.length > 0 ? ['error lines:', ...errorLines, 'last lines:'] : []), ...output.slice(-25)].join('\n');
      throw new LabError(
        'LAB_IMAGE_BUILD_FAILED',
        `Building ${tag} failed at "${currentStep || 'the start'}": ${failure.error ?? 'unknown error'}\n${lastLines}`,
        { context: { image: tag, recipe: context.recipe, step: currentStep, error: failure.error, outputTail: lastLines, durationMs: Date.now() - started } },
      );
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    await saveBuildRecord({ tag, seconds, builtAt: new Date().toISOString() });
    progress({ kind: 'done', phase: 'image', detail: `built ${tag}`, elapsedMs: Date.now() - started });
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
