import { removeLabelled } from '../docker/cleanup.ts';
import { LAB_CA_ROOT_NAME, labCa, SYSTEM_CA_BUNDLE, SYSTEM_CA_DIRECTORY } from '../certificates/lab-ca.ts';
import { assertExecSucceeded, type LabContainer } from '../docker/container.ts';
import { connectEngine, type Engine } from '../docker/engine.ts';
import { LABEL, newRunId, runLabels } from '../docker/labels.ts';
import { createInternalNetwork, disconnectFromNetwork, removeNetwork } from '../docker/network.ts';
import { Teardown } from '../docker/teardown.ts';
import { LabError, isLabError } from '../errors.ts';
import { ensureToolchainImage, type EnsureImageOptions } from '../images/build.ts';
import { type ProgressSink, silentProgress } from '../images/progress.ts';
import { serverHints } from '../logs/hints.ts';
import { compareVersions } from '../logs/versions.ts';
import { readSessions, type LogHints } from '../logs/index.ts';
import { unusedSettings } from '../postfix-config/unused-settings.ts';
import { mapsNameSenders } from '../receiver/config-files.ts';
import { waitForSmtpGreeting } from '../receiver/readiness.ts';
import { APP_CLIENTS, appClientCommand, isAppClient, rawCommand, sClientCommand, swaksCommand, type ClientCommand, type MessageEnvelope } from '../senders/client-command.ts';
import { readEximDelivery, readEximReception } from '../senders/exim-log.ts';
import { readSendmailDelivery } from '../senders/sendmail-log.ts';
import { isSettled, SETTLED_AFTER_DEFERRALS, SHORT_BACKOFF, type MtaDelivery } from '../senders/mta.ts';
import { readRawReception } from '../senders/raw-server.ts';
import { loadSenderProfiles, resolveSenders } from '../senders/profiles.ts';
import { readAppTranscript, readRawTranscript, readSClientTranscript, readSwaksTranscript, type ClientView } from '../senders/transcript.ts';
import type { Toolchain } from '../toolchains/model.ts';
import { getToolchain, loadToolchains } from '../toolchains/registry.ts';
import { buildSelfReport } from '../toolchains/self-report.ts';
import { checkExpectation, describeExpectation } from './expectations.ts';
import type { LoadedScenario } from './load.ts';
import { deriveMtaOutcome, deriveOutcome, type MessageFate, type MessageFateView, type ObservedOutcome, type ServerSessionView } from './outcome.ts';
import {
  destinationHostname,
  injectMessage,
  readMtaDelivery,
  RECEIVER_HOSTNAME,
  startForeignServer,
  startPostfixServer,
  startSender,
  type RunningSender,
  type Stage,
} from './participants.ts';
import type { RunReport, ScenarioResult, SelfReport, SenderResult } from './result.ts';
import type { DestinationSpec, Expectation, Scenario, SenderSpec } from './schema.ts';
import { withDefaultServices } from './services.ts';

export { RECEIVER_HOSTNAME };

