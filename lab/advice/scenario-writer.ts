import { dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ScenarioInput } from '../scenario/schema.ts';
import type { FixEffect } from './ranking.ts';
import type { ReproduceReport } from './reproduce.ts';

/** A fix as main.cf lines, with `#` for a removed parameter. */
export function fixLines(fix: FixEffect['fix'], peers: readonly { addr: string }[] = []): string[] {
  const lines = Object.entries(fix.mainCf).map(([key, value]) => (value === null ? `${key} =  (remove the line: Postfix's default applies)` : `${key} = ${value}`));
  if (fix.discardStarttlsFor) {
    lines.push(`/etc/postfix/tlslab-starttls-discard.cidr:`, ...[...new Set(peers.map((p) => p.addr))].map((addr) => `  ${addr} starttls`));
  }
  return lines;
}

/**
 * The reproduction as a scenario file to keep and run in CI: the admin's receiver and every sender
 * that reproduced a logged failure, expecting exactly the failure observed. The best fix for each
 * failure is written as a comment above, with the main.cf lines to change.
 */
export function reproductionScenario(report: ReproduceReport, outFile: string): string {
  const outDir = dirname(resolve(outFile));
  const files = Object.fromEntries(Object.entries(report.config.receiver.files).map(([name, path]) => [name, relative(outDir, join(report.config.dir, path))]));
  const senders: NonNullable<ScenarioInput['senders']> = [];
  for (const finding of report.findings) {
    for (const outcome of finding.outcomes.filter((o) => finding.reproducedBy.includes(o.hypothesis.name))) {
      if (senders.some((s) => (s.name ?? s.profile) === outcome.hypothesis.name)) continue;
      const h = outcome.hypothesis;
      const reason = finding.failure.error?.reason;
      const expect = { outcome: 'handshake-failed' as const, failureClass: outcome.observed.failureClass ?? finding.failure.class, ...(reason ? { serverError: reason } : {}) };
      senders.push(h.probe ? { name: h.name, description: h.reasons[finding.failure.key] ?? h.why, ...h.probe, expect } : { profile: h.profile ?? h.name, expect });
    }
  }
  const scenario: ScenarioInput = {
    name: 'reproduction',
    description: `Reproduces ${report.findings.filter((f) => f.reproducedBy.length).map((f) => `"${f.failure.summary}"`).join(' and ')} from ${report.log} on ${report.toolchain.toolchain} (written by tlslab reproduce).`,
    receiver: {
      toolchain: report.toolchain.toolchain,
      mainCf: report.config.receiver.mainCf,
      ...(report.config.receiver.certificate.generate ? { certificate: { generate: report.config.receiver.certificate.generate } } : {}),
      ...(Object.keys(report.config.receiver.maps).length ? { maps: report.config.receiver.maps } : {}),
      ...(Object.keys(files).length ? { files } : {}),
    },
    senders,
    timeoutSeconds: 45,
  };
  const header = [`# tlslab reproduce --log ${report.log} --config ${report.config.dir}`, `# ${report.verdict}`];
  for (const finding of report.findings) {
    const best = finding.fixes[0];
    if (!best) continue;
    header.push(`#`, `# Best fix for "${finding.failure.key}": ${best.fix.title} (${best.breaks.length ? `breaks ${best.breaks.join(', ')}` : 'breaks no sender that works today'}).`);
    header.push(...fixLines(best.fix, finding.failure.peers).map((l) => `#   ${l}`));
  }
  header.push('#', '# With the fix applied, these senders should succeed: change their expect to "outcome: tls" to keep the fix in CI.');
  return `${header.join('\n')}\n${stringify(scenario, { lineWidth: 0 })}`;
}
