import type { ScenarioInput, SenderProfile } from '../scenario/schema.ts';
import { DEFAULT_SERVICES, smtpdEntry } from '../scenario/services.ts';
import type { AdminConfig, Listener, ParameterDecision } from './config-dir.ts';
import type { LoggedFailure } from './failures.ts';
import { generateFixes, type FixCandidate, type ReproducedFailure } from './fixes.ts';

/**
 * Inbound failures on a listener other than port 25 (smtps, submission): the lab serves that listener with its
 * own master.cf settings and sends the failure's hypotheses to its port, since its TLS settings differ from port
 * 25's. Wrapper mode and the encrypt level enforce TLS, and smtpd then takes smtpd_tls_mandatory_protocols and
 * smtpd_tls_mandatory_ciphers instead of smtpd_tls_protocols and smtpd_tls_ciphers (smtpd.c).
 */

/** The log tag of an smtpd failure's sessions: `postfix/smtps` for `postfix/smtps/smtpd`. */
function tagOf(service: string | undefined): string | undefined {
  const match = /^(.+)\/smtpd$/.exec(service ?? '');
  return match?.[1];
}

/** Postfix's own listener for a log tag, when the configuration folder has no master.cf to tell. */
function assumedListener(tag: string): Listener | undefined {
  const name = tag.slice(tag.lastIndexOf('/') + 1);
  const port = name === 'smtps' || name === 'submissions' ? 465 : name === 'submission' ? 587 : undefined;
  const service = port === undefined ? undefined : DEFAULT_SERVICES.get(port);
  if (port === undefined || service === undefined) return undefined;
  return {
    service: name, port, syslogName: tag, wrapper: service.overrides.smtpd_tls_wrappermode === 'yes', overrides: { ...service.overrides },
    source: `no master.cf given: Postfix's own ${name} entry assumed, ${service.what}`,
    decisions: [], problems: [],
  };
}

/**
 * The listener each inbound failure happened on, by failure key, for those not on port 25: the master.cf listener
 * whose syslog_name is the sessions' log tag, or without master.cf, Postfix's own smtps or submission service for
 * a tag that names one. A tag that nothing explains stays on port 25.
 */
export function failureListeners(failures: readonly LoggedFailure[], config: Pick<AdminConfig, 'listeners' | 'masterCfText' | 'entries'>): Map<string, Listener> {
  const mainTag = config.entries.find((e) => e.name === 'syslog_name')?.value ?? 'postfix';
  const found = new Map<string, Listener>();
  const assumed = new Map<string, Listener>();
  for (const failure of failures) {
    const tag = tagOf(failure.service);
    if (failure.direction !== 'inbound' || tag === undefined || tag === mainTag) continue;
    let listener = config.listeners.find((l) => l.syslogName === tag);
    if (listener === undefined && config.masterCfText === undefined) {
      listener = assumed.get(tag) ?? assumedListener(tag);
      if (listener !== undefined) assumed.set(tag, listener);
    }
    if (listener !== undefined) found.set(failure.key, listener);
  }
  return found;
}

/** The master.cf entry the lab's receiver runs for a listener: its numeric port, its log tag, its TLS settings. */
export function listenerEntry(listener: Listener, overrides: Record<string, string> = listener.overrides): string {
  return smtpdEntry(listener.port, listener.syslogName, overrides);
}

/** The decision that serves a listener in the lab (`why`, and what the lab `does` there), and those on its own -o settings. */
export function listenerDecisions(listener: Listener, why: string, does: string): ParameterDecision[] {
  return [
    {
      parameter: `master.cf ${listener.service}`, value: listener.source, action: 'rewrite', labValue: listenerEntry(listener),
      source: listener.source.startsWith('master.cf') ? listener.source : 'log',
      reason: `${why}: the lab serves it on port ${listener.port}${listener.wrapper ? ', TLS at once,' : ''} with its TLS settings, and ${does}`,
    },
    ...listener.decisions,
  ];
}

