import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CertType } from '../advice/config-dir.ts';
import { reproduceFailures } from '../advice/reproduce.ts';
import { reproductionScenario } from '../advice/scenario-writer.ts';
import { LabError } from '../errors.ts';
import { readWholeStream } from '../logs/read-lines.ts';
import { renderReproduceText } from '../report/advice-table.ts';
import { renderReproduceMarkdown } from '../report/markdown.ts';
import { EXIT, type CliIo } from './io.ts';
import { progressPrinter } from './progress-printer.ts';
import { SOURCE_OPTIONS, SOURCE_OPTIONS_HELP, sourceOptionsOf } from './source-options.ts';

export const REPRODUCE_HELP = `Usage: tlslab reproduce --log FILE --config DIR [options]

Why does this sender fail, and what is the smallest safe fix? Reads the failed TLS sessions in FILE,
forms hypotheses (sender profiles and probes whose capabilities could cause each error), runs them
against the configuration in DIR, reports which give the same error (same reason and function),
then tries candidate fixes against the whole sender population and ranks them.

Options:
  --log FILE                the maillog excerpt (any format "tlslab logs" reads; - for stdin) (required)
  --config DIR              the server's configuration folder, as for "tlslab validate" (required)
  --toolchain NAME          the receiver's toolchain; default: the closest to the versions in DIR,
  --postfix-version X       on the command line, or inferred from the log's formats
  --openssl-version Y
  --cert-type rsa|ecdsa|both  key type of the generated certificate when DIR has none (default rsa)
  --max-fixes N             run at most N candidate fixes (default 7)
  --json                    print the JSON report instead of the tables
  --report FILE.md          write a self-contained Markdown report
  --write-scenario FILE     write the reproduction as a scenario (expectations = what was observed;
                            the best fixes as comments)
  --verbose                 show image build output
${SOURCE_OPTIONS_HELP}
  -h, --help                show this help

Exit status: 0 every logged failure reproduced, 1 some were not, 2 usage or infrastructure error
(LAB_SOURCE_MISSING: the toolchain's release tarballs are absent).`;

export async function reproduceCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      log: { type: 'string' },
      config: { type: 'string' },
      toolchain: { type: 'string' },
      'postfix-version': { type: 'string' },
      'openssl-version': { type: 'string' },
      'cert-type': { type: 'string' },
      'max-fixes': { type: 'string' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      'write-scenario': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...SOURCE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${REPRODUCE_HELP}\n`);
    return EXIT.ok;
  }
  if (!values.log || !values.config) throw new LabError('LAB_USAGE', `tlslab reproduce: --log FILE and --config DIR are required\n\n${REPRODUCE_HELP}`);
  const certType = values['cert-type'];
  if (certType !== undefined && !['rsa', 'ecdsa', 'both'].includes(certType)) throw new LabError('LAB_USAGE', `--cert-type: expected rsa, ecdsa or both; got "${certType}"`);
  const maxFixes = values['max-fixes'] === undefined ? undefined : Number(values['max-fixes']);
  if (maxFixes !== undefined && !(Number.isInteger(maxFixes) && maxFixes >= 1)) throw new LabError('LAB_USAGE', `--max-fixes: expected a whole number ≥ 1; got "${values['max-fixes']}"`);
  const fromStdin = values.log === '-';
  const logLines = fromStdin ? (await readWholeStream(io.stdin)).lines : undefined;
  const progress = progressPrinter(io, values.verbose);
  const report = await reproduceFailures({
    log: fromStdin ? 'stdin' : resolve(io.cwd, values.log),
    ...(logLines === undefined ? {} : { logLines }),
    config: resolve(io.cwd, values.config),
    ...(values.toolchain ? { toolchain: values.toolchain } : {}),
    ...(values['postfix-version'] ? { postfixVersion: values['postfix-version'] } : {}),
    ...(values['openssl-version'] ? { opensslVersion: values['openssl-version'] } : {}),
    ...(certType ? { certType: certType as CertType } : {}),
    ...(maxFixes ? { maxFixes } : {}),
    sources: sourceOptionsOf(values, io),
    progress,
    ...(signal ? { signal } : {}),
  });
  progress.finish();
  if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${renderReproduceText(report)}\n`);
  if (values.report) await writeFile(resolve(io.cwd, values.report), renderReproduceMarkdown(report));
  if (values['write-scenario']) {
    const file = resolve(io.cwd, values['write-scenario']);
    const scenario = reproductionScenario(report, file);
    if (scenario === undefined) io.stderr.write(`--write-scenario: no sender or destination reproduced a logged failure, so there is no scenario to run; ${file} was not written.\n`);
    else await writeFile(file, scenario);
  }
  return report.exitCode;
}
