import type { SenderSpec } from '../scenario/schema.ts';
import { LabError } from '../errors.ts';
import { compareVersions } from '../logs/versions.ts';
import { protocolExclusions } from '../toolchains/postfix-features.ts';
import { PROTOCOLS, protocolRank, type TlsProtocol } from '../scenario/tls-vocabulary.ts';
import type { MessageEnvelope } from './client-command.ts';

/**
 * Retry quickly so a scenario stays short: a deferred message is retried after about two seconds
 * instead of minutes. Postfix 3.x falls back to plaintext only for a message older than
 * minimal_backoff_time, so this also decides how soon that fallback can happen. Reported in the run.
 */
export const SHORT_BACKOFF: Record<string, string> = {
  minimal_backoff_time: '2s',
  maximal_backoff_time: '4s',
  queue_run_delay: '1s',
};

/** Implicit TLS is wrapper mode, which Postfix takes only at the encrypt level. */
const SECURITY_LEVEL: Record<SenderSpec['starttls'], string> = { required: 'encrypt', optional: 'may', none: 'none', implicit: 'encrypt' };

/** main.cf of a sending Postfix that relays everything to `relay`, with the sender's TLS capabilities. */
export function mtaSenderMainCf(spec: SenderSpec, postfixVersion: string, relay: string): Record<string, string> {
  if (spec.starttls === 'implicit' && compareVersions(postfixVersion, '3.0') < 0) {
    throw new LabError('LAB_SCENARIO_INVALID', `sender ${spec.name}: Postfix ${postfixVersion} has no smtp_tls_wrappermode (3.0 and later), so it cannot start TLS at once (starttls: implicit)`);
  }
  const mainCf: Record<string, string> = {
    ...SHORT_BACKOFF,
    relayhost: `[${relay}]:${spec.port}`,
    smtp_tls_security_level: SECURITY_LEVEL[spec.starttls],
    ...(spec.starttls === 'implicit' ? { smtp_tls_wrappermode: 'yes' } : {}),
    smtp_tls_loglevel: '1',
  };
  if (spec.tls.minProtocol !== undefined || spec.tls.maxProtocol !== undefined) {
    const exclusions = protocolExclusions(postfixVersion, spec.tls.minProtocol, spec.tls.maxProtocol);
    if (exclusions === undefined) {
      throw new LabError('LAB_SCENARIO_INVALID', `sender ${spec.name}: Postfix ${postfixVersion} cannot express the protocol range ${spec.tls.minProtocol ?? ''}..${spec.tls.maxProtocol ?? ''}`);
    }
    mainCf.smtp_tls_protocols = exclusions;
    mainCf.smtp_tls_mandatory_protocols = exclusions;
  }
  if (spec.tls.ciphers !== undefined) {
    // The sender's own smtpd offers nothing, so the list of the "medium" grade can carry the profile's ciphers.
    // Not "export": from Postfix 3.8 that grade is "medium" and tls_export_cipherlist is ignored.
    mainCf.smtp_tls_ciphers = 'medium';
    mainCf.smtp_tls_mandatory_ciphers = 'medium';
    mainCf.tls_medium_cipherlist = spec.tls.ciphers;
  }
  return { ...mainCf, ...spec.mainCf };
}

/**
 * OpenSSL's flags that leave out each protocol, for a Sendmail's ClientSSLOptions. Sendmail 8.15 knows no name for
 * SSL_OP_NO_TLSv1_3 and refuses its sendmail.cf; every version takes the flag's value (the same in OpenSSL 1.1.1
 * and 3.x).
 */
const SSL_OP_NO: Readonly<Record<TlsProtocol, string>> = {
  SSLv3: 'SSL_OP_NO_SSLv3', TLSv1: 'SSL_OP_NO_TLSv1', 'TLSv1.1': 'SSL_OP_NO_TLSv1_1', 'TLSv1.2': 'SSL_OP_NO_TLSv1_2', 'TLSv1.3': '0x20000000',
};

/**
 * The environment of a sending Sendmail (images/debian-sendmail/sendmail-mta.sh): its smart host and port, its
 * sendmail.cf options (the profile's protocol range and cipher list, then its own `sendmailOptions`), and the
 * access map entry that keeps it from STARTTLS for `starttls: none`.
 */
