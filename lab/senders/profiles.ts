import { LabError } from '../errors.ts';
import { SENDERS_DIR } from '../paths.ts';
import type { Scenario, SenderInput, SenderProfile, SenderSpec } from '../scenario/schema.ts';
import { RAW_ACTIONS, senderProfileSchema } from '../scenario/schema.ts';
import { loadNamedYamlFiles } from '../validation.ts';
import { APP_CLIENTS, isAppClient } from './client-command.ts';

/** Sender TLS options the sendmail sender does not map onto sendmail.cf options. */
const SENDMAIL_UNSUPPORTED = ['ciphersuites', 'groups', 'fallbackScsv'] as const;

/** Sender TLS options the java and go clients have no way to honour: the runtime picks suites and groups, and checks at today's date. */
const APP_UNSUPPORTED = ['ciphers', 'ciphersuites', 'groups', 'fallbackScsv', 'verifyAt'] as const;

/**
 * The key-exchange groups the go client offers, which a profile cannot set: Go 1.24's crypto/tls defaults
 * (src/crypto/tls/defaults.go), the hybrid post-quantum group first.
 */
const GO_DEFAULT_GROUPS = 'X25519MLKEM768:X25519:P-256:P-384:P-521';

/** The groups a profile's sender offers, where the profile or its client's runtime says. */
export function offeredGroups(profile: Pick<SenderProfile, 'client' | 'tls'>): string | undefined {
  return profile.tls?.groups ?? (profile.client === 'go' ? GO_DEFAULT_GROUPS : undefined);
}

/** Loads every sender profile (scenarios/senders/*.yaml); a profile's name is its file name. */
export async function loadSenderProfiles(dir: string = SENDERS_DIR): Promise<Map<string, SenderProfile>> {
  return loadNamedYamlFiles(dir, senderProfileSchema);
}

