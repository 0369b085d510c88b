import { isIP } from 'node:net';
import { dirname, join, relative, resolve } from 'node:path';
import { stringify } from 'yaml';
import { RECEIVER_FILES_DIR } from '../receiver/config-files.ts';
import type { ScenarioInput } from '../scenario/schema.ts';
import type { ParameterDecision } from './config-dir.ts';
import { GENERATED_RSA_CERTIFICATE } from './fixes.ts';
import type { MatrixRow } from './matrix.ts';
import type { FixEffect } from './ranking.ts';
import type { FailureFinding, ReproduceReport } from './reproduce.ts';

const TOKENS = /[^\s,]+/g;

/**
 * The admin's own path for each path the lab put in its place (from the rewrite decisions): a fix reads as the
 * admin's main.cf would say it. The RSA certificate the lab generated for an ECDSA server stands for the admin's.
 */
export function ownPaths(decisions: readonly ParameterDecision[]): Map<string, string> {
  const paths = new Map<string, string>([
    [GENERATED_RSA_CERTIFICATE.cert, '<an RSA certificate for the same names>'],
    [GENERATED_RSA_CERTIFICATE.key, '<its key>'],
  ]);
  for (const decision of decisions) {
    if (decision.action !== 'rewrite' || decision.labValue === undefined) continue;
    const lab = decision.labValue.match(TOKENS) ?? [];
    const own = decision.value.match(TOKENS) ?? [];
    if (lab.length !== own.length) continue;
    lab.forEach((token, i) => {
      if (token.includes(RECEIVER_FILES_DIR)) paths.set(token, own[i] as string);
    });
  }
  return paths;
}

