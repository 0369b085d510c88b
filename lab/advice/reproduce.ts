import { connectEngine, type Engine } from '../docker/engine.ts';
import { newRunId } from '../docker/labels.ts';
import { LabError, type LabErrorCode } from '../errors.ts';
import type { ProgressSink } from '../images/progress.ts';
import { requiresStarttls } from '../logs/events.ts';
import { postfixSeconds } from '../logs/hints.ts';
import { decodeOpensslError } from '../logs/openssl-error.ts';
import { readWholeLog } from '../logs/read-lines.ts';
import { settingsDecide } from '../logs/failure-explanations.ts';
import { readSessions } from '../logs/sessions.ts';
import type { FailureClass, OpensslError, Session } from '../logs/types.ts';
import { defineScenario } from '../scenario/load.ts';
import type { ScenarioResult, SelfReport, SenderResult } from '../scenario/result.ts';
import { runScenario } from '../scenario/runner.ts';
import type { RawServerAction, ScenarioInput, SenderProfile } from '../scenario/schema.ts';
import { protocolRange } from '../scenario/tls-vocabulary.ts';
import { loadSenderProfiles } from '../senders/profiles.ts';
import { loadToolchains } from '../toolchains/registry.ts';
import type { SourceOptions } from '../toolchains/sources.ts';
import { describeCertificate, ecdsaOnly, type CertificateCheck } from './certificate-check.ts';
import { logHintsOf, readConfigDir, type AdminConfig, type CertType, type Listener, type ParameterDecision } from './config-dir.ts';
import { needsBesides } from './config-needs.ts';
import { peersText, readLogFailures, type LogFailures, type LoggedFailure } from './failures.ts';
import { generateFixes, generateOutboundFixes, STARTTLS_REFUSED_DESTINATION, STARTTLS_REQUIRED_DESTINATION, type FixCandidate, type ReproducedFailure } from './fixes.ts';
import { formHypotheses, RAW_AT_ONCE, type Hypothesis } from './hypotheses.ts';
import { enforcesTls, failureListeners, fixedOverrides, listenerDecisions, listenerEntry, listenerFixes, listenerSenderName, listenerWay } from './listeners.ts';
import { matrixOf, matrixRow, type MatrixRow } from './matrix.ts';
import { loadPopulation, type Population } from './population.ts';
import { confirmBreaks, fixEffect, rankFixes, type FixEffect } from './ranking.ts';
import { chooseReceiverToolchain, type ToolchainRequest } from './receiver-toolchain.ts';
import type { ToolchainChoice } from './toolchain-pick.ts';

export interface ReproduceOptions extends ToolchainRequest {
  /** The log excerpt with the failures (any format `tlslab logs` reads): its path, or its name when `logLines` are given. */
  log: string;
  /** The excerpt's lines, read already (from stdin); `log` then only names it. */
  logLines?: string[];
  /** The configuration folder of the server that logged them. */
  config: string;
  certType?: CertType;
  /** At most this many candidate fixes are run. Default: 7. */
  maxFixes?: number;
  progress?: ProgressSink;
  signal?: AbortSignal;
  engine?: Engine;
  sources?: SourceOptions;
}

/**
 * exact: same class, reason and function; reason: same class and reason, the function not
 * comparable (one format has none); class: same class, another reason; none: anything else.
 */
export type MatchLevel = 'exact' | 'reason' | 'class' | 'none';

export interface HypothesisOutcome {
  hypothesis: Hypothesis;
  failure: string;
  observed: MatrixRow;
  match: MatchLevel;
  detail: string;
}

export interface FailureFinding {
  failure: LoggedFailure;
  /** The fixes that serve at least one of this failure's reproducing senders, best first for them. */
  fixes: FixEffect[];
  outcomes: HypothesisOutcome[];
  /** Hypotheses that gave the same error (match exact or reason). */
  reproducedBy: string[];
  /**
   * A set-up failure (`invalid-local-config`) that the lab's Postfix logged too, from the configuration alone: its
   * warning as the lab's Postfix wrote it. Such a failure needs no peer to reproduce.
   */
  reproducedByConfig?: string;
  /** In plain words: what the error means and what the reproduction showed. */
  explanation: string;
}

export interface ReproduceReport {
  kind: 'reproduce';
  /** Every container and network of the runs carries it (tlslab clean --run ID). */
  runId: string;
  log: string;
  /** The log listed its newest line first and was read turned round. */
  logReversed: boolean;
  logVersions: LogFailures['versions'];
  toolchain: ToolchainChoice;
  selfReport?: SelfReport;
  config: AdminConfig;
  findings: FailureFinding[];
  /** The reproduction run: the population and the probes against the admin's configuration. */
  today?: { result: ScenarioResult; matrix: MatrixRow[] };
  /** What Postfix logged against the configuration in that run (`Invalid TLS protocol list ...`), as it printed it. */
  configErrors: string[];
  /** Best first. */
  fixes: FixEffect[];
  /** The destinations sent to (when the log has outbound failures), as scenario entries without expectation. */
  destinations: Omit<NonNullable<ScenarioInput['outbound']>[number], 'expect'>[];
  /** Real peers' addresses from the log, for a discard-STARTTLS fix. */
  failingPeers: { name: string; addr: string }[];
  skipped: string[];
  verdict: string;
  /** 0: every failure reproduced; 1: some were not. */
  exitCode: 0 | 1;
  durationMs: number;
}

/** Compares a lab sender's failure with a logged one by decoded OpenSSL error: reason and function, never line numbers. */
export function matchFailure(failure: Pick<LoggedFailure, 'class' | 'error'>, result: Pick<SenderResult, 'observed'>): { match: MatchLevel; detail: string } {
  const observed = result.observed;
  // A server that refuses after the handshake (smtpd_tls_req_ccert) logs no library error: the class is all there is.
  if (observed.kind === 'refused' && observed.failureClass !== undefined) return matchError(failure, observed.failureClass, undefined);
  if (observed.kind !== 'handshake-failed') return { match: 'none', detail: 'no handshake failure' };
  return matchError(failure, observed.failureClass, observed.serverError ? decodeOpensslError(observed.serverError) : undefined);
}

const MATCH_ORDER: MatchLevel[] = ['exact', 'reason', 'class', 'none'];

/**
 * Compares the lab's failed outbound sessions to one destination (the receiver's smtp client's view) with a
 * logged outbound failure; the best-matching session counts.
 */
