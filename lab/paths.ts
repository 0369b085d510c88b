import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: images/, scenarios/ and the toolchain files are found from here. */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const IMAGES_DIR = join(PACKAGE_ROOT, 'images');
export const TOOLCHAINS_DIR = join(IMAGES_DIR, 'toolchains');
export const SENDERS_DIR = join(PACKAGE_ROOT, 'scenarios', 'senders');

/** Per-user state (source tarballs, build records). Default: $XDG_CACHE_HOME/tlslab or ~/.cache/tlslab. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TLSLAB_CACHE_DIR) return resolve(env.TLSLAB_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'tlslab');
}
