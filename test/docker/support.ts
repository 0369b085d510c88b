import { PassThrough, Readable } from 'node:stream';
import { expect } from 'vitest';
import type { ReproduceReport } from '../../lab/advice/reproduce.ts';
import type { CliIo } from '../../lab/cli/io.ts';
import { main } from '../../lab/cli/main.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import type { ScenarioResult } from '../../lab/scenario/result.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { ScenarioInput } from '../../lab/scenario/schema.ts';
import { leftovers } from './leftovers.ts';

/** What a human needs when a Docker test fails: the receiver's log, each transcript, the scenario. */
export function failureAttachment(result: ScenarioResult): string {
  const parts = [`scenario ${result.scenario} (run ${result.runId})`];
  if (result.error) parts.push(`error ${result.error.code}: ${result.error.message}`);
  parts.push('--- receiver log ---', ...result.receiver.log);
  for (const row of [...result.senders, ...result.outbound]) {
    parts.push(`--- ${row.direction === 'inbound' ? 'sender' : 'destination'} ${row.name}: ${row.held ? 'held' : row.mismatch} ---`, row.transcript);
  }
  return parts.join('\n');
}

/**
 * Runs a scenario whose every expectation must hold, with nothing left behind; shows the logs and transcripts when the
 * test fails. Scenario paths resolve against `dir`.
 */
export async function runAsExpected(input: ScenarioInput, dir: string, onTestFailed: (fn: () => void) => void): Promise<ScenarioResult> {
  const result = await runScenario({ scenario: defineScenario(input), dir });
  onTestFailed(() => console.error(failureAttachment(result)));
  expect(result.error).toBeUndefined();
  expect([...result.senders, ...result.outbound].filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
  expect(await leftovers(result.runId)).toEqual([]);
  return result;
}

/** The client's own error for a sender whose handshake failed. */
export function clientErrorOf(result: ScenarioResult, sender: string): string | undefined {
  const observed = result.senders.find((s) => s.name === sender)?.observed;
  return observed?.kind === 'handshake-failed' ? observed.clientError : undefined;
}

/** Streams for driving a CLI command in-process, and what it printed. */
export function captureIo(cwd: string): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdout, stderr, stdin: Readable.from([]), cwd, env: process.env, out: () => out, err: () => err };
}

/** Each finding's reproductions and fixes in a few lines, ahead of the report (which a failure prints cut short). */
function reproduceSummary(out: string): string {
  try {
    const report = JSON.parse(out) as ReproduceReport;
    return report.findings.map((f) => [
      `${f.failure.key}: reproduced by ${f.reproducedBy.join(', ') || 'none'}`,
      ...f.fixes.map((e) => `  fix ${e.fix.id}: serves ${e.fixes.join(', ') || 'none'}; breaks ${e.breaks.join(', ') || 'none'}${e.unconfirmed ? ` (unconfirmed ${e.unconfirmed.join(', ')})` : ''}; Postfix says ${e.configErrors.join(' | ') || 'nothing'}`),
    ].join('\n')).concat(
      `today: Postfix says ${report.today?.result.receiver.configWarnings.join(' | ') || 'nothing'}`,
      report.fixes.map((e) => `all runs, fix ${e.fix.id}: breaks ${e.breaks.join(', ') || 'none'}; Postfix says ${e.configErrors.join(' | ') || 'nothing'}`),
    ).join('\n');
  } catch {
    return '(no JSON report)';
  }
}

/** `tlslab reproduce ... --json` in-process, from `cwd`: exit `exit` expected (0: every failure reproduced), its output shown when the test fails. */
export async function reproduceJson(args: string[], cwd: string, onTestFailed: (fn: () => void) => void, exit = 0): Promise<ReproduceReport> {
  return (await reproduceWithProgress(args, cwd, onTestFailed, exit)).report;
}

/** As `reproduceJson`, with the progress it printed on stderr. */
export async function reproduceWithProgress(args: string[], cwd: string, onTestFailed: (fn: () => void) => void, exit = 0): Promise<{ report: ReproduceReport; progress: string }> {
  const cli = captureIo(cwd);
  const code = await main(args, cli);
  onTestFailed(() => console.error(cli.err(), reproduceSummary(cli.out()), cli.out().slice(0, 20_000)));
  expect(code).toBe(exit);
  return { report: JSON.parse(cli.out()) as ReproduceReport, progress: cli.err() };
}
