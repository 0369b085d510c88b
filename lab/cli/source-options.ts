import type { SourceOptions } from '../toolchains/sources.ts';
import type { CliIo } from './io.ts';

/** The options of every command that may build a toolchain from release tarballs. */
export const SOURCE_OPTIONS = {
  'sources-dir': { type: 'string' },
  'allow-unverified': { type: 'boolean' },
} as const;

export const SOURCE_OPTIONS_HELP = `  --sources-dir DIR         where release tarballs are (default: TLSLAB_SOURCES_DIR, else <cache>/sources)
  --allow-unverified        use tarballs with no pinned checksum or another one than the lockfile pins`;

export function sourceOptionsOf(values: { 'sources-dir'?: string | undefined; 'allow-unverified'?: boolean | undefined }, io: CliIo): SourceOptions {
  return {
    env: io.env,
    ...(values['sources-dir'] === undefined ? {} : { sourcesDir: values['sources-dir'] }),
    ...(values['allow-unverified'] === undefined ? {} : { allowUnverified: values['allow-unverified'] }),
  };
}
