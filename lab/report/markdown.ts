import { certificateSummary } from '../advice/certificate-check.ts';
import type { AdminConfig } from '../advice/config-dir.ts';
import type { DiffRow, MatrixRow } from '../advice/matrix.ts';
import type { ReproduceReport } from '../advice/reproduce.ts';
import { peersText } from '../advice/failures.ts';
import { fixLines, ownPaths } from '../advice/scenario-writer.ts';
import type { ValidateReport } from '../advice/validate.ts';
import type { SelfReport } from '../scenario/result.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');
const code = (text: string) => (text === '' ? '' : `\`${text.replace(/`/g, "'")}\``);
const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const fence = (lines: readonly string[]) => ['```', ...lines, '```'].join('\n');
const peer = (row: Pick<MatrixRow, 'direction' | 'name'>) => `${row.direction === 'outbound' ? '→ ' : ''}${row.name}`;

/** Evidence lines are numbered E1, E2 ... so that every claim in the report can point at them. */
class Evidence {
  readonly lines: string[] = [];
  ref(line: string): string {
    if (line === '') return '';
    let index = this.lines.indexOf(line);
    if (index < 0) index = this.lines.push(line) - 1;
    return `[E${index + 1}](#e${index + 1})`;
  }
  render(): string {
    return this.lines.map((l, i) => `<a id="e${i + 1}"></a>**E${i + 1}** ${code(l)}  `).join('\n');
  }
}

function selfReportSection(toolchain: { toolchain: string; reason: string }, self: SelfReport | undefined): string {
  const lines = [`- toolchain: **${toolchain.toolchain}** — ${toolchain.reason}`];
  if (self) {
    lines.push(`- Postfix \`mail_version\`: ${self.mailVersion ?? 'not reported'}; smtpd linked against: ${self.linkedTls ?? 'not reported'} (${self.linkedLibrary ?? '?'})`);
    lines.push(`- declared: Postfix ${self.declared.postfix ?? '-'}, TLS ${self.declared.tls}${self.mismatches.length ? `; **MISMATCH**: ${self.mismatches.join('; ')}` : ''}`);
  }
  return lines.join('\n');
}

function configSection(config: AdminConfig): string {
  const parts = [`Folder: \`${config.dir}\``, '', '`main.cf` as given:', fence(config.mainCfText.trimEnd().split('\n'))];
  if (config.masterCfText) parts.push('', '`master.cf` as given:', fence(config.masterCfText.trimEnd().split('\n')));
  for (const paragraph of certificateSummary(config)) parts.push('', paragraph);
  if (config.unusedSettings.length > 0) {
    parts.push('', 'Settings no Postfix process reads at the security levels configured (changing them changes nothing):', '');
    parts.push(table(['parameter', 'your value', 'why it has no effect'], config.unusedSettings.map((u) => [`${u.parameter} (${u.source})`, code(u.value), u.reason])));
  }
  const changed = config.decisions.filter((d) => d.action !== 'keep');
  parts.push('', 'What the lab did not apply as written, and why:', '');
  parts.push(changed.length ? table(['parameter', 'your value', 'lab', 'why'], changed.map((d) => [`${d.parameter} (${d.source})`, code(d.value), d.action + (d.labValue !== undefined ? ` → ${code(d.labValue)}` : ''), d.reason])) : 'Nothing: every parameter was applied as written.');
  return parts.join('\n');
}

function matrixTable(rows: readonly MatrixRow[], evidence: Evidence): string {
  return table(['peer', 'outcome', 'fate', 'evidence'], rows.map((r) => [peer(r), r.outcome + (r.path ? ` (${r.path})` : ''), r.fate, evidence.ref(r.evidence)]));
}

function diffTable(diff: readonly DiffRow[], evidence: Evidence): string {
  const changed = diff.filter((d) => d.change !== 'same');
  if (changed.length === 0) return 'No peer changes: every sender and destination gets the same outcome.';
  return table(['peer', 'change', 'baseline', 'proposal'], changed.map((d) => [peer(d), `**${d.change}**`, `${d.before.outcome} ${evidence.ref(d.before.evidence)}`, `${d.after.outcome} ${evidence.ref(d.after.evidence)}`]));
}

