import { LabContainer, type ExecOutcome } from '../docker/container.ts';
import { connectEngine, type Engine } from '../docker/engine.ts';
import { LABEL, newRunId, runLabels } from '../docker/labels.ts';
import { createInternalNetwork, removeNetwork } from '../docker/network.ts';
import { Teardown } from '../docker/teardown.ts';
import { LabError, isLabError } from '../errors.ts';
import { ensureToolchainImage, type EnsureImageOptions } from '../images/build.ts';
import { type ProgressSink, silentProgress } from '../images/progress.ts';
import { readSessions } from '../logs/index.ts';
import { renderReceiverConfig } from '../receiver/config-files.ts';
import { waitForSmtpGreeting } from '../receiver/readiness.ts';
import { sClientCommand, swaksCommand, type ClientCommand, type MessageEnvelope } from '../senders/client-command.ts';
import { readSClientTranscript, readSwaksTranscript, type ClientView } from '../senders/transcript.ts';
import type { Toolchain } from '../toolchains/model.ts';
import { getToolchain, loadToolchains } from '../toolchains/registry.ts';
import { buildSelfReport } from '../toolchains/self-report.ts';
import { checkExpectation, describeExpectation } from './expectations.ts';
import type { LoadedScenario } from './load.ts';
import { deriveOutcome, type MessageFateView, type ServerSessionView } from './outcome.ts';
import type { RunReport, ScenarioResult, SelfReport, SenderResult } from './result.ts';
import type { Scenario, SenderSpec } from './schema.ts';

export const RECEIVER_HOSTNAME = 'receiver.lab.test';

export interface RunOptions {
  engine?: Engine;
  toolchains?: Map<string, Toolchain>;
  runId?: string;
  progress?: ProgressSink;
  /** Aborting stops waiting at once; everything created is still removed. */
  signal?: AbortSignal;
  images?: EnsureImageOptions;
}

interface RunningSender {
  spec: SenderSpec;
  container: LabContainer;
  exec?: ExecOutcome;
  view?: ClientView;
}

/** Runs scenarios one after another, each on its own network, and reports every outcome. */
export async function runScenarios(scenarios: LoadedScenario[], options: RunOptions = {}): Promise<RunReport> {
  const engine = options.engine ?? (await connectEngine());
  const toolchains = options.toolchains ?? (await loadToolchains());
  const runId = options.runId ?? newRunId();
  const startedAt = new Date().toISOString();
  options.progress?.({ kind: 'phase', phase: 'run', detail: `run id ${runId} (tlslab clean --run ${runId} removes what a crash leaves)` });
  const results: ScenarioResult[] = [];
  for (const loaded of scenarios) {
    results.push(await runScenario(loaded, { ...options, engine, toolchains, runId }));
    if (options.signal?.aborted) break;
  }
  return { runId, startedAt, passed: results.length === scenarios.length && results.every((r) => r.passed), scenarios: results };
}

/**
 * Runs one scenario: images, an internal network, the receiver (ready at its 220 greeting), the
 * senders in parallel, then the receiver's log is read into outcomes. Whatever happens, every
 * container and the network are removed before this returns.
 */