/** A sender with its profile applied: the scenario's own fields win, field by field. */
export function resolveSender(input: SenderInput, profiles: ReadonlyMap<string, SenderProfile>, label = 'sender'): SenderSpec {
  let profile: SenderProfile | undefined;
  if (input.profile !== undefined) {
    profile = profiles.get(input.profile);
    if (!profile) {
      throw new LabError('LAB_SCENARIO_INVALID', `${label}.profile: no sender profile "${input.profile}" (known: ${[...profiles.keys()].join(', ') || 'none'})`, {
        context: { profile: input.profile },
      });
    }
  }
  const client = input.client ?? profile?.client ?? 'swaks';
  const delivery = client === 'postfix' || client === 'exim' || client === 'sendmail' ? 'mta' : 'client';
  const description = input.description ?? profile?.description;
  const tls = { ...profile?.tls, ...input.tls };
  if (client === 'swaks' && (tls.groups !== undefined || tls.ciphersuites !== undefined)) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}: swaks cannot choose groups or TLS 1.3 suites; use "client: openssl" for this sender`);
  }
  if (isAppClient(client)) {
    const unsupported = APP_UNSUPPORTED.filter((key) => tls[key] !== undefined);
    if (unsupported.length > 0) {
      throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.${unsupported[0]}: the ${client} sender takes ${APP_CLIENTS[client].runtime} suites, groups and clock; it accepts minProtocol, maxProtocol, verifyCertificate, trust and verifyHostname. Use "client: openssl" for ${unsupported.join(', ')}`);
    }
  }
  if (client === 'go' && (tls.minProtocol === 'SSLv3' || tls.maxProtocol === 'SSLv3')) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.${tls.minProtocol === 'SSLv3' ? 'minProtocol' : 'maxProtocol'}: Go's crypto/tls has no SSLv3 (removed in Go 1.14); its lowest is TLSv1. Use "client: openssl" for SSLv3`);
  }
  if (tls.fallbackScsv === true && client !== 'openssl') {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.fallbackScsv: only the openssl client can send TLS_FALLBACK_SCSV; use "client: openssl" for this sender`);
  }
  if (tls.verifyCertificate === true && client !== 'openssl' && !isAppClient(client)) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.verifyCertificate: only the openssl, java and go clients abort on an unverified certificate; use one of them for this sender`);
  }
  for (const key of ['trust', 'verifyHostname', 'verifyAt'] as const) {
    if (tls[key] !== undefined && tls.verifyCertificate !== true) {
      throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.${key}: takes effect only on a sender that verifies; add "verifyCertificate: true"`);
    }
  }
  if ((input.starttls ?? profile?.starttls) === 'implicit' && client === 'exim') {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.starttls: the exim sender cannot start TLS at once (implicit); use client openssl, java, go, swaks or postfix`);
  }
  const starttls = input.starttls ?? profile?.starttls;
  if (client === 'openssl' && (starttls === 'none' || starttls === 'optional')) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.starttls: the openssl client (s_client) always starts TLS, after STARTTLS or at once ("implicit"), and cannot go on without it; use client swaks or postfix for "starttls: ${starttls}"`);
  }
  if (client === 'exim' && input.port !== undefined && input.port !== 25) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.port: the exim sender relays to port 25 only; use client postfix, swaks, openssl, java or go for port ${input.port}`);
  }
  const afterStarttls = input.afterStarttls ?? profile?.afterStarttls;
  if (client === 'raw' && afterStarttls === undefined) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.afterStarttls: a raw sender needs it (one of ${RAW_ACTIONS.join(', ')})`);
  }
  if (client !== 'raw' && afterStarttls !== undefined) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.afterStarttls: only a raw sender takes it; use "client: raw"`);
  }
  if (client === 'raw' && (Object.keys(tls).length > 0 || (input.starttls !== undefined && input.starttls !== 'implicit'))) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}: a raw sender has no TLS stack and sends STARTTLS, or with "starttls: implicit" misbehaves at once; drop "tls" and any other "starttls"`);
  }
  if (client === 'exim' && Object.keys(tls).length > 0) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}: the exim sender runs Debian's own TLS settings; "tls" cannot change them`);
  }
  if (client === 'sendmail') {
    const unsupported = SENDMAIL_UNSUPPORTED.filter((key) => tls[key] !== undefined);
    if (unsupported.length > 0) {
      throw new LabError('LAB_SCENARIO_INVALID', `${label}.tls.${unsupported[0]}: the sendmail sender takes minProtocol, maxProtocol and ciphers (its CipherList); set other sendmail.cf options in "sendmailOptions", or use "client: openssl" for ${unsupported.join(', ')}`);
    }
    if (starttls === 'implicit' || starttls === 'required') {
      throw new LabError('LAB_SCENARIO_INVALID', `${label}.starttls: the sendmail sender uses STARTTLS when offered ("optional") or never ("none"); for "${starttls}" use client postfix`);
    }
  }
  const sendmailOptions = { ...profile?.sendmailOptions, ...input.sendmailOptions };
  if (client !== 'sendmail' && Object.keys(sendmailOptions).length > 0) {
    throw new LabError('LAB_SCENARIO_INVALID', `${label}.sendmailOptions: only a sendmail sender takes them; use "client: sendmail"`);
  }
  return {
    name: input.name ?? profile!.name,
    ...(description !== undefined ? { description } : {}),
    ...(profile ? { profile: profile.name, evidence: profile.evidence } : {}),
    toolchain: input.toolchain ?? profile?.toolchain ?? 'debian-bookworm',
    client,
    delivery,
    starttls: input.starttls ?? profile?.starttls ?? (delivery === 'mta' ? 'optional' : 'required'),
    port: input.port ?? 25,
    tls,
    ...(afterStarttls === undefined ? {} : { afterStarttls }),
    mainCf: { ...profile?.mainCf, ...input.mainCf },
    sendmailOptions,
    message: input.message,
    expect: input.expect,
  };
}

/** Every sender of a scenario resolved; all unknown profiles are reported at once. */
export function resolveSenders(scenario: Scenario, profiles: ReadonlyMap<string, SenderProfile>, file = scenario.name): SenderSpec[] {
  const problems: string[] = [];
  const specs: SenderSpec[] = [];
  scenario.senders.forEach((input, index) => {
    try {
      specs.push(resolveSender(input, profiles, `${file}: senders[${index}]`));
    } catch (error) {
      if (!(error instanceof LabError)) throw error;
      problems.push(error.message);
    }
  });
  if (problems.length > 0) throw new LabError('LAB_SCENARIO_INVALID', problems.join('\n'), { context: { problems } });
  return specs;
}
