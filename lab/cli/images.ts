import { parseArgs } from 'node:util';
import { connectEngine } from '../docker/engine.ts';
import { isLabError, LabError } from '../errors.ts';
import { bootstrapBaseImages } from '../images/base.ts';
import { ensureToolchainImage } from '../images/build.ts';
import { listToolchainImages } from '../images/inventory.ts';
import { pruneToolchainImages } from '../images/prune.ts';
import { renderTable } from '../report/text-table.ts';
import { getToolchain, loadToolchains } from '../toolchains/registry.ts';
import { EXIT, type CliIo } from './io.ts';
import { progressPrinter } from './progress-printer.ts';
import { SOURCE_OPTIONS, sourceOptionsOf } from './source-options.ts';

export const IMAGES_HELP = `Usage: tlslab images <command>

  list [--json]                 each toolchain: built or not, tag, size, build time, missing sources
  build [toolchain...]          build toolchain images (default: all); unchanged recipes are reused;
                                toolchains whose release tarballs are missing are reported and skipped
      --sources-dir DIR         where release tarballs are (default: TLSLAB_SOURCES_DIR, <cache>/sources)
      --allow-unverified        use tarballs with no or a different checksum than the lockfile pins
  prune                         remove images of older recipes (superseded content hashes)
  bootstrap [release...]        make the Debian base images (default: bookworm); pulls debian:<release>-slim
                                when a registry answers, else runs debootstrap (use --offline to skip the pull)`;

export async function imagesCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      offline: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      ...SOURCE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || sub === undefined || sub === 'help') {
    io.stdout.write(`${IMAGES_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const progress = progressPrinter(io, values.verbose);
  const sources = sourceOptionsOf(values, io);
  switch (sub) {
    case 'list': {
      const statuses = await listToolchainImages(await connectEngine(), await loadToolchains(), sources);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
        return EXIT.ok;
      }
      const rows = statuses.map((s) => [
        s.toolchain,
        s.postfix ? `Postfix ${s.postfix}` : '(no Postfix)',
        s.tls,
        s.built ? 'built' : 'not built',
        s.tag ?? (s.missingSources.length > 0 ? '(sources missing)' : '(parent not built)'),
        s.sizeBytes === undefined ? '' : `${(s.sizeBytes / 1e6).toFixed(0)} MB`,
        s.buildSeconds === undefined ? '' : `${s.buildSeconds} s`,
        s.missingSources.length === 0 ? '' : `MISSING ${s.missingSources.join(', ')}`,
      ]);
      io.stdout.write(`${renderTable(['toolchain', 'postfix', 'tls library', 'state', 'tag', 'size', 'build time', 'sources'], rows)}\n`);
      if (statuses.some((s) => s.missingSources.length > 0)) {
        io.stdout.write('Missing release tarballs: "tlslab sources list" shows where to get them and how to add them.\n');
      }
      return EXIT.ok;
    }
    case 'build': {
      const engine = await connectEngine();
      const toolchains = await loadToolchains();
      const names = positionals.length > 0 ? positionals.map((n) => getToolchain(toolchains, n).name) : [...toolchains.keys()];
      let skipped = 0;
      for (const name of names) {
        try {
          const image = await ensureToolchainImage(engine, toolchains, name, { progress, offline: values.offline, sources });
          progress.finish();
          io.stdout.write(`${name}: ${image.tag} (${image.built ? 'built' : 'up to date'})\n`);
        } catch (error) {
          progress.finish();
          if (!isLabError(error, 'LAB_SOURCE_MISSING') && !isLabError(error, 'LAB_SOURCE_UNTRUSTED')) throw error;
          skipped += 1;
          io.stdout.write(`${name}: NOT BUILT, ${error.code}: ${error.message}\n`);
        }
      }
      return skipped === 0 ? EXIT.ok : EXIT.expectationFailed;
    }
    case 'prune': {
      const removed = await pruneToolchainImages(await connectEngine(), await loadToolchains(), sources);
      io.stdout.write(`removed ${removed.length} image(s)\n${removed.map((t) => `  ${t}\n`).join('')}`);
      return EXIT.ok;
    }
    case 'bootstrap': {
      const releases = positionals.length > 0 ? positionals : ['bookworm'];
      const tags = await bootstrapBaseImages(releases, { progress, offline: values.offline });
      progress.finish();
      for (const tag of tags) io.stdout.write(`${tag}\n`);
      return EXIT.ok;
    }
    default:
      throw new LabError('LAB_USAGE', `tlslab images: unknown command "${sub}"\n\n${IMAGES_HELP}`);
  }
}
