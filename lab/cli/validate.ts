import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CertType } from '../advice/config-dir.ts';
import { validateConfig } from '../advice/validate.ts';
import { LabError } from '../errors.ts';
import { renderValidateText } from '../report/advice-table.ts';
import { renderValidateMarkdown } from '../report/markdown.ts';
import { EXIT, type CliIo } from './io.ts';
import { progressPrinter } from './progress-printer.ts';
import { SOURCE_OPTIONS, SOURCE_OPTIONS_HELP, sourceOptionsOf } from './source-options.ts';

export const VALIDATE_HELP = `Usage: tlslab validate --config DIR [options]

Is this config safe to roll out? Runs the Postfix configuration in DIR as the receiver against every
sender profile (scenarios/senders) and sends to destinations of every capability (SSLv3-only ...
TLS 1.3-only, no TLS), observe-only; with --baseline, runs that too and compares.

DIR holds main.cf (required), optionally master.cf, and the files main.cf names (certificates,
keys, DH parameters, CA files, lookup tables), found by their path under /etc/postfix or by name.
Put "postconf -d" output (or "postconf mail_version") and "openssl version" output in any text file
in DIR to let validate pick the closest toolchain.

Options:
  --config DIR              the proposed configuration (required)
  --baseline DIR            the configuration in production today
  --toolchain NAME          the receiver's toolchain (images/toolchains/NAME.yaml)
  --postfix-version X       pick the closest toolchain to this Postfix version ...
  --openssl-version Y       ... and this OpenSSL version (default: read from DIR, else debian-bookworm)
  --cert-type rsa|ecdsa|both  key type of the generated certificate when DIR has none (default rsa)
  --allow-regressions       breaking a sender the baseline served is a warning (exit 0)
  --json                    print the JSON report instead of the table
  --report FILE.md          write a self-contained Markdown report
  --verbose                 show image build output
${SOURCE_OPTIONS_HELP}
  -h, --help                show this help

Exit status: 0 safe (or regressions allowed), 1 the proposal breaks a peer the baseline served or
Postfix rejected part of it, 2 usage or infrastructure error (LAB_SOURCE_MISSING: toolchain sources absent).`;

export async function validateCommand(argv: string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      baseline: { type: 'string' },
      toolchain: { type: 'string' },
      'postfix-version': { type: 'string' },
      'openssl-version': { type: 'string' },
      'cert-type': { type: 'string' },
      'allow-regressions': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...SOURCE_OPTIONS,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout.write(`${VALIDATE_HELP}\n`);
    return EXIT.ok;
  }
  if (!values.config) throw new LabError('LAB_USAGE', `tlslab validate: --config DIR is required\n\n${VALIDATE_HELP}`);
  const certType = values['cert-type'];
  if (certType !== undefined && !['rsa', 'ecdsa', 'both'].includes(certType)) throw new LabError('LAB_USAGE', `--cert-type: expected rsa, ecdsa or both; got "${certType}"`);
  const progress = progressPrinter(io, values.verbose);
  const report = await validateConfig({
    config: resolve(io.cwd, values.config),
    ...(values.baseline ? { baseline: resolve(io.cwd, values.baseline) } : {}),
    ...(values.toolchain ? { toolchain: values.toolchain } : {}),
    ...(values['postfix-version'] ? { postfixVersion: values['postfix-version'] } : {}),
    ...(values['openssl-version'] ? { opensslVersion: values['openssl-version'] } : {}),
    ...(certType ? { certType: certType as CertType } : {}),
    allowRegressions: values['allow-regressions'],
    sources: sourceOptionsOf(values, io),
    progress,
    ...(signal ? { signal } : {}),
  });
  progress.finish();
  if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${renderValidateText(report)}\n`);
  if (values.report) await writeFile(resolve(io.cwd, values.report), renderValidateMarkdown(report));
  return report.exitCode;
}