/** A fix as main.cf lines, with `#` for a removed parameter; `paths` (see `ownPaths`) turns lab paths into the admin's. */
export function fixLines(fix: FixEffect['fix'], peers: readonly { name?: string; addr: string }[] = [], paths: ReadonlyMap<string, string> = new Map()): string[] {
  const own = (value: string) => value.replace(TOKENS, (token) => paths.get(token) ?? token);
  const lines = Object.entries(fix.mainCf).map(([key, value]) => (value === null ? `${key} =  (remove the line: Postfix's default applies)` : `${key} = ${own(value)}`));
  for (const [key, value] of Object.entries(fix.listener?.set ?? {})) {
    lines.push(`master.cf ${fix.listener?.service}: ${value === null ? `drop -o ${key} (main.cf's value then applies)` : `-o ${key}=${own(value)}`}`);
  }
  if (fix.discardStarttlsFor) {
    // A log that hides the address (`unknown`, `x.x.x.x`, a placeholder) gives no line a cidr table can take.
    const rows = peers.map((p) => (isIP(p.addr) !== 0 ? `  ${p.addr} starttls` : `  # the address of ${p.name || 'the sender'} (the log shows "${p.addr}") starttls`));
    lines.push(`/etc/postfix/tlslab-starttls-discard.cidr:`, ...new Set(rows));
  }
  return lines;
}

/** A row the server refused after the handshake (its outcome as `describeObserved` words it). */
const refusal = (row: MatrixRow): boolean => row.outcome.startsWith('refused');

/**
 * The reproduction as a scenario file to keep and run in CI: the admin's receiver and every sender
 * that reproduced a logged failure, expecting exactly the failure observed. The best fix for each
 * failure is written as a comment above, with the main.cf lines to change. Undefined when no sender or
 * destination reproduced a failure: a scenario needs one to run.
 */
export function reproductionScenario(report: ReproduceReport, outFile: string): string | undefined {
  const outDir = dirname(resolve(outFile));
  const files = Object.fromEntries(Object.entries(report.config.receiver.files).map(([name, path]) => [name, relative(outDir, join(report.config.dir, path))]));
  const senders: NonNullable<ScenarioInput['senders']> = [];
  const outbound: NonNullable<ScenarioInput['outbound']> = [];
  for (const finding of report.findings.filter((f) => f.failure.direction === 'outbound')) {
    for (const outcome of finding.outcomes.filter((o) => finding.reproducedBy.includes(o.hypothesis.name))) {
      const destination = report.destinations.find((d) => d.name === outcome.observed.name);
      if (destination === undefined || outbound.some((d) => d.name === destination.name)) continue;
      const row = outcome.observed;
      const expect = row.rank.level === 0
        ? { outcome: refusal(row) ? 'refused' as const : 'handshake-failed' as const, failureClass: row.failureClass ?? finding.failure.class }
        : row.outcome.startsWith('plaintext')
          ? { outcome: 'plaintext' as const, afterTlsFailure: row.outcome.includes('after TLS failed') }
          : { outcome: 'tls' as const };
      outbound.push({ ...destination, expect });
    }
  }
  for (const finding of report.findings.filter((f) => f.failure.direction === 'inbound')) {
    for (const outcome of finding.outcomes.filter((o) => finding.reproducedBy.includes(o.hypothesis.name))) {
      if (senders.some((s) => (s.name ?? s.profile) === outcome.hypothesis.name)) continue;
      const h = outcome.hypothesis;
      const reason = finding.failure.error?.reason;
      const failureClass = outcome.observed.failureClass ?? finding.failure.class;
      const expect = refusal(outcome.observed)
        ? { outcome: 'refused' as const, failureClass }
        : { outcome: 'handshake-failed' as const, failureClass, ...(reason ? { serverError: reason } : {}) };
      senders.push(h.probe
        ? { name: h.name, description: h.reasons[finding.failure.key] ?? h.why, ...h.probe, ...h.listener, expect }
        : h.listener ? { name: h.name, profile: h.profile ?? h.name, ...h.listener, expect } : { profile: h.profile ?? h.name, expect });
    }
  }
  if (senders.length === 0 && outbound.length === 0) return undefined;
  // A set-up failure reproduced by the configuration alone: the receiver's warning is its expectation, when the
  // scenario has traffic of that direction to make Postfix log it (smtpd for a sender, smtp for a destination).
  const byConfig = report.findings.filter((f) => f.reproducedByConfig !== undefined);
  const traffic = (f: FailureFinding) => (f.failure.direction === 'inbound' ? senders.length : outbound.length) > 0;
  const warnings = [...new Set(byConfig.filter(traffic).map((f) => (f.reproducedByConfig as string).replace(/^(?:warning|fatal|panic|error): /, '')))];
  const scenario: ScenarioInput = {
    name: 'reproduction',
    description: `Reproduces ${report.findings.filter((f) => f.reproducedBy.length || f.reproducedByConfig !== undefined).map((f) => `"${f.failure.summary}"`).join(' and ')} from ${report.log} on ${report.toolchain.toolchain} (written by tlslab reproduce).`,
    receiver: {
      toolchain: report.toolchain.toolchain,
      mainCf: report.config.receiver.mainCf,
      ...(report.config.receiver.masterCf.length ? { masterCf: report.config.receiver.masterCf } : {}),
      ...(report.config.receiver.certificate.generate ? { certificate: { generate: report.config.receiver.certificate.generate } } : {}),
      ...(Object.keys(report.config.receiver.maps).length ? { maps: report.config.receiver.maps } : {}),
      ...(Object.keys(files).length ? { files } : {}),
    },
    senders,
    ...(outbound.length > 0 ? { outbound } : {}),
    ...(warnings.length > 0 ? { expectReceiverWarnings: warnings } : {}),
    timeoutSeconds: 45,
  };
  const header = [`# tlslab reproduce --log ${report.log} --config ${report.config.dir}`, `# ${report.verdict}`];
  for (const finding of byConfig.filter((f) => !traffic(f))) {
    header.push(`# "${finding.failure.summary}" needs no peer: Postfix logs "${finding.reproducedByConfig}" with this configuration once ${finding.failure.direction === 'inbound' ? 'a sender connects' : 'it sends'}; add ${finding.failure.direction === 'inbound' ? 'a sender' : 'an outbound destination'} and "expectReceiverWarnings" to keep it in CI.`);
  }
  for (const finding of report.findings) {
    const best = finding.fixes[0];
    if (!best) continue;
    header.push(`#`, `# Best fix for "${finding.failure.key}": ${best.fix.title} (${best.breaks.length ? `breaks ${best.breaks.join(', ')}` : 'breaks no sender that works today'}${best.fix.weakens ? `; gives up: ${best.fix.weakens}` : ''}).`);
    header.push(...fixLines(best.fix, finding.failure.peers, ownPaths(report.config.decisions)).map((l) => `#   ${l}`));
  }
  const bestFixes = report.findings.flatMap((f) => (f.fixes[0] ? [f.fixes[0].fix] : []));
  const withoutStarttls = bestFixes.filter((fix) => fix.discardStarttlsFor !== undefined).length;
  header.push('#', withoutStarttls > 0 && withoutStarttls === bestFixes.length
    ? '# With the fix applied, these senders are not offered STARTTLS and deliver in plaintext: change their expect to "outcome: plaintext" to keep the fix in CI.'
    : `# With the fix applied, these senders and destinations should get TLS: change their expect to "outcome: tls" to keep the fix in CI${withoutStarttls > 0 ? ' ("outcome: plaintext" for the senders a fix stops offering STARTTLS to)' : ''}.`);
  return `${header.join('\n')}\n${stringify(scenario, { lineWidth: 0 })}`;
}