export function matchSessions(failure: Pick<LoggedFailure, 'class' | 'error'> & { evidence?: readonly string[] }, sessions: readonly Session[]): { match: MatchLevel; detail: string } {
  // The detail says whose view it is: the row's outcome is the destination's.
  const failed = sessions.filter((s) => s.failure !== undefined);
  if (failed.length === 0) return { match: 'none', detail: sessions.length === 0 ? 'this Postfix logged no session' : 'this Postfix logged no failed handshake' };
  const logged = verificationCause(failure.evidence ?? []);
  const matches = failed.map((s) => {
    const matched = matchError(failure, s.failure?.class, s.failure?.opensslError);
    const cause = verificationCause(s.failure?.evidence ?? []);
    // A certificate that failed verification for another reason (self-signed where the log says expired) is a near miss.
    if (logged !== undefined && cause !== undefined && cause !== logged && (matched.match === 'exact' || matched.match === 'reason')) {
      return { match: 'class' as const, detail: `a certificate that is ${VERIFICATION_CAUSE_WORDS[cause]}, not ${VERIFICATION_CAUSE_WORDS[logged]}` };
    }
    return logged !== undefined && cause === logged ? { ...matched, detail: `${matched.detail}: a certificate that is ${VERIFICATION_CAUSE_WORDS[cause]}` } : matched;
  });
  const best = matches.sort((a, b) => MATCH_ORDER.indexOf(a.match) - MATCH_ORDER.indexOf(b.match))[0]!;
  return { ...best, detail: `this Postfix logged ${best.detail}` };
}

/** Why a certificate failed verification, as the smtp client logs it (`certificate verification failed for ...: untrusted issuer ...`). */
export type VerificationCause = 'untrusted-issuer' | 'self-signed' | 'expired' | 'not-yet-valid' | 'name-mismatch';

const VERIFICATION_CAUSE_WORDS: Record<VerificationCause, string> = {
  'untrusted-issuer': 'from an issuer this client does not trust',
  'self-signed': 'self-signed',
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  'name-mismatch': 'for another name',
};

const VERIFICATION_CAUSES: [VerificationCause, RegExp][] = [
  ['self-signed', /self[- ]signed certificate|num=1[89]:/i],
  ['untrusted-issuer', /untrusted issuer|unable to get (?:local )?issuer certificate|num=(?:2|20|21):/i],
  ['expired', /certificate has expired|num=10:/i],
  ['not-yet-valid', /certificate is not yet valid|num=9:/i],
  ['name-mismatch', /hostname mismatch|IP address mismatch|name mismatch|num=6[24]:|does not match/i],
];

/** The cause of a failed certificate verification, from the lines of a session or failure; undefined when they name none. @internal */
export function verificationCause(lines: readonly string[]): VerificationCause | undefined {
  const line = lines.find((l) => /certificate verification failed for|Peer certificate|CommonName|subjectAltName/i.test(l));
  if (line === undefined) return undefined;
  return VERIFICATION_CAUSES.find(([, pattern]) => pattern.test(line))?.[0];
}

/** A reason, with an alert's prefix, which OpenSSL versions spell differently (`sslv3 alert`, `tlsv1 alert`, `ssl/tls alert`), left out. */
function alertReason(reason: string): string {
  return reason.toLowerCase().replace(/^(?:sslv3|tlsv1|ssl\/tls) alert /, 'alert ');
}

/** 1.0.x, 1.1.x or 3.x: OpenSSL 1.1.0 renamed the functions that 1.0.x names in its errors, and 3.0 names none. */
function generationFamily(error: OpensslError): string | undefined {
  return error.generation?.startsWith('1.0') === true ? '1.0' : error.generation;
}

/** The functions that check a client hello's version: tls_process_client_hello in OpenSSL 1.1.0, tls_early_post_process_client_hello from 1.1.1 on. */
const VERSION_CHECK_FUNCTIONS: ReadonlySet<string> = new Set(['tls_process_client_hello', 'tls_early_post_process_client_hello']);
const VERSION_REASONS: ReadonlySet<string> = new Set(['version too low', 'unsupported protocol', 'unknown protocol']);

/** The same version refusal, which 1.1.0 and 1.1.1 raise in two different functions. */
function movedVersionCheck(lab: OpensslError, logged: OpensslError): boolean {
  const [a, b] = [lab.func?.toLowerCase() ?? '', logged.func?.toLowerCase() ?? ''];
  return a !== b && VERSION_CHECK_FUNCTIONS.has(a) && VERSION_CHECK_FUNCTIONS.has(b) && VERSION_REASONS.has(logged.reason);
}

function matchError(failure: Pick<LoggedFailure, 'class' | 'error'>, cls: string | undefined, error: OpensslError | undefined): { match: MatchLevel; detail: string } {
  const sameClass = cls === failure.class;
  if (!failure.error || !error) return sameClass ? { match: 'reason', detail: `same class ${failure.class}` } : { match: 'none', detail: `class ${cls ?? 'unknown'}` };
  if (alertReason(error.reason) !== alertReason(failure.error.reason)) {
    return { match: sameClass ? 'class' : 'none', detail: `"${error.reason}"${error.func ? ` in ${error.func}` : ''} instead of "${failure.error.reason}"` };
  }
  const logged = generationFamily(failure.error);
  const lab = generationFamily(error);
  const otherGeneration = logged !== undefined && lab !== undefined && logged !== lab;
  // 1.0.x says "unknown protocol" and "wrong version number" of situations that later generations word otherwise.
  if (otherGeneration && logged === '1.0' && NEWER_EQUIVALENT[failure.class] !== undefined) {
    return {
      match: 'class',
      detail: `"${error.reason}"${error.func ? ` in ${error.func}` : ''}, but OpenSSL ${logged} says "${failure.error.reason}" of situations that ${lab} words otherwise, so the same words need not mean the same cause`,
    };
  }
  if (error.func && failure.error.func) {
    if (error.func.toLowerCase() === failure.error.func.toLowerCase()) return { match: 'exact', detail: `${error.func}:${error.reason}` };
    if (otherGeneration) {
      return { match: 'reason', detail: `"${error.reason}" (in ${error.func}: OpenSSL ${lab} names the functions that ${logged} calls ${failure.error.func} otherwise, so only the reason is compared)` };
    }
    if (movedVersionCheck(error, failure.error)) {
      return { match: 'reason', detail: `"${error.reason}" in ${error.func}: OpenSSL 1.1.1 checks the hello's version there, where 1.1.0 (the log's) did so in ${failure.error.func}` };
    }
    return { match: 'class', detail: `"${error.reason}" but in ${error.func}, not ${failure.error.func}` };
  }
  return { match: 'reason', detail: `"${error.reason}" (the ${error.func ? 'log' : 'lab toolchain'}'s OpenSSL prints no function name, so only the reason is compared)` };
}

const UNJUDGED = { outcome: 'tls' } as const;

function senderInput(h: Hypothesis): NonNullable<ScenarioInput['senders']>[number] {
  if (h.probe) return { name: h.name, ...h.probe, description: h.why, ...h.listener, expect: UNJUDGED };
  return h.listener ? { name: h.name, profile: h.profile ?? h.name, ...h.listener, expect: UNJUDGED } : { profile: h.profile ?? h.name, expect: UNJUDGED };
}