export function sendmailEnv(spec: SenderSpec, relay: string): Record<string, string> {
  const options: Record<string, string> = {};
  const { minProtocol, maxProtocol, ciphers } = spec.tls;
  const excluded = PROTOCOLS.filter((p) => (minProtocol !== undefined && protocolRank(p) < protocolRank(minProtocol)) || (maxProtocol !== undefined && protocolRank(p) > protocolRank(maxProtocol)));
  if (excluded.length > 0) options.ClientSSLOptions = excluded.map((p) => `+${SSL_OP_NO[p]}`).join(' ');
  if (ciphers !== undefined) options.CipherList = ciphers;
  Object.assign(options, spec.sendmailOptions);
  return {
    TLSLAB_RELAY: relay,
    TLSLAB_RELAY_PORT: String(spec.port),
    TLSLAB_SENDMAIL_OPTIONS: Object.entries(options).map(([name, value]) => `${name}=${value}`).join('\n'),
    ...(spec.starttls === 'none' ? { TLSLAB_ACCESS: `Try_TLS:${relay}\tNO` } : {}),
  };
}

/**
 * Hands one message to the MTA's sendmail command, with a Message-ID the lab can find in its log. A real Sendmail
 * takes it into its MTA queue at once (`-Am`), not through its submission agent's SMTP hop.
 */
export function injectCommand(envelope: MessageEnvelope, messageId: string, realSendmail = false): string[] {
  const message = [`From: <${envelope.from}>`, `To: <${envelope.to}>`, `Subject: ${envelope.subject}`, `Message-ID: <${messageId}>`, '', envelope.body, ''].join('\n');
  return ['bash', '-c', `printf "%s" "$1" | sendmail${realSendmail ? ' -Am' : ''} -i -f "$2" "$3"`, 'inject', message, envelope.from, envelope.to];
}

export interface MtaFate {
  queueId: string;
  status: string;
  detail: string;
  line: string;
}

export interface MtaDelivery {
  /** The sender's own queue id for the message. */
  queueId?: string;
  /** Every delivery attempt the sender logged, in order. */
  attempts: MtaFate[];
  /** The receiver's queue id, from "250 2.0.0 Ok: queued as X" in the final attempt. */
  receiverQueueId?: string;
  final?: MtaFate;
}

const FINAL = new Set(['sent', 'bounced', 'expired']);

/** Follows one message through a sending MTA's log, found by its Message-ID. */
export function readMtaDelivery(log: readonly string[], messageId: string, fates: ReadonlyMap<string, readonly MtaFate[]>): MtaDelivery {
  const marker = `message-id=<${messageId}>`;
  const line = log.find((l) => l.includes(marker));
  const queueId = line ? /: ([0-9A-Za-z]+): message-id=/.exec(line)?.[1] : undefined;
  if (!queueId) return { attempts: [] };
  const attempts = [...(fates.get(queueId) ?? [])];
  const final = attempts.find((f) => FINAL.has(f.status));
  const receiverQueueId = final ? /queued as ([0-9A-Za-z]+)/.exec(final.detail)?.[1] : undefined;
  return { queueId, attempts, ...(final ? { final } : {}), ...(receiverQueueId ? { receiverQueueId } : {}) };
}

/**
 * A sending MTA keeps retrying a message it could not deliver; after this many deferrals its outcome is taken as
 * final. Postfix at level `may` falls back to plaintext once the message is older than minimal_backoff_time, or
 * never; Sendmail repeats itself unless TLSFallbacktoClear is set: later attempts only log the same deferral again.
 */
export const SETTLED_AFTER_DEFERRALS = 3;
/** The message age (Postfix's `delay=`) after which a deferral shows that no plaintext fallback is coming. */
const FALLBACK_SHOWN_AFTER_SECONDS = Number.parseInt(SHORT_BACKOFF.minimal_backoff_time!, 10) + 1;
const POSTFIX_AGE = /\bdelay=(\d+(?:\.\d+)?),/;

/**
 * Whether the delivery says all it will: delivered or bounced, or deferred often enough, the last time (where the
 * line gives the message's age in seconds, as Postfix's does) past the age of Postfix's plaintext fallback. A
 * deferral without an attempt ("delivery temporarily suspended" while Postfix throttles a destination) does not count.
 */
export function isSettled(delivery: MtaDelivery): boolean {
  if (delivery.final !== undefined) return true;
  const deferrals = delivery.attempts.filter((a) => a.status === 'deferred' && !a.detail.startsWith('delivery temporarily suspended'));
  const age = POSTFIX_AGE.exec(deferrals.at(-1)?.line ?? '')?.[1];
  return deferrals.length >= SETTLED_AFTER_DEFERRALS && (age === undefined || Number(age) >= FALLBACK_SHOWN_AFTER_SECONDS);
}
