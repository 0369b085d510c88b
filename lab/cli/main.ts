import { pathToFileURL } from 'node:url';
import { isLabError } from '../errors.ts';
import { cleanCommand } from './clean.ts';
import { imagesCommand } from './images.ts';
import { EXIT, processIo, type CliIo } from './io.ts';
import { runCommand } from './run.ts';
import { sendersCommand } from './senders.ts';

export const MAIN_HELP = `tlslab: reproduce Postfix SMTP TLS failures with real Postfix and real TLS stacks

Usage: tlslab <command> [options]

  run <scenario.yaml...>    run scenarios and check every sender's outcome
  validate --config DIR     is this config safe to roll out? every sender and destination, diff to a baseline
  reproduce --log FILE --config DIR
                            why does this sender fail? hypotheses, the same error in the lab, ranked fixes
  logs analyze <file...>    per-peer TLS summary and failure diagnoses from Postfix logs
  logs parse <file>         sessions with their diagnoses
  images list|build|bootstrap
                            toolchain images: state, builds, Debian base images
  sources list|add|fetch    release tarballs for upstream toolchains, pinned by SHA-256
  senders list              the sender profiles: what each kind of sender offers, and the evidence
  clean                     remove containers and networks left by crashed runs

Run "tlslab <command> --help" for a command's options.`;

/** The CLI: argv in, exit code out. Coded lab errors print their message; anything else its stack. */
export async function main(argv: string[], io: CliIo = processIo(), signal?: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io, signal);
      case 'validate': {
        const { validateCommand } = await import('./validate.ts');
        return await validateCommand(rest, io, signal);
      }
      case 'reproduce': {
        const { reproduceCommand } = await import('./reproduce.ts');
        return await reproduceCommand(rest, io, signal);
      }
      case 'logs': {
        const { logsCommand } = await import('./logs.ts');
        return await logsCommand(rest, io);
      }
      case 'images':
        return await imagesCommand(rest, io);
      case 'sources': {
        const { sourcesCommand } = await import('./sources.ts');
        return await sourcesCommand(rest, io);
      }
      case 'clean':
        return await cleanCommand(rest, io);
      case 'senders':
        return await sendersCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(`${MAIN_HELP}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        io.stderr.write(`tlslab: unknown command "${command}"\n\n${MAIN_HELP}\n`);
        return EXIT.usage;
    }
  } catch (error) {
    if (isLabError(error)) {
      io.stderr.write(`tlslab: ${error.code}: ${error.message}\n`);
      return error.code === 'LAB_INTERRUPTED' ? 130 : EXIT.usage;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`tlslab: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`tlslab: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.usage;
  }
}

/**
 * Runs the CLI as a process: the first Ctrl-C stops the run and cleans up, a second one exits at once. So does a
 * reader of the output that goes away (`tlslab run ... | head`): the run stops and still removes what it started.
 */
export async function runAsProcess(argv: string[]): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string) => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write(`\ntlslab: ${name}: stopping and removing this run's containers (again to quit at once)\n`);
      controller.abort();
    } else {
      process.stderr.write('tlslab: quitting without cleanup; "tlslab clean" removes what is left\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // EPIPE, then ERR_STREAM_DESTROYED for every later write: nothing more can be printed there.
  const onOutputGone = () => controller.abort();
  process.stdout.on('error', onOutputGone);
  process.stderr.on('error', onOutputGone);
  const code = await main(argv, processIo(), controller.signal);
  // A pipe takes 64 KB at once and Node queues the rest: exiting before it drains would cut the output short.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` so far has left the process (or the reader went away). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runAsProcess(process.argv.slice(2));
}