/**
 * The failure's hypotheses sent to the listeners of the failures they are for (`failureListeners`), as senders of
 * their own (`tls10-only-465`); on a wrapper-mode listener they start TLS, or misbehave, at once. Exim senders, Sendmail
 * senders on a wrapper-mode listener, and the probe that skips STARTTLS on purpose are left out there.
 */
function hypothesesOnListeners(hypotheses: readonly Hypothesis[], failures: readonly LoggedFailure[], onListener: ReadonlyMap<string, Listener>, profiles: ReadonlyMap<string, SenderProfile>): Hypothesis[] {
  const out = new Map<string, Hypothesis>();
  for (const failure of failures) {
    const listener = onListener.get(failure.key);
    if (listener === undefined) continue;
    for (const h of hypotheses.filter((x) => x.failures.includes(failure.key))) {
      const client = h.probe?.client ?? profiles.get(h.profile ?? h.name)?.client;
      // Exim relays to port 25 only, Sendmail never starts TLS at once; the s_client that skips STARTTLS is for a STARTTLS port.
      if (client === 'exim' || (client === 'sendmail' && listener.wrapper) || (h.probe !== undefined && h.probe.client !== 'raw' && h.probe.starttls === 'implicit')) continue;
      const name = listenerSenderName(h.name, listener);
      const why = h.probe?.client === 'raw' && listener.wrapper ? `probe: ${RAW_AT_ONCE[h.probe.afterStarttls]}` : h.reasons[failure.key] ?? h.why;
      const known = out.get(name);
      if (known === undefined) out.set(name, { ...h, name, listener: listenerWay(listener), failures: [failure.key], reasons: { [failure.key]: why }, why });
      else if (!known.failures.includes(failure.key)) {
        known.failures.push(failure.key);
        known.reasons[failure.key] = why;
      }
    }
  }
  return [...out.values()];
}

/**
 * The same sender as an opportunistic MTA would behave (STARTTLS when offered, else plaintext):
 * s_client always insists on STARTTLS, so it becomes a swaks client with the same protocol range
 * and ciphers (swaks cannot choose groups, which do not matter when no handshake happens).
 */
function opportunistic(sender: NonNullable<ScenarioInput['senders']>[number], profiles: ReadonlyMap<string, SenderProfile>): NonNullable<ScenarioInput['senders']>[number] {
  const profile = sender.profile ? profiles.get(sender.profile) : undefined;
  const { groups: _groups, ciphersuites: _suites, fallbackScsv: _fallback, verifyCertificate: _verify, trust: _trust, verifyHostname: _name, verifyAt: _at, ...tls } = { ...profile?.tls, ...sender.tls };
  return {
    name: sender.name ?? sender.profile ?? '',
    toolchain: sender.toolchain ?? profile?.toolchain ?? 'debian-bookworm',
    client: 'swaks',
    starttls: 'optional',
    tls,
    expect: UNJUDGED,
  };
}

