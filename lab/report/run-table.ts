import { describeObserved } from '../scenario/expectations.ts';
import type { RunReport, ScenarioResult, SenderResult } from '../scenario/result.ts';
import { renderTable } from './text-table.ts';

function fateText(sender: SenderResult): string {
  const fate = sender.fate;
  return fate.queueId ? `${fate.status} (${fate.queueId})` : fate.status;
}

/** The one server line that best supports the outcome. */
export function keyEvidence(sender: SenderResult): string {
  const observed = sender.observed;
  if (observed.kind === 'handshake-failed') return shortenPeer((observed.serverError ?? observed.clientError ?? '').replace(/^.*?postfix[\w./-]*\[\d+\]: /, ''), sender);
  const pick = (pattern: RegExp) => sender.evidence.find((l) => pattern.test(l));
  const line =
    observed.kind === 'tls'
      ? pick(/TLS connection established/)
      : observed.kind === 'refused'
        ? pick(/reject|warning|NOQUEUE/) ?? observed.reply
        : pick(/client=|disconnect from/);
  return shortenPeer((line ?? '').replace(/^.*?postfix[\w./-]*\[\d+\]: /, ''), sender);
}

/** Container host names are long and unique per run; in the table the sender's name says more. */
function shortenPeer(line: string, sender: SenderResult): string {
  return line.replace(/[^\s=]+\[(\d{1,3}(?:\.\d{1,3}){3})\]/g, (match, addr: string) => (addr === sender.address ? `${sender.name}[${addr}]` : match));
}

function scenarioTable(result: ScenarioResult): string {
  const rows = result.senders.map((s) => [
    `${s.held ? 'ok  ' : 'FAIL'} ${s.name}`,
    s.expected,
    describeObserved(s.observed) + (s.observed.kind === 'handshake-failed' && s.observed.clientError ? `\nclient: ${s.observed.clientError}` : ''),
    fateText(s),
    keyEvidence(s),
  ]);
  return renderTable(['sender', 'expected', 'observed', 'message', 'server log evidence'], rows, [28, 30, 44, 26, 90]);
}

/** The human summary of a run: one table per scenario, mismatches spelled out, then a verdict. */
export function renderRunReport(report: RunReport): string {
  const out: string[] = [];
  for (const result of report.scenarios) {
    out.push(`Scenario ${result.scenario}${result.file ? ` (${result.file})` : ''}`);
    const receiver = result.selfReports.find((r) => r.role === 'receiver');
    if (receiver) {
      out.push(`  receiver: ${result.receiver.toolchain}: Postfix ${receiver.mailVersion ?? '?'}, smtpd linked against ${receiver.linkedTls ?? '?'}`);
    }
    for (const report of result.selfReports) {
      for (const mismatch of report.mismatches) out.push(`  MISMATCH ${report.role} ${report.toolchain}: ${mismatch}`);
    }
    for (const warning of result.receiver.configWarnings) out.push(`  postfix ${warning}`);
    if (result.senders.length > 0) out.push(scenarioTable(result));
    for (const sender of result.senders.filter((s) => !s.held)) out.push(`  ${sender.name}: ${sender.mismatch}`);
    if (result.error) out.push(`  ERROR ${result.error.code}: ${result.error.message}`);
    const t = result.timings;
    out.push(
      `  ${result.passed ? 'passed' : 'FAILED'} in ${(t.totalMs / 1000).toFixed(1)} s (images ${(t.imagesMs / 1000).toFixed(1)} s, receiver ready ${(t.receiverReadyMs / 1000).toFixed(1)} s, senders ${(t.sendersMs / 1000).toFixed(1)} s, logs ${(t.logsMs / 1000).toFixed(1)} s, teardown ${(t.teardownMs / 1000).toFixed(1)} s)`,
      '',
    );
  }
  const held = report.scenarios.flatMap((s) => s.senders).filter((s) => s.held).length;
  const total = report.scenarios.flatMap((s) => s.senders).length;
  out.push(`${report.passed ? 'PASS' : 'FAIL'}: ${held}/${total} expectations held in ${report.scenarios.length} scenario(s), run ${report.runId}`);
  return out.join('\n');
}
