import { parseArgs } from 'node:util';
import { LabError } from '../errors.ts';
import { renderTable } from '../report/text-table.ts';
import { addSource, fetchSource, listSources, sourcesDir, type SourceStatus } from '../toolchains/sources.ts';
import { EXIT, type CliIo } from './io.ts';
import { SOURCE_OPTIONS, sourceOptionsOf } from './source-options.ts';

export const SOURCES_HELP = `Usage: tlslab sources <command>

  list [--json]                 each pinned release tarball: present, missing or unverified, its
                                checksum and official download URL
  add FILE                      check FILE against the lockfile and store it in the sources directory
  fetch [file...]               download pinned tarballs (default: the missing ones) from their
                                official URLs, verifying each checksum

      --sources-dir DIR         default: TLSLAB_SOURCES_DIR, else <cache>/sources
      --allow-unverified        accept a tarball with no pinned checksum or a different one
                                (also TLSLAB_ALLOW_UNVERIFIED_SOURCES=1); its checksum is recorded as trusted
      --timeout SECONDS         fetch: deadline per URL (default 15)

The lockfile is images/toolchains/sources.lock.yaml. Tarballs are never part of the repository.`;

function stateText(s: SourceStatus): string {
  if (s.state === 'present') return 'present';
  if (s.state === 'missing') return 'MISSING';
  const what = s.state === 'mismatch' ? 'CHECKSUM MISMATCH' : 'unverified';
  return s.trusted ? `${what} (trusted)` : what;
}

export async function sourcesCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      ...SOURCE_OPTIONS,
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || sub === undefined || sub === 'help') {
    io.stdout.write(`${SOURCES_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const options = sourceOptionsOf(values, io);
  switch (sub) {
    case 'list': {
      const statuses = await listSources(options);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ dir: sourcesDir(options), sources: statuses }, null, 2)}\n`);
        return EXIT.ok;
      }
      const rows = statuses.map((s) => [s.file, stateText(s), s.sha256 ?? `(none pinned)${s.actualSha256 ? ` file: ${s.actualSha256}` : ''}`, s.urls[0] ?? '']);
      io.stdout.write(`sources directory: ${sourcesDir(options)}\n${renderTable(['file', 'state', 'sha256', 'download'], rows)}\n`);
      return EXIT.ok;
    }
    case 'add': {
      if (positionals.length === 0) throw new LabError('LAB_USAGE', `tlslab sources add: give the tarball to add\n\n${SOURCES_HELP}`);
      for (const file of positionals) {
        const added = await addSource(file, options);
        io.stdout.write(`${added.file}: stored in ${added.path} (sha256 ${added.sha256}, ${added.verified ? 'verified' : 'UNVERIFIED, trusted on your word'})\n`);
      }
      return EXIT.ok;
    }
    case 'fetch': {
      const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
      if (timeout !== undefined && !(timeout > 0)) throw new LabError('LAB_USAGE', `--timeout: expected seconds; got "${values.timeout}"`);
      const files = positionals.length > 0 ? positionals : (await listSources(options)).filter((s) => s.state === 'missing').map((s) => s.file);
      let failed = 0;
      for (const file of files) {
        try {
          const added = await fetchSource(file, { ...options, ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }) });
          io.stdout.write(`${added.file}: downloaded to ${added.path} (sha256 ${added.sha256}, ${added.verified ? 'verified' : 'UNVERIFIED, trusted on your word'})\n`);
        } catch (error) {
          if (!(error instanceof LabError) || (error.code !== 'LAB_SOURCE_MISSING' && error.code !== 'LAB_SOURCE_UNTRUSTED')) throw error;
          failed += 1;
          io.stderr.write(`tlslab: ${error.code}: ${error.message}\n`);
        }
      }
      if (files.length === 0) io.stdout.write('every pinned source is already present\n');
      return failed === 0 ? EXIT.ok : EXIT.expectationFailed;
    }
    default:
      throw new LabError('LAB_USAGE', `tlslab sources: unknown command "${sub}"\n\n${SOURCES_HELP}`);
  }
}