/** Candidate fixes without repeats: the port-25 and a listener's may propose the same change. */
function uniqueFixes(fixes: readonly FixCandidate[]): FixCandidate[] {
  const seen = new Set<string>();
  return fixes.filter((fix) => {
    const key = JSON.stringify([fix.mainCf, fix.listener ?? null, fix.discardStarttlsFor ?? null]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How long the lab waits for a peer that stalls after STARTTLS, instead of Postfix's 300 s. */
const LAB_STARTTLS_TIMEOUT = '5s';

/**
 * A logged `Must issue a STARTTLS command first` shows an smtp client that sends without TLS: when main.cf sets
 * neither smtp_tls_security_level nor its legacy settings, the client runs at Postfix's default (no TLS), not at the
 * lab's may, and the decision says why.
 */
export function withClientTlsAsLogged(config: AdminConfig, logged: LogFailures): AdminConfig {
  const decision = config.decisions.find((d) => d.parameter === 'smtp_tls_security_level' && d.source === 'lab default');
  if (decision === undefined || !logged.outbound.some((f) => f.evidence.some(requiresStarttls))) return config;
  const empty: ParameterDecision = {
    ...decision, labValue: '', source: 'Postfix default',
    reason: 'not in your main.cf, nor smtp_use_tls or smtp_enforce_tls, and the log shows this smtp client sending without STARTTLS: empty, Postfix\'s default, without TLS',
  };
  return {
    ...config, receiver: { ...config.receiver, mainCf: { ...config.receiver.mainCf, smtp_tls_security_level: '' } },
    decisions: config.decisions.map((d) => (d === decision ? empty : d)),
  };
}

/**
 * A logged timeout after STARTTLS is reproduced by a peer that stalls: the lab shortens the STARTTLS timeout of the
 * side that waits, so that the runs end in seconds, and lists that among its decisions.
 */
export function withStallTimeouts(config: AdminConfig, logged: LogFailures): AdminConfig {
  const sides: [string, boolean][] = [
    ['smtpd_starttls_timeout', logged.failures.some((f) => f.class === 'timeout')],
    ['smtp_starttls_timeout', logged.outbound.some((f) => f.class === 'timeout')],
  ];
  let out = config;
  for (const [parameter, timedOut] of sides) {
    const value = config.receiver.mainCf[parameter];
    if (!timedOut || (value !== undefined && postfixSeconds(value) <= postfixSeconds(LAB_STARTTLS_TIMEOUT))) continue;
    const decision: ParameterDecision = {
      parameter, value: value ?? '300s (the default)', action: 'override', labValue: LAB_STARTTLS_TIMEOUT,
      reason: 'the log has a timeout after STARTTLS: the lab\'s stalling peer is given up on after 5 s rather than minutes; the same error, sooner',
      source: config.decisions.find((d) => d.parameter === parameter)?.source ?? 'Postfix default',
    };
    out = { ...out, receiver: { ...out.receiver, mainCf: { ...out.receiver.mainCf, [parameter]: LAB_STARTTLS_TIMEOUT } }, decisions: [...out.decisions.filter((d) => d.parameter !== parameter), decision] };
  }
  return out;
}

/**
 * For a logged outbound certificate failure: besides public-ca (a certificate from a CA in the system bundle, as
 * big providers have), its flawed kin, each failing verification for one cause: an end date passed, the issuing
 * CA not served, a name the certificate does not carry.
 */
export function certificateDestinations(logged: LogFailures): Population['outbound'] {
  if (!logged.outbound.some((f) => f.class === 'certificate-verification')) return [];
  const destination = (name: string, description: string, certificate: Omit<NonNullable<Population['outbound'][number]['certificate']>, 'issuer'>) => ({
    name, description, toolchain: 'debian-bookworm', certificate: { issuer: 'lab-ca' as const, ...certificate }, expect: UNJUDGED,
  });
  return [
    destination('public-ca-expired', 'a server whose certificate, from a CA in the system bundle, expired on 2021-01-01', { notBefore: '2020-01-01', notAfter: '2021-01-01' }),
    destination('public-ca-no-chain', 'a server whose certificate is from a CA in the system bundle, served without the issuing CA\'s certificate', { chain: 'leaf' }),
    destination('public-ca-other-name', 'a server whose certificate, from a CA in the system bundle, carries another name than the one it is reached by', { names: ['mail.elsewhere.example'] }),
  ];
}

/**
 * For a logged outbound failure for want of a client certificate the server accepts: a server that requires one.
 * Postfix refuses after the handshake (421, no alert); a server that requires it in the handshake sends an alert,
 * `certificate required` in TLS 1.3 and, from Exim (GnuTLS) in TLS 1.2, `decode error`.
 */
export function clientCertificateDestination(logged: LogFailures): Population['outbound'] {
  const certificate = logged.outbound.filter((f) => f.class === 'client-certificate');
  const decodeError = logged.outbound.some((f) => f.class === 'peer-aborted' && /decode error/.test(f.error?.reason ?? ''));
  const inHandshake = 'a server that requires a client certificate it trusts in the TLS handshake (Exim with tls_verify_hosts = *), as mutual-TLS gateways do';
  return [
    ...(certificate.some((f) => f.error === undefined) ? [{
      name: 'requires-client-certificate', description: 'a server that requires a client certificate it trusts (smtpd_tls_req_ccert = yes), as some relays and partner gateways do',
      toolchain: 'debian-bookworm', mainCf: { smtpd_tls_security_level: 'encrypt', smtpd_tls_req_ccert: 'yes' }, expect: UNJUDGED,
    }] : []),
    ...(certificate.some((f) => f.error !== undefined) ? [{ name: 'requires-client-certificate-in-handshake', description: inHandshake, server: 'exim' as const, requireClientCertificate: true, expect: UNJUDGED }] : []),
    ...(decodeError ? [{
      name: 'requires-client-certificate-tls12', description: `${inHandshake}, at most TLS 1.2`,
      server: 'exim' as const, requireClientCertificate: true, gnutlsPriority: 'NORMAL:-VERS-TLS1.3', expect: UNJUDGED,
    }] : []),
  ];
}

/**
 * For a logged outbound bounce or deferral of a server that takes mail only over TLS (`530 5.7.0 Must issue a
 * STARTTLS command first`): such a server.
 */
export function starttlsRequiredDestination(logged: LogFailures): Population['outbound'] {
  if (!logged.outbound.some((f) => f.evidence.some(requiresStarttls))) return [];
  return [{
    name: STARTTLS_REQUIRED_DESTINATION, description: 'a server that takes mail only over TLS (smtpd_tls_security_level = encrypt), as relays on port 587 are',
    toolchain: 'debian-bookworm', mainCf: { smtpd_tls_security_level: 'encrypt' }, expect: UNJUDGED,
  }];
}

/** A server's answer to STARTTLS when its own TLS set-up failed: it still advertises STARTTLS. */
const SERVER_TLS_OFF = /TLS not available due to local problem/;

/** Whether an outbound failure is a server's refusal of STARTTLS for want of its own TLS (a client that requires TLS logs it). */
function serverRefusedStarttls(failure: LoggedFailure): boolean {
  return failure.direction === 'outbound' && failure.class === 'invalid-local-config' && failure.evidence.some((line) => SERVER_TLS_OFF.test(line));
}

/**
 * For a logged outbound refusal of STARTTLS (`TLS is required, but host ... refused to start TLS: 454 4.7.0 TLS not
 * available due to local problem`): a server whose TLS a bad setting turned off, which still advertises STARTTLS.
 */
export function starttlsRefusedDestination(logged: LogFailures): Population['outbound'] {
  if (!logged.outbound.some(serverRefusedStarttls)) return [];
  return [{
    name: STARTTLS_REFUSED_DESTINATION,
    description: 'a server whose TLS a set-up error turned off (here an invalid smtpd_tls_protocols): it still advertises STARTTLS, and answers it with 454 4.7.0 TLS not available due to local problem',
    toolchain: 'debian-bookworm', mainCf: { smtpd_tls_protocols: 'TLSv9' }, expect: UNJUDGED,
  }];
}

/**
 * For a logged outbound failure of `cls`: a destination like the raw one that hangs up after STARTTLS, which does
 * `variant` instead.
 */
function hangupVariant(
  destinations: Population['outbound'], logged: LogFailures, cls: FailureClass, variant: { name: string; description: string; afterStarttls: RawServerAction },
): Population['outbound'] {
  const hangup = destinations.find((d) => d.name === 'starttls-hangup');
  if (hangup === undefined || !logged.outbound.some((f) => f.class === cls)) return [];
  return [{ ...hangup, ...variant }];
}

/** For a logged outbound timeout: a destination that stalls after STARTTLS. */
export function stallDestination(destinations: Population['outbound'], logged: LogFailures): Population['outbound'] {
  return hangupVariant(destinations, logged, 'timeout', {
    name: 'starttls-stall', description: 'a server or firewall that says "220 Ready to start TLS", then says nothing', afterStarttls: 'stall',
  });
}

/** For a logged outbound protocol violation: a destination that answers the hello out of order. */
export function malformedTlsDestination(destinations: Population['outbound'], logged: LogFailures): Population['outbound'] {
  return hangupVariant(destinations, logged, 'protocol-violation', {
    name: 'starttls-malformed-reply', afterStarttls: 'unexpected-message',
    description: 'a server, or a middlebox in front of it, that answers the TLS hello with a Finished message where the ServerHello belongs',
  });
}

/** The receiver with a fix applied (with no fix, as configured), serving these listeners besides port 25. */
function applyFix(config: AdminConfig, fix: FixCandidate | undefined, listeners: readonly Listener[]): AdminConfig['receiver'] {
  const mainCf = { ...config.receiver.mainCf };
  for (const [key, value] of Object.entries(fix?.mainCf ?? {})) {
    if (value === null) delete mainCf[key];
    else mainCf[key] = value;
  }
  const maps = { ...config.receiver.maps };
  if (fix?.discardStarttlsFor) maps['tlslab-starttls-discard.cidr'] = Object.fromEntries(fix.discardStarttlsFor.map((name) => [`{{sender:${name}}}`, 'starttls']));
  const masterCf = [...config.receiver.masterCf, ...listeners.map((l) => listenerEntry(l, fix ? fixedOverrides(l, fix) : l.overrides))];
  return { ...config.receiver, mainCf, maps, masterCf };
}

/**
 * Reproduces the failures of a log against the admin's configuration: forms hypotheses from the
 * sender profiles and probes, runs them with the whole population (observe-only), compares each
 * failure by decoded OpenSSL error, then runs each candidate fix against the population and the
 * reproduced senders and ranks the fixes.
 */
export async function reproduceFailures(options: ReproduceOptions): Promise<ReproduceReport> {
  const started = Date.now();
  const logLines = options.logLines ?? (await readWholeLog(options.log).catch((cause: unknown) => {
    throw new LabError('LAB_INPUT_INVALID', `--log ${options.log}: cannot read the file`, { cause });
  })).lines;
  // The folder tells what the log's server is (versions, STARTTLS timeouts): the log is read once, knowing it.
  const given = await readConfigDir(options.config, options.certType ? { certType: options.certType } : {});
  const logged = readLogFailures(logLines, logHintsOf(given));
  if (logged.stats.events === 0 && logged.stats.unrecognised === 0) {
    const lines = logged.stats.lines;
    throw new LabError(
      'LAB_INPUT_INVALID',
      `--log ${options.log}: none of its ${lines} line(s) is a Postfix log line. Give the lines as the log has them (syslog, journalctl, ` +
        'RFC 3339 or RFC 5424 stamps, docker logs), or at least their Postfix messages ("connect from ...", "warning: TLS library problem: ...").',
    );
  }
  const admin = withClientTlsAsLogged(withStallTimeouts(given, logged), logged);
  const onListener = failureListeners(logged.failures, admin);
  const listeners = [...new Set(onListener.values())];
  const blocked = listeners.filter((l) => l.problems.length > 0);
  if (blocked.length > 0) {
    throw new LabError('LAB_INPUT_INVALID', `${options.config}: the log's failures are on ${blocked.map((l) => l.service).join(', ')}, whose settings cannot run in the lab as they are:\n${blocked.flatMap((l) => l.problems).map((p) => `  ${p}`).join('\n')}`, {
      context: { problems: blocked.flatMap((l) => l.problems) },
    });
  }
  const config: AdminConfig = { ...admin, receiver: applyFix(admin, undefined, listeners), decisions: [...admin.decisions, ...listeners.flatMap((l) => listenerDecisions(l, `the log's failures are on its sessions (${l.syslogName}/smtpd)`, 'sends their hypotheses there'))] };
  const toolchains = await loadToolchains();
  const found = { ...config.versions };
  if (found.openssl === undefined && logged.versions.openssl !== undefined && !options.toolchain && !options.opensslVersion) {
    found.openssl = logged.versions.openssl.replace(/\.x$/, '');
    found.evidence = [...found.evidence, `the log's OpenSSL error format (${logged.versions.openssl})`];
  }
  if (found.postfix === undefined && logged.versions.postfix !== undefined) found.postfix = logged.versions.postfix;
  const toolchain = await chooseReceiverToolchain(toolchains, options, found, options.sources, needsBesides(config.needs, logLines));
  const postfixVersion = toolchains.get(toolchain.toolchain)?.postfix?.version;
  const profiles = await loadSenderProfiles();
  const population = await loadPopulation(toolchains, { profiles, ...(options.sources ? { sources: options.sources } : {}) });
  const runnable = new Set(population.senders.map((s) => s.profile));
  const outsidePopulation = (h: Hypothesis) => h.probe === undefined && profiles.get(h.profile ?? h.name)?.population === false;
  // The hostname the certificate should carry, from main.cf's certificate or else a failing listener's own.
  const certificateChecked = config.certificate ?? listeners.find((l) => l.certificate !== undefined)?.certificate;
  const ownCertificate = certificateChecked === undefined ? undefined : certificateChecked.checkedNames[0] === undefined ? {} : { hostname: certificateChecked.checkedNames[0] };
  const ecdsaServer = ecdsaOnly(config.certificate, config.receiver.mainCf);
  const hypotheses = formHypotheses(logged.failures, profiles, config.receiver.mainCf, { ...(ownCertificate === undefined ? {} : { ownCertificate }), ecdsaOnly: ecdsaServer }).filter((h) => h.probe !== undefined || outsidePopulation(h) || runnable.has(h.profile ?? h.name));
  const onListeners = hypothesesOnListeners(hypotheses, logged.failures, onListener, profiles);
  const allHypotheses = [...hypotheses, ...onListeners];
  // Probes, and profiles kept out of the population, run next to the population; those of a listener's failures, there.
  const probes = [...hypotheses.filter((h) => (h.probe !== undefined || outsidePopulation(h)) && h.failures.some((key) => !onListener.has(key))), ...onListeners];
  const engine = options.engine ?? (await connectEngine());
  const runId = newRunId();
  // Outbound failures are reproduced by sending to every destination of the population; a timeout, to one that stalls too.
  const destinations = logged.outbound.length > 0 ? [...population.outbound, ...stallDestination(population.outbound, logged), ...malformedTlsDestination(population.outbound, logged), ...certificateDestinations(logged), ...starttlsRequiredDestination(logged), ...starttlsRefusedDestination(logged), ...clientCertificateDestination(logged)] : [];
  const run = async (name: string, receiver: AdminConfig['receiver'], senders: NonNullable<ScenarioInput['senders']>) => {
    options.progress?.({ kind: 'phase', phase: 'reproduce', detail: `${name}: ${senders.length} senders${destinations.length ? `, ${destinations.length} destinations` : ''} on ${toolchain.toolchain}` });
    const scenario = defineScenario({ name, receiver: { toolchain: toolchain.toolchain, ...receiver }, senders, outbound: destinations, timeoutSeconds: 45 });
    const result = await runScenario({ scenario, dir: config.dir }, { engine, toolchains, runId, observe: true, ...(options.sources ? { images: { sources: options.sources } } : {}), ...(options.progress ? { progress: options.progress } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    if (options.signal?.aborted) throw new LabError('LAB_INTERRUPTED', 'Interrupted; every container and network of this run was removed.');
    if (result.error && result.senders.length === 0) throw new LabError(result.error.code as LabErrorCode, `${name}: ${result.error.message}`);
    return result;
  };
  const baseSenders = [...population.senders, ...probes.map(senderInput)];
  const todayResult = logged.failures.length > 0 || logged.outbound.length > 0 ? await run('reproduction', config.receiver, baseSenders) : undefined;
  const today = todayResult ? matrixOf(todayResult) : [];
  const inboundFindings: FailureFinding[] = logged.failures.map((failure) => {
    const listener = onListener.get(failure.key);
    const outcomes = (listener ? onListeners : hypotheses)
      .filter((h) => h.failures.includes(failure.key))
      .flatMap((hypothesis) => {
        const result = todayResult?.senders.find((s) => s.name === hypothesis.name);
        if (!result) return [];
        return [{ hypothesis, failure: failure.key, observed: matrixRow(result), ...matchFailure(failure, result) }];
      });
    const reproducedBy = outcomes.filter((o) => o.match === 'exact' || o.match === 'reason').map((o) => o.hypothesis.name);
    const certificate = listener?.certificate ?? config.certificate;
    const ecdsaAlone = listener === undefined ? ecdsaServer : ecdsaOnly(listener.certificate, { ...config.receiver.mainCf, ...listener.overrides });
    const byConfig = configReproduction(failure, reproducedBy, todayResult, toolchain.toolchain);
    return {
      failure, fixes: [], outcomes, reproducedBy, ...(byConfig === undefined ? {} : { reproducedByConfig: byConfig.warning }),
      explanation: explainFailure(failure, outcomes, reproducedBy, listener, certificate, ecdsaAlone, byConfig?.note),
    };
  });
  // The receiver's own smtp sessions to each destination: its view, as in the admin's log.
  const smtpSessions = todayResult && logged.outbound.length > 0 ? readSessions(todayResult.receiver.log).sessions.filter((s) => s.side === 'smtp') : [];
  const outboundFindings: FailureFinding[] = logged.outbound.map((failure) => {
    const outcomes = (todayResult?.outbound ?? []).map((result): HypothesisOutcome => {
      const hypothesis: Hypothesis = { name: `→ ${result.name}`, why: result.description ?? 'a destination of the population', reasons: {}, failures: [failure.key] };
      const sessions = smtpSessions.filter((s) => s.peer.addr === result.peerAddress);
      return { hypothesis, failure: failure.key, observed: matrixRow(result), ...matchSessions(failure, sessions) };
    });
    const reproducedBy = outcomes.filter((o) => o.match === 'exact' || o.match === 'reason').map((o) => o.hypothesis.name);
    const byConfig = configReproduction(failure, reproducedBy, todayResult, toolchain.toolchain);
    const explanation = byConfig !== undefined
      ? explainFailure(failure, outcomes, reproducedBy, undefined, undefined, false, byConfig.note)
      : `${explainFailure(failure, outcomes, reproducedBy)}${reproducedBy.length === 0 ? clientRequirementNote(failure, config.receiver.mainCf, config.decisions) : ''}`;
    return { failure, fixes: [], outcomes, reproducedBy, ...(byConfig === undefined ? {} : { reproducedByConfig: byConfig.warning }), explanation };
  });
  const findings = [...inboundFindings, ...outboundFindings];
  const reproducedFailures: (ReproducedFailure & { listener?: Listener })[] = inboundFindings
    .filter((f) => f.reproducedBy.length > 0)
    .map((f) => ({
      class: f.failure.class,
      senders: f.reproducedBy,
      ...(onListener.has(f.failure.key) ? { listener: onListener.get(f.failure.key) } : {}),
      families: f.reproducedBy.flatMap((name) => allHypotheses.find((h) => h.name === name)?.family ?? []),
      offered: f.reproducedBy.flatMap((name) => {
        const h = allHypotheses.find((x) => x.name === name);
        const tls = h?.probe !== undefined && h.probe.client !== 'raw' ? h.probe.tls : profiles.get(h?.profile ?? name)?.tls;
        return protocolRange(tls?.minProtocol ?? 'TLSv1.2', tls?.maxProtocol ?? 'TLSv1.3');
      }),
    }));
  const reproducedOutbound: ReproducedFailure[] = outboundFindings
    .filter((f) => f.reproducedBy.length > 0)
    .map((f) => ({ class: f.failure.class, senders: f.reproducedBy, offered: [] }));
  const reproducedSenders = [...new Set([...reproducedFailures, ...reproducedOutbound].flatMap((f) => f.senders))];
  const limit = options.maxFixes ?? 7;
  const onPort25 = reproducedFailures.filter((f) => f.listener === undefined);
  const candidates = uniqueFixes([
    ...(onPort25.length > 0 ? generateFixes(onPort25, config.receiver.mainCf, postfixVersion, limit, { ecdsaOnly: ecdsaServer }) : []),
    ...listeners.flatMap((l) => {
      const on = reproducedFailures.filter((f) => f.listener === l);
      return on.length > 0 ? listenerFixes(on, admin.receiver.mainCf, l, postfixVersion, onPort25.length > 0 ? Math.max(2, Math.floor(limit / 2)) : limit) : [];
    }),
    ...generateOutboundFixes(reproducedOutbound, config.receiver.mainCf),
  ]);
  const effects: FixEffect[] = [];
  const fixSenders = [...population.senders, ...probes.filter((p) => reproducedSenders.includes(p.name)).map(senderInput)];
  for (const fix of candidates) {
    const senders = fix.discardStarttlsFor ? fixSenders.map((s) => (fix.discardStarttlsFor!.includes(s.name ?? s.profile ?? '') ? opportunistic(s, profiles) : s)) : fixSenders;
    const name = `fix-${fix.id}`.slice(0, 35).replace(/-$/, '');
    const result = await run(name, applyFix(admin, fix, listeners), senders);
    const errors = result.receiver.configWarnings.filter((w) => !todayResult?.receiver.configWarnings.includes(w));
    const effect = fixEffect(fix, today, matrixOf(result), reproducedSenders, errors);
    if (effect.breaks.length > 0) {
      // A sender that stops working can be a slow run (an MTA that had not delivered yet) rather than the fix:
      // only what breaks in a second run too counts.
      const again = fixEffect(fix, today, matrixOf(await run(`${name}-again`, applyFix(admin, fix, listeners), senders)), reproducedSenders, errors);
      effects.push(confirmBreaks(effect, again));
    } else effects.push(effect);
  }
  const fixes = rankFixes(effects);
  for (const finding of findings) {
    if (finding.reproducedBy.length === 0) continue;
    // What each fix does for this finding's peers; what it breaks stays as its second run confirmed it.
    finding.fixes = rankFixes(effects.map((e) => ({
      ...fixEffect(e.fix, today, e.matrix, finding.reproducedBy, e.configErrors), breaks: e.breaks, ...(e.unconfirmed ? { unconfirmed: e.unconfirmed } : {}),
    }))).filter((e) => e.fixes.length > 0);
  }
  const unreproduced = findings.filter((f) => f.reproducedBy.length === 0 && f.reproducedByConfig === undefined);
  const bestFixes = findings.flatMap((f) => {
    const best = f.fixes[0];
    if (!best) return [];
    const givesUp = best.fix.weakens === undefined ? '' : `; gives up: ${best.fix.weakens}${f.failure.class === 'certificate-verification' && f.failure.direction === 'inbound' ? ', where the remedy is the certificate' : ''}`;
    return [`for ${f.failure.summary}: ${best.fix.title} (${best.breaks.length === 0 ? 'breaks no sender that works today' : `BREAKS ${best.breaks.join(', ')}`}; serves ${best.fixes.length}/${f.reproducedBy.length}${givesUp})`];
  });
  const unfixed = [...new Set(findings.filter((f) => (f.reproducedBy.length > 0 || f.reproducedByConfig !== undefined) && f.fixes.length === 0).map((f) => f.failure.summary))];
  const configErrors = todayResult?.receiver.configWarnings ?? [];
  const rejected = configErrors.length > 0
    ? ` Postfix on ${toolchain.toolchain} rejected part of the configuration (${configErrors.length} error${configErrors.length > 1 ? 's' : ''}, each quoted in this report): the lab ran the server as Postfix then runs it.`
    : '';
  const verdict =
    findings.length === 0
      ? 'No failed TLS session in the log: nothing to reproduce.'
      : `${findings.length - unreproduced.length}/${findings.length} logged failure(s) reproduced on ${toolchain.toolchain}` +
        (unreproduced.length ? ` (not reproduced: ${unreproduced.map((f) => f.failure.key).join('; ')})` : '') +
        (bestFixes.length ? `. Best fix ${bestFixes.join('; ')}.` : '.') +
        (unfixed.length ? ` No configuration change the lab tried serves ${unfixed.join('; ')}: see the remedy.` : '') + rejected;
  const selfReport = todayResult?.selfReports.find((r) => r.role === 'receiver');
  return {
    kind: 'reproduce',
    runId,
    log: options.log,
    logReversed: logged.reversed,
    logVersions: logged.versions,
    toolchain,
    ...(selfReport ? { selfReport } : {}),
    config,
    findings,
    ...(todayResult ? { today: { result: todayResult, matrix: today } } : {}),
    configErrors,
    fixes,
    destinations: destinations.map(({ expect: _expect, ...destination }) => destination),
    failingPeers: logged.failures.flatMap((f) => f.peers),
    skipped: population.skipped,
    verdict,
    exitCode: unreproduced.length === 0 ? 0 : 1,
    durationMs: Date.now() - started,
  };
}

/** A file path in a warning: the admin's and the lab's name the same file differently. */
const PATH_IN_TEXT = /\/[^\s"':,)]+/g;

/** The message of a Postfix warning (`warning: ...`, `fatal: ...`) with its file paths made alike, or undefined. */
function warningText(line: string): string | undefined {
  const match = /\b(?:warning|fatal|panic|error): (.*)$/.exec(line);
  return match?.[1]?.replace(PATH_IN_TEXT, '<path>').trim();
}

/**
 * A set-up failure that no hypothesis reproduced, when the lab's Postfix logged the same warning about its
 * configuration: the configuration alone reproduces it. The warning as the lab's Postfix wrote it, and the sentence
 * that says so.
 */
export function configReproduction(
  failure: LoggedFailure, reproducedBy: readonly string[], result: { receiver: { configWarnings: readonly string[] } } | undefined, toolchain: string,
): { warning: string; note: string } | undefined {
  if (reproducedBy.length > 0 || failure.class !== 'invalid-local-config' || result === undefined) return undefined;
  const logged = new Set(failure.evidence.flatMap((line) => warningText(line) ?? []));
  const warning = result.receiver.configWarnings.find((w) => logged.has(warningText(w) ?? ''));
  if (warning === undefined) return undefined;
  return { warning, note: ` Reproduced by the configuration alone: Postfix on ${toolchain} logged the same warning with these settings ("${warning}"), whatever the peer.` };
}

/** What OpenSSL 1.1+/3.x logs for the situation a 1.0.x error names (see the facts' error table). */
const NEWER_EQUIVALENT: Partial<Record<LoggedFailure['class'], string>> = { 'unknown-protocol': 'unsupported-protocol', 'wrong-version-number': 'unsupported-protocol' };

/** Why a local configuration failure may not reproduce: no peer causes it, only the settings given to the lab. */
const OWN_SETTINGS = ' No peer causes this failure: it comes from the settings of this side, so the lab shows it only when the configuration it was given holds the same setting (and the files that setting names).';

/** Why a server's refusal of STARTTLS may not reproduce: the lab's server refuses it to a client that requires TLS alone. */
const SERVER_SETTINGS = ' The server\'s own settings cause this failure, not this side\'s: it advertises STARTTLS but cannot start TLS, and only a client that requires TLS logs the refusal (at level may the mail goes in plaintext, and nothing is logged).';

/**
 * Where the failure's sessions were, when not on port 25: on a listener the lab served (with what that listener's
 * enforced TLS means for the settings that apply), or on a wrapper-mode service it could not find in master.cf, whose
 * handshake it runs after STARTTLS on port 25 with main.cf's settings.
 */
function wrapperModeNote(failure: LoggedFailure, listener: Listener | undefined): string {
  if (listener !== undefined) {
    const where = ` These sessions were on ${listener.service} (${listener.syslogName}/smtpd); the lab served it on port ${listener.port}${listener.wrapper ? ' with TLS at once' : ''}, with its TLS settings (${listener.source}).`;
    return enforcesTls(listener) && settingsDecide(failure.class, failure.error) && !failure.explanation.includes('smtpd_tls_mandatory_protocols')
      ? `${where} It requires TLS, so smtpd takes smtpd_tls_mandatory_protocols and smtpd_tls_mandatory_ciphers there, not smtpd_tls_protocols and smtpd_tls_ciphers: a fix for it changes those.`
      : where;
  }
  const implicit = failure.evidence.some((line) => / after CONNECT from /.test(line)) && failure.evidence.some((line) => /SSL_accept error|TLS library problem/.test(line));
  if (!implicit && !failure.evidence.some((line) => /\/(?:smtps|submissions)\/smtpd\[/.test(line))) return '';
  return ' These sessions were on a wrapper-mode service (TLS at once, port 465) that the lab could not match to a master.cf listener by the log tag (its -o syslog_name): it runs the same handshake after STARTTLS on port 25, with the settings of main.cf; quote the lines with their tags and give master.cf, or put the settings that matter in main.cf, to try that listener\'s.';
}

/** For a client's alert about this server's certificate: what the check of the admin's own certificate found. */
function certificateNote(failure: LoggedFailure, certificate: CertificateCheck | undefined, ecdsaAlone: boolean): string {
  if (failure.class === 'no-shared-cipher' && failure.direction === 'inbound' && ecdsaAlone && certificate !== undefined) {
    return ` Your certificate is ECDSA (${certificate.key}) and no RSA certificate is configured: a client that offers only RSA-authenticated suites (RSA key exchange, ECDHE-RSA, DHE-RSA, as older Exchange and Windows servers, Java 7 and iOS 9 do) has no suite this server can use, whatever its cipher list says.`;
  }
  if (failure.class !== 'certificate-verification' || failure.direction !== 'inbound') return '';
  if (certificate === undefined) {
    return ' The folder holds no certificate of yours (the files of smtpd_tls_cert_file or smtpd_tls_chain_files): the lab ran with its own and could not check yours; copy them into the folder to have them checked.';
  }
  const what = `Your certificate (${describeCertificate(certificate)})`;
  return certificate.problems.length > 0
    ? ` ${what}: ${certificate.problems.join('; ')}.`
    : ` ${what} shows none of these causes today: look at the client's side (its CA store, the name it connects by, its clock), and at listeners that serve other files.`;
}

interface Requirement {
  levels: readonly string[];
  what: string;
  instead: string;
  level: string;
}

const REQUIRES_TLS = ['encrypt', 'dane-only', 'fingerprint', 'verify', 'secure'];

/** Outbound classes the smtp client logs only at a level that requires TLS, or a verified certificate. */
const REQUIRED_OF_SERVERS: Partial<Record<LoggedFailure['class'], Requirement>> = {
  'starttls-not-offered': { levels: REQUIRES_TLS, what: 'TLS', instead: 'sends in plaintext to a server without STARTTLS', level: 'encrypt' },
  'certificate-verification': {
    levels: ['dane-only', 'fingerprint', 'verify', 'secure'], what: 'a verified certificate', instead: 'takes any certificate', level: 'verify',
  },
};

/** The smtp client's security level as Postfix derives it: the level, else the legacy smtp_enforce_tls / smtp_use_tls. */
function clientLevel(mainCf: Readonly<Record<string, string>>): string {
  const level = mainCf.smtp_tls_security_level?.trim() ?? '';
  if (level !== '') return level;
  if (mainCf.smtp_enforce_tls === 'yes') return mainCf.smtp_tls_enforce_peername === 'no' ? 'encrypt' : 'verify';
  return mainCf.smtp_use_tls === 'yes' ? 'may' : '';
}

/**
 * For an outbound failure the destinations did not reproduce that only a client requiring TLS (or a verified
 * certificate) logs: that the configuration given does not require it, and where the logging server's requirement
 * most likely came from. @internal
 */
export function clientRequirementNote(failure: LoggedFailure, mainCf: Readonly<Record<string, string>>, decisions: readonly ParameterDecision[]): string {
  const required: Requirement | undefined = serverRefusedStarttls(failure)
    ? { levels: REQUIRES_TLS, what: 'TLS', instead: 'sends in plaintext to a server that answers STARTTLS with 454', level: 'encrypt' }
    : REQUIRED_OF_SERVERS[failure.class];
  if (failure.direction !== 'outbound' || required === undefined) return '';
  const level = clientLevel(mainCf);
  if (required.levels.includes(level)) return '';
  const policy = decisions.find((d) => (d.parameter === 'smtp_tls_policy_maps' || d.parameter === 'smtp_tls_per_site') && d.action === 'drop');
  const source = policy === undefined
    ? 'the logging server most likely had a stricter level, or a per-destination policy (smtp_tls_policy_maps), that this folder lacks'
    : `the requirement most likely comes from ${policy.parameter}, which the lab leaves out (${policy.reason})`;
  return ` The log's client required ${required.what} of this server, which this configuration's client does not: at smtp_tls_security_level = ${level === '' ? '(empty)' : level} it ${required.instead}. So ${source}; with smtp_tls_security_level = ${required.level} in the folder's main.cf, the lab requires it of every destination.`;
}

/** The verdict on one logged failure, from what the hypotheses or destinations gave. @internal */
/** An explanation that ends in a quoted log text gets the full stop the sentences after it need. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function explainFailure(
  failure: LoggedFailure, outcomes: readonly HypothesisOutcome[], reproducedBy: readonly string[], listener?: Listener, certificate?: CertificateCheck, ecdsaAlone = false,
  byConfig?: string,
): string {
  const peers = peersText(failure);
  const ownSettings = serverRefusedStarttls(failure) ? SERVER_SETTINGS : failure.class === 'invalid-local-config' ? OWN_SETTINGS : '';
  if (failure.direction === 'outbound') {
    const base = `Sending to ${peers} failed with "${failure.summary}". ${sentence(failure.explanation)}`;
    if (byConfig !== undefined) return `${base}${byConfig}`;
    if (reproducedBy.length === 0) {
      const near = outcomes.filter((o) => o.match === 'class').map((o) => `${o.hypothesis.name} (${o.detail})`);
      return `${base} None of the ${outcomes.length} destinations gave the same error with this configuration${near.length ? `; near misses: ${near.join(', ')}` : ''}.${ownSettings}`;
    }
    const reproducing = outcomes.filter((o) => reproducedBy.includes(o.hypothesis.name)).map((o) => `${o.hypothesis.name} (${o.hypothesis.why})`);
    return `${base} Reproduced by sending to ${reproducing.join('; ')}. So the failing destinations are most likely servers like these.`;
  }
  // Host names keep their case; only the words for an unnamed peer start the sentence capitalized.
  const subject = failure.peers.length === 0 ? `${peers.charAt(0).toUpperCase()}${peers.slice(1)}` : peers;
  const base = `${subject} failed with "${failure.summary}". ${sentence(failure.explanation)}${wrapperModeNote(failure, listener)}${certificateNote(failure, certificate, ecdsaAlone)}`;
  if (byConfig !== undefined) return `${base}${byConfig}`;
  if (reproducedBy.length === 0) {
    const near = outcomes.filter((o) => o.match === 'class').map((o) => `${o.hypothesis.name} (${o.detail})`);
    const newer = NEWER_EQUIVALENT[failure.class];
    const equivalent = failure.error?.generation?.startsWith('1.0') && newer ? outcomes.filter((o) => o.observed.failureClass === newer).map((o) => o.hypothesis.name) : [];
    const certificateNearMiss = failure.class === 'certificate-verification' && outcomes.some((o) => o.match === 'class');
    return (
      `${base} None of the ${outcomes.length} hypotheses gave the same error on this toolchain${near.length ? `; near misses: ${near.join(', ')}` : ''}.${ownSettings}` +
      (certificateNearMiss
        ? ' The alert for a rejected certificate is the client\'s choice, not the server\'s: OpenSSL says "unknown ca" for an issuer it does not trust, where Java says "certificate unknown". A near miss of this class is the same rejection in another TLS stack\'s words.'
        : '') +
      (equivalent.length
        ? ` The log was written by OpenSSL ${failure.error?.generation}; this toolchain's newer OpenSSL names the same situation "${newer}", which ${equivalent.join(', ')} got: run on a toolchain with OpenSSL ${failure.error?.generation} (--toolchain) to see the very error.`
        : '')
    );
  }
  const reproducing = outcomes.filter((o) => reproducedBy.includes(o.hypothesis.name));
  const whys = reproducing.map((o) => `${o.hypothesis.name} ${o.hypothesis.reasons[failure.key] ?? o.hypothesis.why}`);
  const conclusion = reproducing.every((o) => o.hypothesis.probe?.client === 'raw')
    ? 'Only a peer that misbehaves on purpose reproduced it: the failing peers do not complete a TLS handshake at all (broken clients, proxies, scanners), or what made them hang up is on their side.'
    : failure.class === 'client-certificate' && failure.direction === 'inbound'
      ? `So every sender without a client certificate this server trusts fails this way: the cause is this server's requirement, not the peers. ${failure.remedy}`
      : failure.class === 'certificate-verification' && failure.direction === 'inbound'
      ? `So the failing peers most likely rejected the certificate as ${reproducing.length > 1 ? 'one of these clients' : 'this client'} did${reproducing.length > 1 ? ' (the alert is the same for each cause; the certificate\'s names and dates, or the client\'s own log, tell which)' : ''}. No TLS setting of this server changes that, only the certificate it serves: ${failure.remedy}`
      : 'So the failing peers are most likely senders like these.';
  return `${base} Reproduced by: ${whys.join('; ')}. ${conclusion}`;
}
