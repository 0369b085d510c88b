import { describeObserved } from '../scenario/expectations.ts';
import type { RunReport, SelfReport, SenderResult } from '../scenario/result.ts';
import { renderTable } from './text-table.ts';

function fateText(sender: SenderResult): string {
  const fate = sender.fate;
  return fate.queueId ? `${fate.status} (${fate.queueId})` : fate.status;
}

/** The one server line that best supports the outcome; for plaintext after a failed handshake, the error that made TLS fail. */
export function keyEvidence(sender: SenderResult): string {
  const observed = sender.observed;
  if (observed.kind === 'handshake-failed') return shortenPeer((observed.serverError ?? observed.clientError ?? '').replace(/^.*?postfix[\w./-]*\[\d+\]: /, ''), sender);
  const pick = (pattern: RegExp) => sender.evidence.find((l) => pattern.test(l));
  const line =
    observed.kind === 'tls'
      ? pick(/TLS connection established/)
      : observed.kind === 'refused'
        ? pick(/reject|warning|NOQUEUE/) ?? observed.reply
        : observed.kind === 'plaintext' && observed.afterTlsFailure === true
          ? (pick(/TLS library problem/) ?? pick(/SSL_(?:accept|connect) error/) ?? pick(/client=/))
          : (pick(/client=/) ?? pick(/ received in plaintext| <= /) ?? pick(/disconnect from/));
  return shortenPeer((line ?? '').replace(/^.*?postfix[\w./-]*\[\d+\]: /, ''), sender);
}

/** Container host names are long and unique per run; in the table the sender's (or destination's) name says more. */
function shortenPeer(line: string, sender: SenderResult): string {
  const named = sender.direction === 'outbound' ? sender.peerAddress : sender.address;
  return line.replace(/[^\s=]+\[(\d{1,3}(?:\.\d{1,3}){3})\]/g, (match, addr: string) => (addr === named ? `${sender.name}[${addr}]` : match));
}

function observedText(s: SenderResult): string {
  const lines = [describeObserved(s.observed)];
  if (s.observed.kind === 'handshake-failed' && s.observed.clientError) lines.push(`client: ${s.observed.clientError}`);
  if (s.path) lines.push(`path: ${s.path}`);
  return lines.join('\n');
}

function resultTable(results: readonly SenderResult[], first: string): string {
  const rows = results.map((s) => [
    `${s.held ? 'ok  ' : 'FAIL'} ${s.name}${s.unverifiedSources ? '\nunverified source' : ''}`,
    s.expected,
    observedText(s),
    fateText(s),
    keyEvidence(s),
  ]);
  return renderTable([first, 'expected', 'observed', 'message', 'server log evidence'], rows, [28, 30, 44, 26, 90]);
}

/** What a sender's or destination's toolchain really runs, as its self-report says. */
function runsText(report: SelfReport): string {
  const parts: string[] = [];
  if (report.mtaVersion) parts.push(`${report.mtaVersion}${report.mtaTls ? ` with ${report.mtaTls}` : ''}`);
  if (report.mailVersion) parts.push(`Postfix ${report.mailVersion}${report.linkedTls ? ` (${report.linkedTls})` : ''}`);
  if (report.opensslCommand) parts.push(`openssl command ${report.opensslCommand}`);
  if (report.clientTls) parts.push(`swaks on ${report.clientTls}`);
  return parts.length > 0 ? parts.join(', ') : '(no self-report)';
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
    const shown = new Set([result.receiver.toolchain]);
    for (const report of result.selfReports) {
      if (shown.has(report.toolchain)) continue;
      shown.add(report.toolchain);
      out.push(`  ${report.role}s on ${report.toolchain}: ${runsText(report)}`);
    }
    for (const report of result.selfReports) {
      for (const mismatch of report.mismatches) out.push(`  MISMATCH ${report.role} ${report.toolchain}: ${mismatch}`);
    }
    for (const warning of result.receiver.configWarnings) out.push(`  postfix ${warning}`);
    for (const missing of result.missingWarnings) out.push(`  FAIL expected a Postfix warning containing "${missing}"; none was printed`);
    for (const note of result.notes) out.push(`  note: ${note}`);
    const tainted = [...new Set([...result.senders, ...result.outbound].flatMap((s) => s.unverifiedSources ?? []))];
    if (tainted.length > 0) out.push(`  UNVERIFIED SOURCE: built from tarballs without a matching pinned checksum: ${tainted.join(', ')}`);
    if (result.senders.length > 0) out.push(resultTable(result.senders, 'sender'));
    if (result.outbound.length > 0) out.push('', 'Outbound: the receiver sending to each destination', resultTable(result.outbound, 'destination'));
    for (const sender of [...result.senders, ...result.outbound].filter((s) => !s.held)) out.push(`  ${sender.name}: ${sender.mismatch}`);
    if (result.error) out.push(`  ERROR ${result.error.code}: ${result.error.message}`);
    const t = result.timings;
    out.push(
      `  ${result.passed ? 'passed' : 'FAILED'} in ${(t.totalMs / 1000).toFixed(1)} s (images ${(t.imagesMs / 1000).toFixed(1)} s, receiver ready ${(t.receiverReadyMs / 1000).toFixed(1)} s, senders ${(t.sendersMs / 1000).toFixed(1)} s, logs ${(t.logsMs / 1000).toFixed(1)} s, teardown ${(t.teardownMs / 1000).toFixed(1)} s)`,
      '',
    );
  }
  const all = report.scenarios.flatMap((s) => [...s.senders, ...s.outbound]);
  const held = all.filter((s) => s.held).length;
  const total = all.length;
  out.push(`${report.passed ? 'PASS' : 'FAIL'}: ${held}/${total} expectations held in ${report.scenarios.length} scenario(s), run ${report.runId}`);
  return out.join('\n');
}