/** A self-contained Markdown report of `tlslab validate`, to attach to a ticket. */
export function renderValidateMarkdown(report: ValidateReport): string {
  const evidence = new Evidence();
  const out: string[] = ['# tlslab validate', '', `**Verdict:** ${report.verdict}`, '', `Exit status ${report.exitCode}; ran in ${(report.durationMs / 1000).toFixed(1)} s.`, ''];
  if (report.unconfirmed.length > 0) out.push(`Not counted: ${report.unconfirmed.map((d) => d.name).join(', ')} failed in one run of the proposal, not in a second.`, '');
  out.push('## Receiver', '', selfReportSection(report.toolchain, report.selfReport), '');
  if (report.skipped.length) out.push('Left out of the population:', '', ...report.skipped.map((s) => `- ${s}`), '');
  for (const side of [report.baseline, report.proposal]) {
    if (!side) continue;
    out.push(`## ${side.label === 'proposal' ? 'Proposed' : 'Baseline'} configuration`, '', configSection(side.config), '');
    out.push(...rejectedSection(side.configErrors, side.result.receiver.log, evidence));
    out.push(`### Matrix: ${side.label}`, '', matrixTable(side.matrix, evidence), '');
  }
  if (report.diff) out.push('## Baseline → proposal', '', diffTable(report.diff, evidence), '', 'Order: TLSv1.3 > TLSv1.2 > TLSv1.1 > TLSv1 > SSLv3 > plaintext > failed; within a protocol AEAD with forward secrecy > AEAD > CBC with forward secrecy > CBC > RC4/3DES/export.', '');
  out.push('## Evidence', '', 'Log lines the claims above rest on (receiver log for inbound peers; the destination\'s log for outbound).', '', evidence.render(), '');
  return out.join('\n');
}

/** Postfix's errors about a configuration, each with the receiver's log line that shows it. */
function rejectedSection(errors: readonly string[], log: readonly string[], evidence: Evidence): string[] {
  if (errors.length === 0) return [];
  return [
    '**Postfix rejected part of this configuration** (quoted as Postfix printed it):', '',
    ...errors.map((error) => `- ${code(error)} ${evidence.ref(log.find((l) => l.includes(error.replace(/^\w+: /, ''))) ?? error)}`),
    '',
  ];
}

/** A self-contained Markdown report of `tlslab reproduce`. */
export function renderReproduceMarkdown(report: ReproduceReport): string {
  const evidence = new Evidence();
  const out: string[] = ['# tlslab reproduce', '', `**Result:** ${report.verdict}`, '', `Log: \`${report.log}\`; ran in ${(report.durationMs / 1000).toFixed(1)} s.`, ''];
  out.push('## Receiver', '', selfReportSection(report.toolchain, report.selfReport), '');
  if (report.skipped.length) out.push('Left out:', '', ...report.skipped.map((s) => `- ${s}`), '');
  out.push('## Configuration', '', configSection(report.config), '');
  out.push(...rejectedSection(report.configErrors, report.today?.result.receiver.log ?? [], evidence));
  for (const finding of report.findings) {
    const f = finding.failure;
    out.push(`## Failure: ${f.key}`, '');
    out.push(`Peers: ${peersText(f)}. Logged as ${f.evidence.filter((l) => /TLS library problem|SSL_accept error|SSL_connect error/.test(l)).map((l) => evidence.ref(l)).join(', ')}.`, '');
    out.push(finding.explanation, '');
    out.push('### Hypotheses', '');
    out.push(table([f.direction === 'outbound' ? 'destination' : 'sender', 'same error?', 'observed in the lab', 'why it could', 'evidence'], finding.outcomes.map((o) => [o.hypothesis.name, o.match === 'exact' || o.match === 'reason' ? `**yes** (${o.match})` : `no: ${o.detail}`, o.observed.outcome, (o.hypothesis.reasons[finding.failure.key] ?? o.hypothesis.why), evidence.ref(o.observed.evidence)])), '');
    if (finding.fixes.length) {
      out.push('### Fixes, best first', '', 'Ranked: breaks no sender that works today; then serves more of the failing senders; then the protocol and cipher they get; then fewer downgrades; then the smaller change.', '');
      finding.fixes.forEach((effect, index) => {
        out.push(`${index + 1}. **${effect.fix.title}** — serves ${effect.fixes.length}/${finding.reproducedBy.length}; breaks ${effect.breaks.length ? `**${effect.breaks.join(', ')}**` : 'nobody'}${effect.unconfirmed?.length ? ` (${effect.unconfirmed.join(', ')} failed once, not on a second run)` : ''}${effect.downgrades.length ? `; downgrades ${effect.downgrades.join(', ')}` : ''}${effect.configErrors.length ? `; Postfix says: ${effect.configErrors.map(code).join(', ')}` : ''}${effect.fix.weakens ? `; gives up: ${effect.fix.weakens}` : ''}. ${effect.fix.why}.`);
        out.push('', fence(fixLines(effect.fix, f.peers, ownPaths(report.config.decisions))).replace(/^/gm, '   '), '');
        const rows = effect.matrix.filter((r) => [finding.reproducedBy, effect.breaks, effect.downgrades].some((names) => names.includes(peer(r))));
        out.push(table(['peer', 'with this fix', 'evidence'], rows.map((r) => [peer(r), r.outcome, evidence.ref(r.evidence)])).replace(/^/gm, '   '), '');
      });
    }
  }
  if (report.today) out.push('## Today: the whole population against the configuration as it is', '', matrixTable(report.today.matrix, evidence), '');
  out.push('## Evidence', '', 'The admin\'s log lines and the lab receiver\'s log lines that the claims above rest on.', '', evidence.render(), '');
  return out.join('\n');
}
