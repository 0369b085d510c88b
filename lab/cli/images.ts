import { parseArgs } from 'node:util';
import { connectEngine } from '../docker/engine.ts';
import { LabError } from '../errors.ts';
import { bootstrapBaseImages } from '../images/base.ts';
import { ensureToolchainImage } from '../images/build.ts';
import { listToolchainImages } from '../images/inventory.ts';
import { renderTable } from '../report/text-table.ts';
import { getToolchain, loadToolchains } from '../toolchains/registry.ts';
import { EXIT, type CliIo } from './io.ts';
import { progressPrinter } from './progress-printer.ts';

export const IMAGES_HELP = `Usage: tlslab images <command>

  list [--json]                 each toolchain: built or not, tag, size, build time
  build [toolchain...]          build toolchain images (default: all); unchanged recipes are reused
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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || sub === undefined || sub === 'help') {
    io.stdout.write(`${IMAGES_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const progress = progressPrinter(io, values.verbose);
  switch (sub) {
    case 'list': {
      const statuses = await listToolchainImages(await connectEngine(), await loadToolchains());
      if (values.json) {
        io.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
        return EXIT.ok;
      }
      const rows = statuses.map((s) => [
        s.toolchain,
        s.postfix ? `Postfix ${s.postfix}` : '(client only)',
        s.tls,
        s.built ? 'built' : 'not built',
        s.tag ?? '(parent not built)',
        s.sizeBytes === undefined ? '' : `${(s.sizeBytes / 1e6).toFixed(0)} MB`,
        s.buildSeconds === undefined ? '' : `${s.buildSeconds} s`,
      ]);
      io.stdout.write(`${renderTable(['toolchain', 'postfix', 'tls library', 'state', 'tag', 'size', 'build time'], rows)}\n`);
      return EXIT.ok;
    }
    case 'build': {
      const engine = await connectEngine();
      const toolchains = await loadToolchains();
      const names = positionals.length > 0 ? positionals.map((n) => getToolchain(toolchains, n).name) : [...toolchains.keys()];
      for (const name of names) {
        const image = await ensureToolchainImage(engine, toolchains, name, { progress, offline: values.offline });
        progress.finish();
        io.stdout.write(`${name}: ${image.tag} (${image.built ? 'built' : 'up to date'})\n`);
      }
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
