import { certificateSummary } from '../advice/certificate-check.ts';
import type { AdminConfig } from '../advice/config-dir.ts';
import type { DiffRow, MatrixRow } from '../advice/matrix.ts';
import type { FixEffect } from '../advice/ranking.ts';
import type { ReproduceReport } from '../advice/reproduce.ts';
import { peersText } from '../advice/failures.ts';
import { fixLines, ownPaths } from '../advice/scenario-writer.ts';
import type { ValidateReport } from '../advice/validate.ts';
import { renderTable } from './text-table.ts';

const shortLine = (line: string) => line.replace(/^.*?postfix[\w./-]*\[\d+\]: /, '');
const peer = (row: Pick<MatrixRow, 'direction' | 'name'>) => `${row.direction === 'outbound' ? '→ ' : ''}${row.name}`;

export function renderMatrix(rows: readonly MatrixRow[]): string {
  return renderTable(
    ['peer', 'outcome', 'fate', 'log evidence'],
    rows.map((r) => [peer(r), r.outcome, r.fate, shortLine(r.evidence)]),
    [32, 44, 24, 100],
  );
}

export function renderDiff(diff: readonly DiffRow[]): string {
  const changed = diff.filter((d) => d.change !== 'same');
  if (changed.length === 0) return 'No peer changes: every sender and destination gets the same protocol and cipher.';
  return renderTable(['peer', 'change', 'baseline', 'proposal'], changed.map((d) => [peer(d), d.change.toUpperCase(), d.before.outcome, d.after.outcome]), [32, 14, 48, 48]);
}

function decisionsText(report: Pick<AdminConfig, 'decisions'>): string {
  const changed = report.decisions.filter((d) => d.action !== 'keep');
  return changed.map((d) => `  ${d.action.padEnd(8)} ${d.parameter}${d.labValue !== undefined ? ` -> ${d.labValue}` : ''}: ${d.reason}`).join('\n');
}

function unusedText(config: Pick<AdminConfig, 'unusedSettings'>): string[] {
  if (config.unusedSettings.length === 0) return [];
  return ['Settings no Postfix process reads at the security levels configured (changing them changes nothing):',
    ...config.unusedSettings.map((u) => `  ${u.source}: ${u.parameter} = ${u.value}: ${u.reason}`)];
}

/** The validate report for a terminal. */
export function renderValidateText(report: ValidateReport): string {
  const out: string[] = [];
  out.push(`Receiver toolchain: ${report.toolchain.toolchain} (${report.toolchain.reason})`);
  if (report.selfReport) out.push(`  runs: Postfix ${report.selfReport.mailVersion ?? '?'}, smtpd linked against ${report.selfReport.linkedTls ?? '?'}`);
  for (const skipped of report.skipped) out.push(`  left out: ${skipped}`);
  for (const side of [report.baseline, report.proposal]) {
    if (!side) continue;
    out.push('', `== ${side.label}: ${side.config.dir}`);
    out.push('Parameters the lab did not apply as written:', decisionsText(side.config) || '  none');
    out.push(...unusedText(side.config));
    out.push(...certificateSummary(side.config));
    for (const error of side.configErrors) out.push(`POSTFIX ERROR: ${error}`);
    out.push(renderMatrix(side.matrix));
  }
  if (report.diff) out.push('', '== baseline → proposal', renderDiff(report.diff));
  if (report.unconfirmed.length > 0) out.push(`Not counted: ${report.unconfirmed.map((d) => d.name).join(', ')} failed in one run of the proposal, not in a second.`);
  out.push('', report.verdict);
  return out.join('\n');
}

function fixRow(effect: FixEffect, reproduced: number, peers: readonly { name?: string; addr: string }[], paths: ReadonlyMap<string, string>): string[] {
  return [
    effect.fix.weakens === undefined ? effect.fix.title : `${effect.fix.title} (gives up: ${effect.fix.weakens})`,
    `${effect.fixes.length}/${reproduced}`,
    `${effect.breaks.length ? effect.breaks.join(', ') : 'none'}${effect.unconfirmed?.length ? ` (${effect.unconfirmed.join(', ')} failed once, not on a second run)` : ''}`,
    effect.matrix.filter((r) => effect.fixes.includes(peer(r))).map((r) => `${peer(r)}: ${r.outcome}`).join('\n') || '-',
    fixLines(effect.fix, peers, paths).join('\n'),
  ];
}

/** The reproduce report for a terminal. */
export function renderReproduceText(report: ReproduceReport): string {
  const out: string[] = [];
  const paths = ownPaths(report.config.decisions);
  out.push(`Log: ${report.log} (${report.logReversed ? 'newest line first, read turned round; ' : ''}${report.findings.length} kind(s) of failure; OpenSSL format ${report.logVersions.openssl ?? 'unknown'}${report.logVersions.postfix ? `, Postfix ${report.logVersions.postfix}` : report.logVersions.postfixRange ? `, Postfix ${report.logVersions.postfixRange}` : ''})`);
  out.push(`Receiver toolchain: ${report.toolchain.toolchain} (${report.toolchain.reason})`);
  if (report.selfReport) out.push(`  runs: Postfix ${report.selfReport.mailVersion ?? '?'}, smtpd linked against ${report.selfReport.linkedTls ?? '?'}`);
  for (const skipped of report.skipped) out.push(`  left out: ${skipped}`);
  for (const error of report.configErrors) out.push(`POSTFIX ERROR: ${error}`);
  const decisions = decisionsText(report.config);
  if (decisions !== '') out.push('Parameters the lab did not apply as written:', decisions);
  out.push(...unusedText(report.config));
  for (const finding of report.findings) {
    out.push('', `== ${finding.failure.key} (${peersText(finding.failure)})`);
    out.push(finding.explanation);
    out.push(
      renderTable(
        ['hypothesis', 'same error?', 'observed', 'why it could'],
        finding.outcomes.map((o) => [o.hypothesis.name, o.match === 'exact' || o.match === 'reason' ? `YES (${o.match})` : `no (${o.detail})`, o.observed.outcome, (o.hypothesis.reasons[finding.failure.key] ?? o.hypothesis.why)]),
        // 41: the longest sender name, which is never broken.
        [41, 40, 40, 70],
      ),
    );
    if (finding.fixes.length > 0) {
      out.push('Fixes, best first:', renderTable(['fix', 'serves', 'breaks', 'they get', 'change'], finding.fixes.map((e) => fixRow(e, finding.reproducedBy.length, finding.failure.peers, paths)), [40, 7, 30, 50, 60]));
    }
  }
  out.push('', report.verdict);
  return out.join('\n');
}
