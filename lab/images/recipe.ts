import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.ts';
import { IMAGES_DIR } from '../paths.ts';

/** The files that make one image: the recipe folder, plus the shared entrypoint unless it has its own. */
export interface BuildContext {
  recipe: string;
  files: Map<string, Buffer>;
}

const SHARED_ENTRYPOINT = join('common', 'entrypoint.sh');

export async function readBuildContext(recipe: string, imagesDir: string = IMAGES_DIR): Promise<BuildContext> {
  const dir = join(imagesDir, recipe);
  const exists = await stat(join(dir, 'Dockerfile')).then(() => true, () => false);
  if (!exists) {
    throw new LabError('LAB_INPUT_INVALID', `Image recipe "${recipe}" has no Dockerfile (looked in ${dir})`, { context: { dir } });
  }
  const files = new Map<string, Buffer>();
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) files.set(name, await readFile(path));
  }
  if (!files.has('entrypoint.sh')) files.set('entrypoint.sh', await readFile(join(imagesDir, SHARED_ENTRYPOINT)));
  return { recipe, files };
}

/**
 * The content hash that names an image: the recipe's files, its build arguments and the exact
 * parent image it builds on. Any change to one of them gives a new tag, so a stale image is never used.
 */
export function contentHash(context: BuildContext, buildArgs: Record<string, string>, parentImageId: string): string {
  const hash = createHash('sha256');
  for (const [name, content] of [...context.files].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`file\0${name}\0${content.length}\0`);
    hash.update(content);
  }
  for (const [key, value] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`arg\0${key}\0${value}\0`);
  }
  hash.update(`parent\0${parentImageId}`);
  return hash.digest('hex').slice(0, 16);
}
