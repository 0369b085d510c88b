import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LabError } from '../errors.ts';
import { renderJunit } from '../report/junit.ts';
import { renderRunReport } from '../report/run-table.ts';
import { loadScenarioFile } from '../scenario/load.ts';
import { runScenarios } from '../scenario/runner.ts';
import { EXIT, type CliIo } from './io.ts';
import { progressPrinter } from './progress-printer.ts';
import { SOURCE_OPTIONS, SOURCE_OPTIONS_HELP, sourceOptionsOf } from './source-options.ts';

export const RUN_HELP = `Usage: tlslab run [options] <scenario.yaml...>

Runs each scenario on its own internal network and checks every sender's outcome.

Options:
  --json FILE               write the JSON report to FILE ("-" for standard output, instead of the table)
  --junit FILE              write a JUnit XML report to FILE
  --verbose                 show image build output
${SOURCE_OPTIONS_HELP}
  -h, --help                show this help

Exit status: 0 every expectation held, 1 an expectation failed, 2 usage or infrastructure error.`;

export async function runCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'string' },
      junit: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...SOURCE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${RUN_HELP}\n`);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new LabError('LAB_USAGE', `tlslab run: name at least one scenario file\n\n${RUN_HELP}`);
  const scenarios = [];
  const problems: string[] = [];
  for (const file of positionals) {
    try {
      scenarios.push(await loadScenarioFile(file, io.cwd));
    } catch (error) {
      if (!(error instanceof LabError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new LabError('LAB_SCENARIO_INVALID', problems.join('\n'));
  const progress = progressPrinter(io, values.verbose);
  const report = await runScenarios(scenarios, { progress, images: { sources: sourceOptionsOf(values, io) }, ...(signal ? { signal } : {}) });
  progress.finish();
  if (signal?.aborted) throw new LabError('LAB_INTERRUPTED', 'Interrupted; every container and network of this run was removed.');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (values.json === '-') io.stdout.write(json);
  else io.stdout.write(`${renderRunReport(report)}\n`);
  if (values.json && values.json !== '-') await writeFile(resolve(io.cwd, values.json), json);
  if (values.junit) await writeFile(resolve(io.cwd, values.junit), renderJunit(report));
  if (report.scenarios.some((s) => s.error && s.senders.length + s.outbound.length === 0)) return EXIT.usage;
  return report.passed ? EXIT.ok : EXIT.expectationFailed;
}