export async function runScenario(loaded: LoadedScenario, options: RunOptions = {}): Promise<ScenarioResult> {
  const { scenario } = loaded;
  const started = Date.now();
  const engine = options.engine ?? (await connectEngine());
  const toolchains = options.toolchains ?? (await loadToolchains());
  const runId = options.runId ?? newRunId();
  const progress = options.progress ?? silentProgress;
  const signal = options.signal;
  const timeoutMs = scenario.timeoutSeconds * 1000;
  const timings = { imagesMs: 0, receiverReadyMs: 0, sendersMs: 0, logsMs: 0, teardownMs: 0, totalMs: 0 };
  const result: ScenarioResult = {
    scenario: scenario.name,
    description: scenario.description,
    ...(loaded.file ? { file: loaded.file } : {}),
    runId,
    passed: false,
    receiver: { toolchain: scenario.receiver.toolchain, image: '', configWarnings: [], log: [] },
    senders: [],
    selfReports: [],
    timings,
  };
  const teardown = new Teardown();
  const checkAbort = () => {
    if (signal?.aborted) throw new LabError('LAB_INTERRUPTED', `interrupted while running ${scenario.name}`);
  };
  let receiver: LabContainer | undefined;
  try {
    const phase = Date.now();
    const images = new Map<string, string>();
    for (const name of new Set([scenario.receiver.toolchain, ...scenario.senders.map((s) => s.toolchain)])) {
      checkAbort();
      const image = await ensureToolchainImage(engine, toolchains, getToolchain(toolchains, name).name, { progress, ...options.images });
      images.set(name, image.tag);
    }
    timings.imagesMs = Date.now() - phase;
    result.receiver.image = images.get(scenario.receiver.toolchain)!;
    checkAbort();

    const prefix = `tlslab-${runId}-${scenario.name}`;
    const labels = runLabels(runId, { [LABEL.scenario]: scenario.name });
    const network = await createInternalNetwork(engine, prefix, labels);
    teardown.add(`network ${network.name}`, () => removeNetwork(engine, network.id));

    progress({ kind: 'phase', phase: 'receiver', detail: `starting ${scenario.receiver.toolchain}` });
    const readyStarted = Date.now();
    const config = await renderReceiverConfig(scenario.receiver, loaded.dir);
    const startReceiver = LabContainer.start({
      image: result.receiver.image,
      name: `${prefix}-receiver`,
      hostname: RECEIVER_HOSTNAME,
      network: network.name,
      aliases: [RECEIVER_HOSTNAME],
      labels: { ...labels, [LABEL.role]: 'receiver' },
      command: ['receiver'],
      env: { ...config.env, TLSLAB_HOSTNAME: RECEIVER_HOSTNAME },
      files: config.files,
    }).then((container) => {
      receiver = container;
      teardown.add(`container ${container.name}`, () => container.remove());
      return container;
    });
    const startSenders = Promise.all(
      scenario.senders.map((spec) =>
        LabContainer.start({
          image: images.get(spec.toolchain)!,
          name: `${prefix}-${spec.name}`,
          hostname: `${spec.name}.senders.lab.test`,
          network: network.name,
          labels: { ...labels, [LABEL.role]: 'sender' },
          command: ['idle'],
        }).then((container) => {
          teardown.add(`container ${container.name}`, () => container.remove());
          return { spec, container } as RunningSender;
        }),
      ),
    );
    const [started, senders] = await Promise.allSettled([startReceiver, startSenders]).then((settled) => {
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure) throw failure.reason;
      return [(settled[0] as PromiseFulfilledResult<LabContainer>).value, (settled[1] as PromiseFulfilledResult<RunningSender[]>).value] as const;
    });
    result.receiver.greeting = await waitForSmtpGreeting(started, timeoutMs, signal);
    timings.receiverReadyMs = Date.now() - readyStarted;
    progress({ kind: 'done', phase: 'receiver', detail: result.receiver.greeting, elapsedMs: timings.receiverReadyMs });
    checkAbort();

    const sendStarted = Date.now();
    await Promise.all(senders.map((sender) => runSender(sender, scenario, progress)));
    timings.sendersMs = Date.now() - sendStarted;
    checkAbort();

    const logsStarted = Date.now();
    const parsed = await settleReceiverLog(started, senders, timeoutMs, signal);
    timings.logsMs = Date.now() - logsStarted;
    result.receiver.log = [...started.logLines()];
    result.receiver.configWarnings = configWarnings(result.receiver.log);
    result.senders = senders.map((sender) => senderResult(sender, parsed.sessions.filter((s) => s.peer.addr === sender.container.ipAddress), parsed.fates));
    result.selfReports = await selfReports(scenario, started, senders, toolchains, images);
    result.passed = result.senders.every((s) => s.held);
  } catch (error) {
    if (receiver) result.receiver.log = [...receiver.logLines()];
    if (!isLabError(error)) throw await finish(error);
    result.error = { code: error.code, message: error.message };
    if (error.code === 'LAB_INTERRUPTED' || error.code === 'LAB_DOCKER_UNAVAILABLE') throw await finish(error);
  }
  await finish(undefined);
  return result;

  async function finish(error: unknown): Promise<unknown> {
    const teardownStarted = Date.now();
    progress({ kind: 'phase', phase: 'teardown', detail: 'removing containers and network' });
    const problems = await teardown.run();
    timings.teardownMs = Date.now() - teardownStarted;
    timings.totalMs = Date.now() - started;
    if (problems.length > 0 && error === undefined) {
      result.error = { code: 'LAB_CONTAINER_FAILED', message: problems.map((p) => p.message).join('\n') };
      result.passed = false;
    }
    return error;
  }
}

function envelope(spec: SenderSpec, scenario: Scenario): MessageEnvelope {
  return {
    server: RECEIVER_HOSTNAME,
    heloName: `${spec.name}.senders.lab.test`,
    from: spec.message.from ?? `${spec.name}@senders.lab.test`,
    to: spec.message.to ?? `sink@${RECEIVER_HOSTNAME}`,
    subject: spec.message.subject ?? `tlslab ${scenario.name}: ${spec.name}`,
    body: spec.message.body ?? `Sent by sender "${spec.name}" of scenario "${scenario.name}".`,
    timeoutSeconds: Math.min(scenario.timeoutSeconds, 60),
  };
}

function clientCommand(spec: SenderSpec, scenario: Scenario): ClientCommand {
  return spec.client === 'openssl' ? sClientCommand(spec, envelope(spec, scenario)) : swaksCommand(spec, envelope(spec, scenario));
}

