import { parseArgs } from 'node:util';
import { removeLabelled } from '../docker/cleanup.ts';
import { connectEngine } from '../docker/engine.ts';
import { EXIT, type CliIo } from './io.ts';

export const CLEAN_HELP = `Usage: tlslab clean [--run <id>]

Removes the containers and networks that lab runs left behind (after a crash or a kill), found by label.
Images are kept. With --run, only that run's resources.`;

export async function cleanCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    io.stdout.write(`${CLEAN_HELP}\n`);
    return EXIT.ok;
  }
  const removed = await removeLabelled(await connectEngine(), values.run);
  io.stdout.write(`removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s)\n`);
  for (const name of [...removed.containers, ...removed.networks]) io.stdout.write(`  ${name}\n`);
  if (removed.failed.length === 0) return EXIT.ok;
  io.stderr.write(
    `could not remove ${removed.failed.length} network(s); the engine still lists endpoints for containers that are gone, which a restart of dockerd clears:\n${removed.failed.map((f) => `  ${f}\n`).join('')}`,
  );
  return EXIT.expectationFailed;
}