export interface RunOptions {
  engine?: Engine;
  toolchains?: Map<string, Toolchain>;
  runId?: string;
  progress?: ProgressSink;
  /** Aborting stops waiting at once; everything created is still removed. */
  signal?: AbortSignal;
  images?: EnsureImageOptions;
  /**
   * Observe only: record what each sender and destination gets without judging it; every
   * expectation counts as held and is shown as "observed only". Default: false.
   */
  observe?: boolean;
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

interface RunningDestination {
  spec: DestinationSpec;
  container: LabContainer;
  messageId: string;
  delivery?: MtaDelivery;
}

/**
 * Runs one scenario: images, an internal network, the receiver and any destinations (ready at their
 * 220 greeting), the senders in parallel, the receiver's outbound messages, then every log is read
 * into outcomes. Whatever happens, every container and the network are removed before this returns.
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
  // Containers start slower on a busy host than a scenario's phases take; a short timeout must not cut that short.
  const readyMs = Math.max(timeoutMs, MIN_READY_MS);
  const timings = { imagesMs: 0, receiverReadyMs: 0, sendersMs: 0, logsMs: 0, teardownMs: 0, totalMs: 0 };
  const result: ScenarioResult = {
    scenario: scenario.name,
    description: scenario.description,
    ...(loaded.file ? { file: loaded.file } : {}),
    runId,
    passed: false,
    receiver: { toolchain: scenario.receiver.toolchain, image: '', configWarnings: [], log: [] },
    senders: [],
    outbound: [],
    missingWarnings: [],
    notes: [],
    selfReports: [],
    timings,
  };
  const teardown = new Teardown();
  const checkAbort = () => {
    if (signal?.aborted) throw new LabError('LAB_INTERRUPTED', `interrupted while running ${scenario.name}`);
  };
  let receiver: LabContainer | undefined;
  try {
    const senders = resolveSenders(scenario, await loadSenderProfiles(), loaded.file ?? scenario.name);
    const phase = Date.now();
    const images = new Map<string, string>();
    const unverified = new Map<string, string[]>();
    checkToolchainsFit(scenario, senders, toolchains, loaded.file ?? scenario.name);
    const needed = [scenario.receiver.toolchain, ...senders.map((s) => s.toolchain), ...scenario.outbound.map((d) => d.toolchain)];
    for (const name of new Set(needed)) {
      checkAbort();
      const image = await ensureToolchainImage(engine, toolchains, getToolchain(toolchains, name).name, { progress, ...options.images });
      images.set(name, image.tag);
      unverified.set(name, image.unverifiedSources);
    }
    timings.imagesMs = Date.now() - phase;
    result.receiver.image = images.get(scenario.receiver.toolchain)!;
    checkAbort();

    const prefix = `tlslab-${runId}-${scenario.name}`;
    const labels = runLabels(runId, { [LABEL.scenario]: scenario.name });
    const network = await createInternalNetwork(engine, prefix, labels);
    teardown.add(`network ${network.name}`, () => removeNetwork(engine, network.id));
    // A container whose start failed half-way is not tracked; its labels still find it.
    teardown.add('leftovers', async () => {
      await removeLabelled(engine, runId, scenario.name, { networks: false });
    });
    const containers: LabContainer[] = [];
    teardown.add('containers', async () => {
      // Docker 20.10 can lose count of a network's endpoints when many leave it at once, and then
      // refuses to remove the network until restarted: containers leave it one by one first.
      for (const container of containers) await disconnectFromNetwork(engine, network.id, container.id);
      const removals = await Promise.allSettled(containers.map((c) => c.remove()));
      const failed = removals.flatMap((r, i) => (r.status === 'rejected' ? [`${containers[i]!.name}: ${String(r.reason)}`] : []));
      if (failed.length > 0) throw new Error(failed.join('; '));
    });
    const usesLabCa = [scenario.receiver, ...scenario.outbound].some((p) => p.certificate.issuer === 'lab-ca');
    const trust = usesLabCa ? { pem: (await labCa()).root.certificate, bundle: SYSTEM_CA_BUNDLE, directory: SYSTEM_CA_DIRECTORY } : undefined;
    if (usesLabCa) result.notes.push(`The lab's CA root ("${LAB_CA_ROOT_NAME}") is in ${SYSTEM_CA_BUNDLE} and ${SYSTEM_CA_DIRECTORY} of every container, as a public CA's root is: its certificates verify where the system's CAs are trusted.`);
    const stage: Stage = { prefix, network: network.name, labels, baseDir: loaded.dir, track: (c) => containers.push(c), ...(trust ? { trust } : {}) };

    progress({ kind: 'phase', phase: 'receiver', detail: `starting ${scenario.receiver.toolchain}` });
    const readyStarted = Date.now();
    const startSender_ = (spec: SenderSpec, receiverAddress?: string) =>
      startSender(stage, spec, images.get(spec.toolchain)!, getToolchain(toolchains, spec.toolchain), receiverAddress);
    // Destinations and client senders need nothing from the receiver; the receiver needs their
    // addresses when it routes to destinations or its tables name senders; MTAs need the receiver's.
    const startDestinations = Promise.all(
      scenario.outbound.map(async (spec): Promise<RunningDestination> => ({
        spec,
        messageId: `tlslab-${runId}-outbound-${spec.name}@${RECEIVER_HOSTNAME}`,
        container: spec.server === 'postfix'
          ? await startPostfixServer(stage, {
            role: 'destination', name: `dest-${spec.name}`, hostname: destinationHostname(spec), image: images.get(spec.toolchain)!,
            spec: { ...spec, mainCf: acceptingMailOf(spec, scenario.outbound), masterCf: withDefaultServices([], [spec.port]).masterCf },
          })
          : await startForeignServer(stage, spec, images.get(spec.toolchain)!),
      })),
    );
    const startClients = Promise.all(senders.filter((s) => s.delivery === 'client').map((spec) => startSender_(spec)));
    const waitsForPeers = scenario.outbound.length > 0 || mapsNameSenders(scenario.receiver.maps).length > 0;
    const [destinations, clients] = waitsForPeers ? await settleAll([startDestinations, startClients] as const) : [[], []];
    const senderAddresses = new Map(clients.map((s) => [s.spec.name, s.container.ipAddress]));
    const receiverSpec = receiverSpecWithServices(receiverSpecWithOutbound(scenario, destinations), senders, result.notes);
    result.notes.push(...unusedReceiverSettings(receiverSpec));
    const startReceiver = startPostfixServer(stage, {
      role: 'receiver',
      name: 'receiver',
      hostname: RECEIVER_HOSTNAME,
      image: result.receiver.image,
      spec: receiverSpec,
      senderAddresses,
    })
      .then((container) => (receiver = container))
      .then(async (container) => {
        if (destinations.some(routedByName)) await resolveInChroot(container);
        return container;
      });
    const startMtas = startReceiver.then((container) =>
      Promise.all(senders.filter((s) => s.delivery === 'mta').map((spec) => startSender_(spec, container.ipAddress))),
    );
    const [runningReceiver, mtas, lateDestinations, lateClients] = await settleAll([
      startReceiver,
      startMtas,
      waitsForPeers ? Promise.resolve(destinations) : startDestinations,
      waitsForPeers ? Promise.resolve(clients) : startClients,
    ] as const);
    const running = senders.map((spec) => [...lateClients, ...mtas].find((s) => s.spec === spec)!);
    const allDestinations = lateDestinations;
    await Promise.all([
      waitForSmtpGreeting(runningReceiver, readyMs, signal).then((greeting) => (result.receiver.greeting = greeting)),
      ...allDestinations.map((d) => waitForSmtpGreeting(d.container, readyMs, signal, `destination ${d.spec.name}`)),
      ...running.filter((s) => s.spec.delivery === 'mta').map((s) => waitForSmtpGreeting(s.container, readyMs, signal, `sender MTA ${s.spec.name}`)),
    ]);
    timings.receiverReadyMs = Date.now() - readyStarted;
    progress({ kind: 'done', phase: 'receiver', detail: result.receiver.greeting, elapsedMs: timings.receiverReadyMs });
    if (running.some((s) => s.spec.delivery === 'mta') || allDestinations.length > 0) {
      result.notes.push(`Sending MTAs retry fast: ${Object.entries(SHORT_BACKOFF).map(([k, v]) => `${k} = ${v}`).join(', ')} (Postfix defaults are minutes); a message deferred ${SETTLED_AFTER_DEFERRALS} times (by Postfix, the last time after the age of its plaintext fallback) is taken as its outcome, as later attempts only repeat the deferral.`);
    }
    if (running.some((s) => s.spec.client === 'sendmail')) {
      result.notes.push('Sendmail senders run their queue every 2 s (Debian\'s default is minutes).');
    }
    checkAbort();

    const trusting = running.some((s) => s.spec.tls.verifyCertificate === true && s.spec.tls.trust === 'receiver');
    const certificates = trusting ? await receiverCertificates(runningReceiver) : undefined;
    const sendStarted = Date.now();
    await Promise.all([
      ...running.map((sender) => runSender(sender, scenario, runId, progress, certificates)),
      ...allDestinations.map((destination) => sendOutbound(runningReceiver, destination, scenario, progress)),
    ]);
    timings.sendersMs = Date.now() - sendStarted;
    checkAbort();

    const logsStarted = Date.now();
    const parsed = await settleLogs(runningReceiver, receiverLogHints(scenario, getToolchain(toolchains, scenario.receiver.toolchain)), running, allDestinations, timeoutMs, progress, signal);
    timings.logsMs = Date.now() - logsStarted;
    if (parsed.unsettled.length > 0 && !signal?.aborted) {
      result.notes.push(`The scenario's timeout (${scenario.timeoutSeconds} s) ended the wait for ${parsed.unsettled.join('; ')}: their outcomes are what the logs said by then.`);
    }
    result.receiver.log = [...runningReceiver.logLines()];
    result.receiver.configWarnings = configWarnings(result.receiver.log);
    result.senders = running.map((sender) => {
      const sessions = parsed.receiver.sessions.filter((s) => s.peer.addr === sender.container.ipAddress);
      const own = sender.spec.client === 'postfix' ? parse(sender.container).sessions.filter((s) => s.side === 'smtp' && s.peer.addr === runningReceiver.ipAddress) : [];
      const outcome =
        sender.spec.delivery === 'mta'
          ? deriveMtaOutcome(sessions, parsed.receiver.fates, sender.delivery ?? { attempts: [] }, own)
          : deriveOutcome(sessions, parsed.receiver.fates, sender.view ?? { connected: false, starttlsOffered: false });
      const transcript = sender.spec.delivery === 'mta' ? sender.container.logLines().join('\n') : (sender.exec?.output ?? '');
      return senderResult(sender.spec, sender.container.ipAddress, outcome, transcript, sender.exec, options.observe);
    });
    result.outbound = allDestinations.map((destination) => {
      const own = parsed.receiver.sessions.filter((s) => s.side === 'smtp' && s.peer.addr === destination.container.ipAddress);
      const delivery = destination.delivery ?? { attempts: [] };
      // Exim's and the raw server's logs are not Postfix's: the receiver's own smtp sessions tell the TLS facts,
      // the destination's log the message's fate.
      // The message may have ended at the destination's backup: then the backup's log tells its fate.
      const via = receivingDestination(destination, allDestinations);
      if (via === destination && destination.spec.server !== 'postfix') {
        const reception = foreignReception(destination, runningReceiver);
        return destinationResult(destination, runningReceiver.ipAddress, clientReasonFirst(deriveMtaOutcome([], new Map(), delivery, own, reception), own), options.observe);
      }
      const log = readSessions(via.container.logLines()) as unknown as ParsedLog;
      const sessions = log.sessions.filter((s) => s.peer.addr === runningReceiver.ipAddress);
      const outcome = deriveMtaOutcome(sessions, log.fates, delivery, own);
      return destinationResult(destination, runningReceiver.ipAddress, clientReasonFirst(via === destination ? outcome : viaBackup(outcome, via.spec.name, own), own), options.observe);
    });
    result.selfReports = await selfReports(scenario, runningReceiver, running, allDestinations, toolchains, images);
    result.missingWarnings = scenario.expectReceiverWarnings.filter((text) => !result.receiver.configWarnings.some((w) => w.includes(text)));
    // Every result rests on the receiver's stack and its peer's: either one built from an unverified tarball taints it.
    for (const row of [...result.senders, ...result.outbound]) {
      const sources = [...new Set([...(unverified.get(scenario.receiver.toolchain) ?? []), ...(unverified.get(row.toolchain) ?? [])])];
      if (sources.length > 0) row.unverifiedSources = sources;
    }
    result.passed = [...result.senders, ...result.outbound].every((s) => s.held) && result.missingWarnings.length === 0;
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

/** The image recipes that carry the MTAs other than Postfix. */
const MTA_RECIPES: Partial<Record<SenderSpec['client'], { recipe: string; name: string; toolchain: string }>> = {
  exim: { recipe: 'debian-exim', name: 'Exim', toolchain: 'debian-bookworm-exim' },
  sendmail: { recipe: 'debian-sendmail', name: 'Sendmail', toolchain: 'debian-bookworm-sendmail' },
};

/**
 * An Exim destination needs a toolchain with Exim, a Postfix one a toolchain with Postfix, a java or go sender one
 * with that runtime, an exim or sendmail sender one with that MTA.
 */
function checkToolchainsFit(scenario: Scenario, senders: readonly SenderSpec[], toolchains: Map<string, Toolchain>, label: string): void {
  const runtimeless = senders.flatMap((sender) => {
    const toolchain = getToolchain(toolchains, sender.toolchain);
    const client = sender.client;
    if (isAppClient(client) && toolchain[client] === undefined) return [`sender ${sender.name}: client ${client} needs a toolchain with ${APP_CLIENTS[client].toolchain}; ${toolchain.name} has none`];
    const mta = MTA_RECIPES[client];
    return mta !== undefined && toolchain.recipe !== mta.recipe ? [`sender ${sender.name}: client ${client} needs a toolchain with ${mta.name}, such as ${mta.toolchain}; ${toolchain.name} has none`] : [];
  });
  const problems = runtimeless.concat(scenario.outbound.flatMap((destination, index) => {
    const toolchain = getToolchain(toolchains, destination.toolchain);
    const exim = toolchain.recipe === MTA_RECIPES.exim?.recipe;
    if (destination.server === 'exim' && !exim) return [`outbound[${index}] (${destination.name}): server exim needs a toolchain with Exim, such as debian-bookworm-exim; ${toolchain.name} has none`];
    if (destination.server === 'postfix' && toolchain.postfix === undefined) return [`outbound[${index}] (${destination.name}): toolchain ${toolchain.name} has no Postfix; for Exim, set server: exim`];
    const receiverPostfix = getToolchain(toolchains, scenario.receiver.toolchain).postfix?.version;
    if (destination.backup !== undefined && receiverPostfix !== undefined && compareVersions(receiverPostfix, NEXT_HOP_LISTS) < 0) {
      return [`outbound[${index}] (${destination.name}): a backup needs a receiver that reads a list of next hops in transport_maps (Postfix ${NEXT_HOP_LISTS} and later); ${scenario.receiver.toolchain} has Postfix ${receiverPostfix}`];
    }
    return [];
  }));
  if (problems.length > 0) throw new LabError('LAB_SCENARIO_INVALID', `${label}:\n  ${problems.join('\n  ')}`, { context: { problems } });
}

/** Waits for every promise; the first failure is thrown only after all have settled, so none is left unobserved. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The receiver serves each port a sender connects to: 465 and 587 as Postfix's own services when master.cf has none. */
function receiverSpecWithServices(receiver: Scenario['receiver'], senders: readonly SenderSpec[], notes: string[]): Scenario['receiver'] {
  const { masterCf, added } = withDefaultServices(receiver.masterCf, senders.map((s) => s.port));
  if (added.length === 0) return receiver;
  notes.push(`The receiver serves ${added.join('; ')}.`);
  return { ...receiver, masterCf };
}

/** The levels of the receiver's main.cf before the scenario's settings (images/common/entrypoint.sh). */
const IMAGE_TLS_LEVELS = ['smtpd_tls_security_level = may', 'smtp_tls_security_level = may'];

/** The receiver's TLS settings that no Postfix process reads at the levels the scenario sets, as notes. */
function unusedReceiverSettings(receiver: Scenario['receiver']): string[] {
  const mainCf = [...IMAGE_TLS_LEVELS, ...Object.entries(receiver.mainCf).map(([name, value]) => `${name} = ${value}`)].join('\n');
  return unusedSettings(mainCf, receiver.masterCf.join('\n')).map((unused) => {
    const where = unused.file === 'main.cf' ? `receiver.mainCf.${unused.parameter}` : `receiver.masterCf[${unused.line - 1}] -o ${unused.parameter}`;
    return `${where} = ${unused.value} has no effect: ${unused.reason}.`;
  });
}

/**
 * A destination with a certificate from the lab's CA is sent to by its name, which a verifying client checks the
 * certificate against; the others by their address, which needs no name lookup.
 */
const routedByName = (d: Pick<RunningDestination, 'spec'>): boolean => d.spec.certificate.issuer === 'lab-ca';

/** The receiver's chrooted smtp client finds the lab's names through the container's resolver (Docker's DNS). */
async function resolveInChroot(receiver: LabContainer): Promise<void> {
  const script = 'queue="$(postconf -h queue_directory)" && mkdir -p "$queue/etc" && cp /etc/resolv.conf "$queue/etc/resolv.conf"';
  assertExecSucceeded(await receiver.exec(['sh', '-c', script], { timeoutSeconds: 20 }), 'Copying the resolver configuration into the Postfix chroot');
}

/** Postfix reads a list of next hops in transport_maps from this version on. */
const NEXT_HOP_LISTS = '3.5';

/** A backup takes the mail of the destinations it backs up as its own (their domains are local to it). */
function acceptingMailOf(spec: DestinationSpec, outbound: readonly DestinationSpec[]): DestinationSpec['mainCf'] {
  const primaries = outbound.filter((d) => d.backup === spec.name).map(destinationHostname);
  if (primaries.length === 0) return spec.mainCf;
  return { ...spec.mainCf, mydestination: [spec.mainCf.mydestination ?? '$myhostname, localhost', ...primaries].join(', ') };
}

/** The destination that took a destination's message: its backup when the final delivery's relay is the backup. */
function receivingDestination(destination: RunningDestination, all: readonly RunningDestination[]): RunningDestination {
  if (destination.spec.backup === undefined) return destination;
  const relay = /\brelay=[^\s,[]*\[([^\]]+)\]/.exec(destination.delivery?.final?.line ?? '')?.[1];
  const backup = all.find((d) => d.spec.name === destination.spec.backup);
  return backup !== undefined && relay === backup.container.ipAddress ? backup : destination;
}

/** A message that ended at the backup: the outcome says so, and the path says why the destination was left. */
function viaBackup(outcome: ObservedOutcome, backup: string, own: readonly ServerSessionView[]): ObservedOutcome {
  const observed = outcome.observed.kind === 'tls' || outcome.observed.kind === 'plaintext' ? { ...outcome.observed, via: backup } : outcome.observed;
  // Why the receiver left: the failure of its own session, or the reply it logged as it went on (`host ... said: ...`).
  const failure = [...own].reverse().find((s) => s.failure !== undefined)?.failure?.summary;
  const reply = [...own].reverse().flatMap((s) => s.lines).map((line) => / said: (.*)$/.exec(line)?.[1]).find((r) => r !== undefined);
  const left = failure ?? reply;
  const path = `${left === undefined ? '' : `left it (${left}), then `}${outcome.path ?? 'sent on'} via backup ${backup}`;
  return { ...outcome, observed, path };
}

/**
 * With destinations, the receiver routes each destination's domain to the destination (by address, or by name for
 * one with a lab CA certificate; see `routedByName`), then to its backup if it has one, and retries fast.
 */
function receiverSpecWithOutbound(scenario: Scenario, destinations: readonly RunningDestination[]): Scenario['receiver'] {
  if (destinations.length === 0) return scenario.receiver;
  const nextHop = (d: RunningDestination) => `[${routedByName(d) ? destinationHostname(d.spec) : d.container.ipAddress}]:${d.spec.port}`;
  const backupOf = (d: RunningDestination) => destinations.find((b) => b.spec.name === d.spec.backup);
  const transport = Object.fromEntries(destinations.map((d) => {
    const backup = backupOf(d);
    return [destinationHostname(d.spec), `${d.spec.transport}:${nextHop(d)}${backup === undefined ? '' : `, ${nextHop(backup)}`}`];
  }));
  return {
    ...scenario.receiver,
    mainCf: { ...SHORT_BACKOFF, transport_maps: 'hash:/etc/postfix/tlslab_transport', ...scenario.receiver.mainCf },
    maps: { ...scenario.receiver.maps, tlslab_transport: transport },
  };
}

/**
 * The certificates the receiver's Postfix serves, as PEM: main.cf's certificate and chain files, and those a
 * master.cf listener names with -o (`postconf -P`, Postfix 2.11 and later).
 */
async function receiverCertificates(receiver: LabContainer): Promise<string> {
  const parameters = 'smtpd_tls_cert_file smtpd_tls_eccert_file smtpd_tls_dcert_file smtpd_tls_chain_files';
  const script = `{ for p in ${parameters}; do postconf -h "$p" 2>/dev/null; done; ` +
    `postconf -P 2>/dev/null | sed -n -E 's#^[^ ]+/(${parameters.replace(/ /g, '|')}) = ##p'; } | tr ", " "\\n\\n" | sort -u | ` +
    'while read -r f; do if [ -f "$f" ]; then sed -n "/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p" "$f"; fi; done';
  const outcome = assertExecSucceeded(await receiver.exec(['sh', '-c', script], { timeoutSeconds: 20 }), 'Reading the receiver\'s certificates');
  if (!outcome.stdout.includes('-BEGIN CERTIFICATE-')) {
    throw new LabError('LAB_CONTAINER_FAILED', 'A sender trusts the receiver\'s certificates (tls.trust: receiver), but the receiver serves none that the lab can read', { context: { container: receiver.name } });
  }
  return outcome.stdout;
}

function envelope(spec: SenderSpec, scenario: Scenario, receiverCertificates?: string): MessageEnvelope {
  return {
    ...(receiverCertificates === undefined ? {} : { receiverCertificates }),
    server: RECEIVER_HOSTNAME,
    port: spec.port,
    heloName: `${spec.name}.senders.lab.test`,
    from: spec.message.from ?? `${spec.name}@senders.lab.test`,
    to: spec.message.to ?? `sink@${RECEIVER_HOSTNAME}`,
    subject: spec.message.subject ?? `tlslab ${scenario.name}: ${spec.name}`,
    body: spec.message.body ?? `Sent by sender "${spec.name}" of scenario "${scenario.name}".`,
    timeoutSeconds: Math.min(scenario.timeoutSeconds, 60),
  };
}

type OneShotClient = Exclude<SenderSpec['client'], 'postfix' | 'exim' | 'sendmail'>;

/** How each client that sends one message once is run in its container, and how its transcript is read. */
const ONE_SHOT_CLIENTS: Record<OneShotClient, { command: (spec: SenderSpec, mail: MessageEnvelope) => ClientCommand; read: (transcript: string) => ClientView }> = {
  swaks: { command: swaksCommand, read: readSwaksTranscript },
  openssl: { command: (spec, mail) => sClientCommand(spec, mail), read: readSClientTranscript },
  java: { command: (spec, mail) => appClientCommand('java', spec, mail), read: readAppTranscript },
  go: { command: (spec, mail) => appClientCommand('go', spec, mail), read: readAppTranscript },
  raw: { command: (spec, mail) => rawCommand(spec.afterStarttls!, mail, spec.starttls === 'implicit'), read: readRawTranscript },
};

async function runSender(sender: RunningSender, scenario: Scenario, runId: string, progress: ProgressSink, receiverCertificates?: string): Promise<void> {
  const { spec } = sender;
  progress({ kind: 'phase', phase: 'sender', detail: `${spec.name}: ${spec.client} (${spec.toolchain})` });
  if (spec.delivery === 'mta') {
    sender.messageId = `tlslab-${runId}-${spec.name}@senders.lab.test`;
    sender.exec = await injectMessage(sender.container, envelope(spec, scenario), sender.messageId, spec.client === 'sendmail');
    progress({ kind: 'done', phase: 'sender', detail: `${spec.name}: queued (exit ${sender.exec.exitCode})`, elapsedMs: sender.exec.durationMs });
    return;
  }
  const mail = envelope(spec, scenario, receiverCertificates);
  const client = ONE_SHOT_CLIENTS[spec.client as OneShotClient];
  const command = client.command(spec, mail);
  sender.exec = await sender.container.exec(command.argv, { env: command.env, timeoutSeconds: scenario.timeoutSeconds });
  sender.view = client.read(sender.exec.output);
  progress({ kind: 'done', phase: 'sender', detail: `${spec.name}: exit ${sender.exec.exitCode}`, elapsedMs: sender.exec.durationMs });
}

async function sendOutbound(receiver: LabContainer, destination: RunningDestination, scenario: Scenario, progress: ProgressSink): Promise<void> {
  progress({ kind: 'phase', phase: 'outbound', detail: `receiver → ${destination.spec.name}` });
  const host = destinationHostname(destination.spec);
  await injectMessage(
    receiver,
    {
      server: host,
      heloName: RECEIVER_HOSTNAME,
      from: `outbound@${RECEIVER_HOSTNAME}`,
      to: `sink@${host}`,
      subject: `tlslab ${scenario.name}: outbound to ${destination.spec.name}`,
      body: `Sent by the receiver of scenario "${scenario.name}" to destination "${destination.spec.name}".`,
      timeoutSeconds: 30,
    },
    destination.messageId,
  );
}

interface ParsedLog {
  sessions: ServerSessionView[];
  fates: Map<string, MessageFateView[]>;
}

const FINAL_STATUS = new Set(['sent', 'bounced', 'expired']);
/** The least time given to containers to greet, whatever the scenario's `timeoutSeconds`. */
const MIN_READY_MS = 60_000;

const parse = (container: LabContainer, hints: LogHints = {}) => readSessions(container.logLines(), { hints }) as unknown as ParsedLog;

/** What the lab knows of its receiver, for reading its log: the versions it built, and the STARTTLS timeouts the scenario sets. */
export function receiverLogHints(scenario: Scenario, toolchain: Toolchain): LogHints {
  const openssl = toolchain.tls.library === 'openssl' ? toolchain.tls.version : undefined;
  return serverHints({ postfix: toolchain.postfix?.version, openssl }, (name) => scenario.receiver.mainCf[name]);
}

/** What an Exim or raw destination did with the receiver's message, from its own log. */
function foreignReception(destination: RunningDestination, receiver: LabContainer): { fate: MessageFate; lines: string[] } {
  const log = destination.container.logLines();
  return destination.spec.server === 'exim' ? readEximReception(log, destination.messageId) : readRawReception(log, destination.messageId, receiver.ipAddress);
}

/** What an unsettled MTA delivery still lacks, for the progress of `settleLogs`. */
function pendingDelivery(delivery: MtaDelivery): string {
  if (isSettled(delivery)) return 'its final status in the receiving log';
  const deferrals = delivery.attempts.filter((a) => a.status === 'deferred').length;
  return deferrals === 0 ? 'no attempt finished yet' : `deferred ${deferrals} time${deferrals > 1 ? 's' : ''}`;
}

/** How often `settleLogs` says what it is still waiting for; the first time after this long too. */
const PENDING_REPORT_MS = 10_000;

/**
 * Reads the logs until every client's session has ended, every accepted message has a final
 * status, and every MTA message was delivered or bounced, so outcomes never rest on a half-written
 * log. At the deadline, whatever is known is used, undecided fates say so, and `unsettled` names what
 * was still awaited. While it waits, it reports what it waits for.
 */
async function settleLogs(
  receiver: LabContainer,
  receiverHints: LogHints,
  senders: RunningSender[],
  destinations: RunningDestination[],
  timeoutMs: number,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<{ receiver: ParsedLog; unsettled: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let nextReport = Date.now() + PENDING_REPORT_MS;
  const final = (log: ParsedLog, queueId: string | undefined) => queueId === undefined || (log.fates.get(queueId) ?? []).some((f) => FINAL_STATUS.has(f.status));
  for (;;) {
    const parsed = parse(receiver, receiverHints);
    const pending: string[] = [];
    for (const sender of senders) {
      const sessions = parsed.sessions.filter((s) => s.peer.addr === sender.container.ipAddress);
      if (sessions.some((s) => !s.complete)) pending.push(`${sender.spec.name}: a session still open`);
      if (sender.spec.delivery === 'mta') {
        const log = sender.container.logLines();
        const messageId = sender.messageId ?? '';
        sender.delivery = sender.spec.client === 'sendmail' ? readSendmailDelivery(log, messageId)
          : sender.spec.client === 'exim' ? readEximDelivery(log, messageId) : readMtaDelivery(log, messageId, parse(sender.container).fates);
        if (!isSettled(sender.delivery) || !final(parsed, sender.delivery.receiverQueueId)) pending.push(`${sender.spec.name}: ${pendingDelivery(sender.delivery)}`);
      } else {
        if (sender.view?.connected && sessions.length === 0) pending.push(`${sender.spec.name}: no session logged yet`);
        else if (!final(parsed, sender.view?.queuedAs)) pending.push(`${sender.spec.name}: its message's final status`);
      }
    }
    for (const destination of destinations) {
      const delivery = readMtaDelivery(receiver.logLines(), destination.messageId, parsed.fates);
      destination.delivery = delivery;
      const waiting = () => pending.push(`receiver → ${destination.spec.name}: ${pendingDelivery(delivery)}`);
      if (!delivery.final) {
        if (!isSettled(delivery)) waiting();
      } else if (destination.spec.server !== 'postfix') {
        const seen = foreignReception(destination, receiver).fate.status;
        if (delivery.final.status === 'sent' && (seen === 'not-sent' || seen === 'queued')) waiting();
      } else if (!final(parse(receivingDestination(destination, destinations).container), delivery.receiverQueueId)) waiting();
    }
    const now = Date.now();
    if (pending.length === 0 || now >= deadline || signal?.aborted) return { receiver: parsed, unsettled: pending };
    if (now >= nextReport) {
      const shown = pending.length > 6 ? [...pending.slice(0, 6), `${pending.length - 6} more`] : pending;
      progress({ kind: 'phase', phase: 'logs', detail: `waiting for ${shown.join('; ')} (at most ${Math.ceil((deadline - now) / 1000)} s more)` });
      nextReport = now + PENDING_REPORT_MS;
    }
    await receiver.nextOutput(250, signal);
  }
}

function expectationResult(expect: Expectation, outcome: ObservedOutcome, observe = false) {
  const check = observe ? { held: true } : checkExpectation(expect, outcome.observed, outcome.fate);
  return { expect, expected: observe ? 'observed only' : describeExpectation(expect), observed: outcome.observed, fate: outcome.fate, ...(outcome.path ? { path: outcome.path } : {}), held: check.held, ...(check.mismatch ? { mismatch: check.mismatch } : {}), evidence: outcome.evidence };
}

function senderResult(spec: SenderSpec, address: string, outcome: ObservedOutcome, transcript: string, exec: RunningSender['exec'], observe?: boolean): SenderResult {
  return {
    direction: 'inbound',
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    toolchain: spec.toolchain,
    client: spec.client,
    delivery: spec.delivery,
    ...(spec.profile ? { profile: spec.profile } : {}),
    address,
    ...expectationResult(spec.expect, outcome, observe),
    transcript,
    exitCode: exec?.exitCode ?? -1,
    durationMs: exec?.durationMs ?? 0,
  };
}

/**
 * Sending to a destination, the Postfix under test is the client: its own diagnosis of a failed handshake (`no
 * tlsproxy service`, the alert it read) leads the evidence, before what the server logged of it.
 */
function clientReasonFirst(outcome: ObservedOutcome, own: readonly ServerSessionView[]): ObservedOutcome {
  const failure = own.find((s) => s.failure !== undefined && s.tls === undefined)?.failure;
  if (failure === undefined || failure.class === 'unknown') return outcome;
  return { ...outcome, evidence: [...failure.evidence, ...outcome.evidence.filter((line) => !failure.evidence.includes(line))] };
}

function destinationResult(destination: RunningDestination, address: string, outcome: ObservedOutcome, observe?: boolean): SenderResult {
  return {
    direction: 'outbound',
    name: destination.spec.name,
    ...(destination.spec.description ? { description: destination.spec.description } : {}),
    toolchain: destination.spec.toolchain,
    client: 'postfix',
    delivery: 'mta',
    address,
    peerAddress: destination.container.ipAddress,
    ...expectationResult(destination.spec.expect, outcome, observe),
    transcript: destination.container.logLines().join('\n'),
    exitCode: 0,
    durationMs: 0,
  };
}

const CONFIG_WARNING = /postfix[\w./-]*\[\d+\]: (warning|fatal|panic|error): (.*)$/;
/** Lines about one session or peer, or about the machine, not the configuration. */
const SESSION_NOISE = new RegExp([
  // TLS errors, and the peer name checks that DNS answers late.
  'TLS library problem', 'SSL_accept error', 'SSL_connect error', 'lost connection', String.raw`\[\d{1,3}(\.\d{1,3}){3}\]`,
  'does not resolve to address', 'address not listed for hostname', String.raw`hostname \S+ verification failed`,
  // The master's and daemons' reports of how processes start and talk, whose races come and go with the load (a
  // daemon that dies of its configuration logs its own `fatal:` first).
  'master_wakeup_timer_event', 'Resource temporarily unavailable', String.raw`pid \d+ (?:exit status|killed by signal)`,
  'bad command startup -- throttling', 'problem talking to (?:service|server)', String.raw`connect #\d+ to subsystem`,
  String.raw`(?<![\w/.-])(?:private|public)\/\w+`, 'premature end-of-input', 'Connection refused', 'Connection reset by peer', ' timed out',
  '(?:read|write) timeout',
  // A file system clock that runs ahead of the local one.
  String.raw`file system clock is \d+ seconds? ahead of local clock`, 'resetting file time stamps',
].join('|'));

/** Postfix's complaints about its own configuration, each quoted once as Postfix printed it. */
export function configWarnings(log: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const line of log) {
    const match = CONFIG_WARNING.exec(line);
    if (!match || SESSION_NOISE.test(line)) continue;
    seen.add(`${match[1]}: ${match[2]}`);
  }
  return [...seen];
}

async function selfReports(
  scenario: Scenario,
  receiver: LabContainer,
  senders: RunningSender[],
  destinations: RunningDestination[],
  toolchains: Map<string, Toolchain>,
  images: Map<string, string>,
): Promise<SelfReport[]> {
  const targets: { role: SelfReport['role']; toolchain: string; container: LabContainer }[] = [{ role: 'receiver', toolchain: scenario.receiver.toolchain, container: receiver }];
  const seen = new Set<string>();
  for (const { role, toolchain, container } of [
    ...senders.map((s) => ({ role: 'sender' as const, toolchain: s.spec.toolchain, container: s.container })),
    // A raw destination uses no TLS stack of its toolchain, so there is nothing of it to report.
    ...destinations.filter((d) => d.spec.server !== 'raw').map((d) => ({ role: 'destination' as const, toolchain: d.spec.toolchain, container: d.container })),
  ]) {
    if (seen.has(`${role}:${toolchain}`)) continue;
    seen.add(`${role}:${toolchain}`);
    targets.push({ role, toolchain, container });
  }
  return Promise.all(
    targets.map(async ({ role, toolchain, container }) => {
      const output = await container.exec(['/usr/local/bin/tlslab-entrypoint', 'self-report'], { timeoutSeconds: 20 });
      return buildSelfReport(role, getToolchain(toolchains, toolchain), images.get(toolchain)!, output.stdout);
    }),
  );
}