async function runSender(sender: RunningSender, scenario: Scenario, progress: ProgressSink): Promise<void> {
  const command = clientCommand(sender.spec, scenario);
  for (const file of command.files) await sender.container.copyFile(file.path, file.content);
  progress({ kind: 'phase', phase: 'sender', detail: `${sender.spec.name}: ${sender.spec.client} (${sender.spec.toolchain})` });
  sender.exec = await sender.container.exec(command.argv, { env: command.env, timeoutSeconds: scenario.timeoutSeconds });
  sender.view = sender.spec.client === 'openssl' ? readSClientTranscript(sender.exec.output) : readSwaksTranscript(sender.exec.output);
  progress({ kind: 'done', phase: 'sender', detail: `${sender.spec.name}: exit ${sender.exec.exitCode}`, elapsedMs: sender.exec.durationMs });
}

interface ParsedReceiverLog {
  sessions: ServerSessionView[];
  fates: Map<string, MessageFateView[]>;
}

const FINAL_STATUS = new Set(['sent', 'bounced', 'expired']);

/**
 * Reads the receiver's log until every sender's session has ended and every queued message has a
 * final status, so outcomes never rest on a half-written log.
 */
async function settleReceiverLog(receiver: LabContainer, senders: RunningSender[], timeoutMs: number, signal?: AbortSignal): Promise<ParsedReceiverLog> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const parsed = readSessions(receiver.logLines()) as unknown as ParsedReceiverLog;
    const settled = senders.every((sender) => {
      const sessions = parsed.sessions.filter((s) => s.peer.addr === sender.container.ipAddress);
      if (sender.view?.connected && sessions.length === 0) return false;
      if (sessions.some((s) => !s.complete)) return false;
      const queueId = sender.view?.queuedAs;
      return queueId === undefined || (parsed.fates.get(queueId) ?? []).some((f) => FINAL_STATUS.has(f.status));
    });
    if (settled || Date.now() >= deadline || signal?.aborted) return parsed;
    await receiver.nextOutput(250, signal);
  }
}

function senderResult(sender: RunningSender, sessions: ServerSessionView[], fates: Map<string, MessageFateView[]>): SenderResult {
  const view = sender.view ?? { connected: false, starttlsOffered: false };
  const outcome = deriveOutcome(sessions, fates, view);
  const check = checkExpectation(sender.spec.expect, outcome.observed, outcome.fate);
  return {
    name: sender.spec.name,
    ...(sender.spec.description ? { description: sender.spec.description } : {}),
    toolchain: sender.spec.toolchain,
    client: sender.spec.client,
    address: sender.container.ipAddress,
    expect: sender.spec.expect,
    expected: describeExpectation(sender.spec.expect),
    observed: outcome.observed,
    fate: outcome.fate,
    held: check.held,
    ...(check.mismatch ? { mismatch: check.mismatch } : {}),
    evidence: outcome.evidence,
    transcript: sender.exec?.output ?? '',
    exitCode: sender.exec?.exitCode ?? -1,
    durationMs: sender.exec?.durationMs ?? 0,
  };
}

const CONFIG_WARNING = /postfix[\w./-]*\[\d+\]: (warning|fatal|panic|error): (.*)$/;
const SESSION_NOISE = /TLS library problem|SSL_accept error|SSL_connect error|lost connection|\[\d{1,3}(\.\d{1,3}){3}\]/;

/** Postfix's complaints about its own configuration, each quoted once as Postfix printed it. */
export function configWarnings(log: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const line of log) {
    const match = CONFIG_WARNING.exec(line);
    if (!match || SESSION_NOISE.test(line)) continue;
    const key = `${match[1]}: ${match[2]}`;
    if (!seen.has(key)) seen.set(key, key);
  }
  return [...seen.values()];
}

async function selfReports(
  scenario: Scenario,
  receiver: LabContainer,
  senders: RunningSender[],
  toolchains: Map<string, Toolchain>,
  images: Map<string, string>,
): Promise<SelfReport[]> {
  const targets: { role: SelfReport['role']; toolchain: string; container: LabContainer }[] = [
    { role: 'receiver', toolchain: scenario.receiver.toolchain, container: receiver },
  ];
  const seen = new Set<string>();
  for (const sender of senders) {
    if (seen.has(sender.spec.toolchain)) continue;
    seen.add(sender.spec.toolchain);
    targets.push({ role: 'sender', toolchain: sender.spec.toolchain, container: sender.container });
  }
  return Promise.all(
    targets.map(async ({ role, toolchain, container }) => {
      const output = await container.exec(['/usr/local/bin/tlslab-entrypoint', 'self-report'], { timeoutSeconds: 20 });
      return buildSelfReport(role, getToolchain(toolchains, toolchain), images.get(toolchain)!, output.stdout);
    }),
  );
}
