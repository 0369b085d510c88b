import type { ScenarioResult } from '../../lab/scenario/result.ts';

/** What a human needs when a Docker test fails: the receiver's log, each transcript, the scenario. */
export function failureAttachment(result: ScenarioResult): string {
  const parts = [`scenario ${result.scenario} (run ${result.runId})`];
  if (result.error) parts.push(`error ${result.error.code}: ${result.error.message}`);
  parts.push('--- receiver log ---', ...result.receiver.log);
  for (const sender of result.senders) {
    parts.push(`--- sender ${sender.name}: ${sender.held ? 'held' : sender.mismatch} ---`, sender.transcript);
  }
  return parts.join('\n');
}
