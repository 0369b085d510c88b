import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from '../../lab/cli/io.ts';
import type { ScenarioResult } from '../../lab/scenario/result.ts';

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
