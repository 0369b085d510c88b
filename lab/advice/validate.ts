import { connectEngine, type Engine } from '../docker/engine.ts';
import { newRunId } from '../docker/labels.ts';
import { LabError, type LabErrorCode } from '../errors.ts';
import type { ProgressSink } from '../images/progress.ts';
import type { UnusedSetting } from '../postfix-config/unused-settings.ts';
import { defineScenario } from '../scenario/load.ts';
import type { ScenarioResult, SelfReport } from '../scenario/result.ts';
import { runScenario } from '../scenario/runner.ts';
import { loadSenderProfiles } from '../senders/profiles.ts';
import { loadToolchains } from '../toolchains/registry.ts';
import type { SourceOptions } from '../toolchains/sources.ts';
import { readConfigDir, type AdminConfig, type CertType } from './config-dir.ts';
import { listenerDecisions, listenerEntry, listenerPopulation } from './listeners.ts';
import { diffMatrices, matrixOf, type DiffRow, type MatrixRow } from './matrix.ts';
import { loadPopulation, type Population } from './population.ts';
import { postconfWarnings } from './postconf-check.ts';
import { chooseReceiverToolchain, type ToolchainRequest } from './receiver-toolchain.ts';
import type { ToolchainChoice } from './toolchain-pick.ts';

export interface ValidateOptions extends ToolchainRequest {
  /** The proposed configuration folder (main.cf, optionally master.cf, certificate, key, tables). */
  config: string;
  /** The configuration in production today, to compare against. */
  baseline?: string;
  /** Key type of the generated certificate when the folder has none. Default: rsa. */
  certType?: CertType;
  /** Breaking a sender the baseline served is reported as a warning, not a failure. Default: false. */
  allowRegressions?: boolean;
  progress?: ProgressSink;
  signal?: AbortSignal;
  engine?: Engine;
  sources?: SourceOptions;
}

/** One configuration run against the population. */
export interface ValidatedSide {
  label: 'proposal' | 'baseline';
  config: AdminConfig;
  result: ScenarioResult;
  matrix: MatrixRow[];
  /** Postfix's complaints about this configuration, quoted as it printed them (its log and `postconf -n`), plus a receiver that never started. */
  configErrors: string[];
}

export interface ValidateReport {
  kind: 'validate';
  /** Every container and network of the run carries it (tlslab clean --run ID). */
  runId: string;
  toolchain: ToolchainChoice;
  selfReport?: SelfReport;
  proposal: ValidatedSide;
  baseline?: ValidatedSide;
  diff?: DiffRow[];
  /** Senders or destinations the baseline served and the proposal does not, in two runs of the proposal. */
  regressions: DiffRow[];
  /** Peers that failed in one run of the proposal but not in the second: not counted as regressions. */
  unconfirmed: DiffRow[];
  /** Configuration errors of the proposal that the baseline does not have. */
  newConfigErrors: string[];
  skipped: string[];
  verdict: string;
  /** 0: safe to roll out (or regressions allowed); 1: it breaks a served peer or Postfix rejects part of it. */
  exitCode: 0 | 1;
  durationMs: number;
}

/**
 * Runs a proposed Postfix configuration, and the baseline when given, as the receiver against
 * every sender profile and every outbound destination, observe-only, and compares them.
 */