/** TLS is required on it: no sender does without, so not offering STARTTLS serves nobody. */
export function enforcesTls(listener: Listener): boolean {
  return listener.wrapper || listener.overrides.smtpd_tls_security_level === 'encrypt' || /^(yes|true|1)$/i.test(listener.overrides.smtpd_enforce_tls ?? '');
}

/** The name of a hypothesis's sender on a listener: its own, with the port, within the 41 characters of a name. */
export function listenerSenderName(name: string, listener: Listener): string {
  const suffix = `-${listener.port}`;
  return `${name.slice(0, 41 - suffix.length).replace(/-$/, '')}${suffix}`;
}

/** How a sender talks to a listener: its port, and TLS at once on a wrapper-mode one. */
export function listenerWay(listener: Listener): { port: number; starttls?: 'implicit' } {
  return listener.wrapper ? { port: listener.port, starttls: 'implicit' } : { port: listener.port };
}

/**
 * Fixes for the failures on one listener, found on its effective settings (main.cf with its -o settings over it):
 * a changed setting that the listener sets itself is changed in its master.cf entry, the rest in main.cf.
 */
export function listenerFixes(reproduced: readonly ReproducedFailure[], mainCf: Record<string, string>, listener: Listener, postfixVersion: string | undefined, limit: number): FixCandidate[] {
  const effective = { ...mainCf, ...listener.overrides };
  // Where TLS is required, the run that not offering STARTTLS would take goes to one more setting instead.
  const enforced = enforcesTls(listener);
  const fixes = generateFixes(reproduced, effective, postfixVersion, enforced ? limit + 1 : limit).filter((fix) => !(fix.discardStarttlsFor && enforced));
  return fixes.map((fix) => {
    const own = Object.entries(fix.mainCf).filter(([name]) => Object.hasOwn(listener.overrides, name));
    if (own.length === 0) return fix;
    const mainCfPart = Object.fromEntries(Object.entries(fix.mainCf).filter(([name]) => !Object.hasOwn(listener.overrides, name)));
    return {
      ...fix,
      id: `${listener.port}-${fix.id}`,
      title: `${fix.title} on ${listener.service} (its master.cf -o)`,
      mainCf: mainCfPart,
      listener: { port: listener.port, service: listener.service, set: Object.fromEntries(own) },
    };
  });
}

/** A listener's -o settings with a fix's changes to them: null removes one (main.cf's value then applies). */
export function fixedOverrides(listener: Listener, fix: Pick<FixCandidate, 'listener'>): Record<string, string> {
  if (fix.listener?.port !== listener.port) return listener.overrides;
  const overrides = { ...listener.overrides };
  for (const [name, value] of Object.entries(fix.listener.set)) {
    if (value === null) delete overrides[name];
    else overrides[name] = value;
  }
  return overrides;
}

const ONE_SHOT_CLIENTS: ReadonlySet<string> = new Set(['openssl', 'swaks', 'java', 'go']);

/**
 * The population's one-shot clients (s_client, swaks, Java, Go) again on each of these listeners, as senders of their
 * own (`tls10-only-587`): mail clients, applications and relays reach those ports, and the listener's own TLS
 * settings decide. A client that never starts TLS has nothing to try at a port where TLS starts at once.
 */
export function listenerPopulation(
  listeners: readonly Listener[], senders: NonNullable<ScenarioInput['senders']>, profiles: ReadonlyMap<string, SenderProfile>,
): NonNullable<ScenarioInput['senders']> {
  return listeners.flatMap((listener) => senders.flatMap((sender) => {
    const profile = profiles.get(sender.profile ?? '');
    if (profile === undefined || !ONE_SHOT_CLIENTS.has(profile.client ?? 'swaks')) return [];
    if (listener.wrapper && profile.starttls === 'none') return [];
    return [{ ...sender, name: listenerSenderName(profile.name, listener), ...listenerWay(listener) }];
  }));
}