export async function validateConfig(options: ValidateOptions): Promise<ValidateReport> {
  const started = Date.now();
  const proposalConfig = await readConfigDir(options.config, options.certType ? { certType: options.certType } : {});
  const baselineConfig = options.baseline === undefined ? undefined : await readConfigDir(options.baseline, options.certType ? { certType: options.certType } : {});
  const toolchains = await loadToolchains();
  const toolchain = await chooseReceiverToolchain(toolchains, options, proposalConfig.versions, options.sources, proposalConfig.needs);
  const profiles = await loadSenderProfiles();
  const population = await loadPopulation(toolchains, { profiles, ...(options.sources ? { sources: options.sources } : {}) });
  const engine = options.engine ?? (await connectEngine());
  const runId = newRunId();
  const run = async (label: ValidatedSide['label'], admin: AdminConfig): Promise<ValidatedSide> => {
    const served = admin.listeners.filter((l) => l.problems.length === 0);
    const config = { ...admin, decisions: [...admin.decisions, ...served.flatMap((l) => listenerDecisions(l, `a listener of master.cf (${l.syslogName}/smtpd)`, 'sends the one-shot clients of the population there too'))] };
    const onListeners = { ...population, senders: [...population.senders, ...listenerPopulation(served, population.senders, profiles)] };
    options.progress?.({ kind: 'phase', phase: 'validate', detail: `${label}: ${config.dir} on ${toolchain.toolchain}, ${onListeners.senders.length} senders, ${population.outbound.length} destinations` });
    const result = await runScenario(populationScenario(label, config, toolchain.toolchain, onListeners), {
      engine,
      toolchains,
      runId,
      observe: true,
      ...(options.sources ? { images: { sources: options.sources } } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (options.signal?.aborted) throw new LabError('LAB_INTERRUPTED', 'Interrupted; every container and network of this run was removed.');
    const configErrors = [...result.receiver.configWarnings];
    if (result.receiver.image) {
      for (const warning of await postconfWarnings(result.receiver.image, config.receiver.mainCf, runId, `${label}-postconf`)) if (!configErrors.includes(warning)) configErrors.push(warning);
    }
    if (result.error) {
      if (result.senders.length === 0 && result.error.code !== 'LAB_TIMEOUT' && result.error.code !== 'LAB_CONTAINER_FAILED') throw new LabError(result.error.code as LabErrorCode, result.error.message);
      configErrors.push(`the run did not complete: ${result.error.code}: ${result.error.message}`);
    }
    return { label, config, result, matrix: matrixOf(result), configErrors };
  };
  const baseline = baselineConfig ? await run('baseline', baselineConfig) : undefined;
  const proposal = await run('proposal', proposalConfig);
  const diff = baseline ? diffMatrices(baseline.matrix, proposal.matrix) : undefined;
  let regressions = (diff ?? []).filter((d) => d.change === 'newly-fails');
  let unconfirmed: DiffRow[] = [];
  if (baseline && regressions.length > 0) {
    // A peer that fails once can be a slow run (an MTA that had not delivered yet): a regression counts when it recurs.
    const again = diffMatrices(baseline.matrix, (await run('proposal', proposalConfig)).matrix);
    const recurs = (d: DiffRow) => again.some((a) => a.change === 'newly-fails' && a.direction === d.direction && a.name === d.name);
    unconfirmed = regressions.filter((d) => !recurs(d));
    regressions = regressions.filter(recurs);
  }
  const newConfigErrors = proposal.configErrors.filter((e) => !(baseline?.configErrors ?? []).includes(e));
  const known = new Set((baseline?.config.unusedSettings ?? []).map((u) => `${u.parameter} = ${u.value}`));
  const newUnused = proposal.config.unusedSettings.filter((u) => !known.has(`${u.parameter} = ${u.value}`));
  const { verdict, exitCode } = validateVerdict(proposal, baseline, diff, regressions, newConfigErrors, options.allowRegressions ?? false, newUnused);
  const selfReport = proposal.result.selfReports.find((r) => r.role === 'receiver');
  return {
    kind: 'validate',
    runId,
    toolchain,
    ...(selfReport ? { selfReport } : {}),
    proposal,
    ...(baseline ? { baseline } : {}),
    ...(diff ? { diff } : {}),
    regressions,
    unconfirmed,
    newConfigErrors,
    skipped: [...population.skipped, ...proposalConfig.listeners.flatMap((l) => (l.problems.length > 0 ? [`master.cf ${l.service} (port ${l.port}): ${l.problems.join('; ')}`] : []))],
    verdict,
    exitCode,
    durationMs: Date.now() - started,
  };
}

/**
 * The receiver from an admin's configuration folder, with its master.cf listeners that can run, and the population
 * as observe-only peers.
 */
export function populationScenario(label: string, config: AdminConfig, toolchain: string, population: Pick<Population, 'senders' | 'outbound'>, timeoutSeconds = 45) {
  const listeners = config.listeners.filter((l) => l.problems.length === 0).map((l) => listenerEntry(l));
  const scenario = defineScenario({
    name: label,
    description: `${label}: ${config.dir}`,
    receiver: { toolchain, ...config.receiver, masterCf: [...config.receiver.masterCf, ...listeners] },
    senders: population.senders,
    outbound: population.outbound,
    timeoutSeconds,
  });
  return { scenario, dir: config.dir };
}

function names(rows: readonly DiffRow[]): string {
  return rows.map((r) => `${r.direction === 'outbound' ? '→ ' : ''}${r.name}`).join(', ');
}

/**
 * The verdict and exit status: NOT SAFE (1) when the proposal breaks a peer the baseline served
 * (unless regressions are allowed) or Postfix rejects part of it; otherwise 0.
 */
export function validateVerdict(
  proposal: Pick<ValidatedSide, 'matrix'>, baseline: Pick<ValidatedSide, 'matrix'> | undefined, diff: DiffRow[] | undefined, regressions: DiffRow[], configErrors: string[], allowRegressions: boolean,
  unused: readonly UnusedSetting[] = [],
): { verdict: string; exitCode: 0 | 1 } {
  const served = proposal.matrix.filter((r) => r.rank.level > 0);
  const tls = proposal.matrix.filter((r) => r.rank.level > 1);
  const failing = proposal.matrix.filter((r) => r.rank.level === 0);
  const errors = (configErrors.length > 0 ? ` Postfix rejected part of the configuration (${configErrors.length} error${configErrors.length > 1 ? 's' : ''}).` : '') +
    (unused.length > 0 ? ` It sets ${unused.length} TLS setting(s) that no Postfix process reads at its security levels: ${unused.map((u) => u.parameter).join(', ')}.` : '');
  const summary = `${served.length}/${proposal.matrix.length} peers served (${tls.length} over TLS)${failing.length ? `, failing: ${failing.map((r) => `${r.direction === 'outbound' ? '→ ' : ''}${r.name}`).join(', ')}` : ''}.`;
  if (!baseline || !diff) {
    return { verdict: `${configErrors.length > 0 ? 'NOT SAFE' : 'RAN'}: ${summary}${errors} No baseline given: nothing to compare with.`, exitCode: configErrors.length > 0 ? 1 : 0 };
  }
  const worse = diff.filter((d) => d.change === 'worse');
  const better = diff.filter((d) => d.change === 'better' || d.change === 'newly-served');
  const parts = [
    regressions.length ? `breaks ${regressions.length} peer(s) the baseline served: ${names(regressions)}` : 'breaks no peer the baseline served',
    worse.length ? `downgrades ${names(worse)}` : '',
    better.length ? `improves ${names(better)}` : '',
  ].filter(Boolean);
  const unsafe = (regressions.length > 0 && !allowRegressions) || configErrors.length > 0;
  const label = unsafe ? 'NOT SAFE' : regressions.length > 0 ? 'SAFE ONLY IF ACCEPTED (--allow-regressions)' : worse.length > 0 ? 'SAFE, WITH DOWNGRADES' : 'SAFE';
  return { verdict: `${label}: the proposal ${parts.join('; ')}. ${summary}${errors}`, exitCode: unsafe ? 1 : 0 };
}
