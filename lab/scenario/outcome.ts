import { requiresStarttls } from '../logs/events.ts';
import type { ClientView } from '../senders/transcript.ts';

/** The parts of a parsed server session that decide an outcome (see lab/logs for the full model). */
export interface ServerSessionView {
  /** smtpd: a session the logging Postfix received; smtp: one it opened as a client. */
  side: 'smtpd' | 'smtp';
  peer: { name: string; addr: string };
  starttls: boolean;
  /** The disconnect line's command counters (Postfix ≥ 3.0), e.g. `{ starttls: '0/1' }`. */
  commands?: Readonly<Record<string, string>>;
  complete: boolean;
  tls?: { protocol: string; cipher: string; bits?: { used: number; total: number } };
  failure?: { class: string; summary: string; explanation: string; remedy: string; evidence: string[] };
  queueIds: string[];
  lines: string[];
}

export interface MessageFateView {
  queueId: string;
  status: string;
  detail: string;
  line: string;
}

export type Observed =
  /** `via`: the backup destination that took the message, when not the destination it was sent to. */
  | { kind: 'tls'; protocol: string; cipher: string; bits?: number; via?: string }
  | { kind: 'plaintext'; afterTlsFailure?: boolean; via?: string }
  | {
      kind: 'handshake-failed';
      /** The server's error line, e.g. the `TLS library problem` line. */
      serverError?: string;
      failureClass?: string;
      explanation?: string;
      remedy?: string;
      clientError?: string;
    }
  | {
      kind: 'refused';
      reply: string;
      /** The handshake completed before the refusal (smtpd_tls_req_ccert without a trusted client certificate). */
      afterTls?: { protocol: string; cipher: string };
      failureClass?: string;
      explanation?: string;
      remedy?: string;
    }
  | { kind: 'unknown'; reason: string };

export type FateStatus = 'delivered' | 'deferred' | 'bounced' | 'rejected' | 'not-sent' | 'queued';

export interface MessageFate {
  status: FateStatus;
  queueId?: string;
  detail?: string;
}

export interface ObservedOutcome {
  observed: Observed;
  fate: MessageFate;
  /** For a real MTA: each attempt in order, e.g. "deferred: Cannot start TLS: handshake failure, then delivered in plaintext on retry 1". */
  path?: string;
  /** Server log lines that support the outcome, in log order. */
  evidence: string[];
}

const FINAL: Record<string, FateStatus> = { sent: 'delivered', bounced: 'bounced', expired: 'bounced', deferred: 'deferred', rejected: 'rejected' };

/** The message's fate on the receiver: final when a delivery agent logged a status for it. */
export function messageFate(queueId: string | undefined, fates: ReadonlyMap<string, readonly MessageFateView[]>, client: ClientView): MessageFate {
  if (queueId === undefined) {
    return client.rejection ? { status: 'rejected', detail: client.rejection } : { status: 'not-sent' };
  }
  const entries = fates.get(queueId) ?? [];
  const last = entries.at(-1);
  if (!last) return { status: 'queued', queueId };
  return { status: FINAL[last.status] ?? 'queued', queueId, detail: last.detail };
}

/**
 * A server that completed the handshake and then refused the session: its 421 after an unmet smtpd_tls_req_ccert.
 * `reply` is what the client was told, when it logged it. Other failures after a logged handshake are the client's
 * (GnuTLS verifies the server's certificate once the handshake is over, then sends its alert).
 */
function refusedAfterTls(session: ServerSessionView, reply: string | undefined): Observed | undefined {
  const { tls, failure } = session;
  if (tls === undefined || failure?.class !== 'client-certificate') return undefined;
  return {
    kind: 'refused', reply: reply ?? failure.summary, afterTls: { protocol: tls.protocol, cipher: tls.cipher },
    failureClass: failure.class, explanation: failure.explanation, remedy: failure.remedy,
  };
}

/** Server error lines worth quoting: the library's reason first, then the handshake error itself. */
function serverErrorLine(session: ServerSessionView): string | undefined {
  const evidence = session.failure?.evidence ?? [];
  const pick = (pattern: RegExp) => [...evidence, ...session.lines].find((l) => pattern.test(l));
  return pick(/TLS library problem/) ?? pick(/SSL_accept error|Invalid TLS protocol list|TLS not available/) ?? evidence[0];
}

/** The client sent STARTTLS: the command counter says so, or the connection ended after it. */
function sentStarttls(session: ServerSessionView): boolean {
  return session.commands?.['starttls'] !== undefined || session.lines.some((line) => / after STARTTLS from /.test(line));
}

/**
 * Decides what happened to one sender from both sides: the receiver's sessions for the sender's
 * address are authoritative for TLS facts; the client's transcript fills in what the server cannot see.
 */
export function deriveOutcome(
  sessions: readonly ServerSessionView[],
  fates: ReadonlyMap<string, readonly MessageFateView[]>,
  client: ClientView,
): ObservedOutcome {
  const evidence = sessions.flatMap((s) => s.lines);
  const queueId = client.queuedAs ?? sessions.flatMap((s) => s.queueIds).at(-1);
  const fate = messageFate(queueId, fates, client);
  const established = sessions.find((s) => s.tls);
  if (established?.tls) {
    const refused = refusedAfterTls(established, client.rejection);
    if (refused !== undefined) return { observed: refused, fate, evidence };
    const { protocol, cipher, bits } = established.tls;
    return { observed: { kind: 'tls', protocol, cipher, ...(bits ? { bits: bits.used } : {}) }, fate, evidence };
  }
  // A server with TLS off answers STARTTLS with 454 and logs no TLS event; s_client starts its handshake anyway,
  // and the session's failure (the process's set-up problem) is the cause. A client that read the 454 was refused.
  const refused = client.starttlsReply !== undefined && !client.starttlsReply.startsWith('220');
  const failed = sessions.find((s) => s.failure && (s.starttls || (!refused && sentStarttls(s))));
  if (failed?.failure || (client.tlsError && !client.tls)) {
    const serverError = failed ? serverErrorLine(failed) : undefined;
    return {
      observed: {
        kind: 'handshake-failed',
        ...(serverError ? { serverError } : {}),
        ...(failed?.failure ? { failureClass: failed.failure.class, explanation: failed.failure.explanation, remedy: failed.failure.remedy } : {}),
        ...(client.tlsError ? { clientError: client.tlsError } : {}),
      },
      fate,
      evidence,
    };
  }
  if (refused) {
    return { observed: { kind: 'refused', reply: `STARTTLS: ${client.starttlsReply}` }, fate, evidence };
  }
  if (fate.status === 'rejected' && client.rejection) return { observed: { kind: 'refused', reply: client.rejection }, fate, evidence };
  if (queueId !== undefined && !client.tls) return { observed: { kind: 'plaintext' }, fate, evidence };
  const reason = !client.connected
    ? 'the sender could not connect'
    : sessions.length === 0
      ? 'the receiver logged no session from this sender'
      : 'no TLS, no failure and no queued message were seen';
  return { observed: { kind: 'unknown', reason }, fate, evidence };
}

export interface MtaAttemptView {
  status: string;
  detail: string;
}

export interface MtaDeliveryView {
  /** The sending MTA's queue id of the message. */
  queueId?: string;
  attempts: readonly MtaAttemptView[];
  final?: MtaAttemptView;
  receiverQueueId?: string;
}

function describePath(delivery: MtaDeliveryView, finalText: string): string {
  const failures = delivery.attempts.filter((a) => a !== delivery.final);
  // One try is what the MTA logged up to its deferral (a failed handshake, then the deferral); tries that repeat
  // the one before are counted, not repeated.
  const tries: { text: string; times: number }[] = [];
  let open: string[] = [];
  for (const attempt of failures) {
    open.push(`${attempt.status}: ${attempt.detail.replace(/^\(|\)$/g, '')}`);
    if (attempt.status !== 'deferred') continue;
    const text = open.join(', ');
    const last = tries.at(-1);
    if (last?.text === text) last.times++;
    else tries.push({ text, times: 1 });
    open = [];
  }
  const steps = [...tries.map((t) => (t.times > 1 ? `${t.text} (${t.times} times)` : t.text)), ...open];
  const retries = failures.filter((a) => a.status === 'deferred').length;
  if (delivery.final) {
    steps.push(failures.length === 0 ? finalText : retries > 0 ? `then ${finalText} on retry ${retries}` : `then ${finalText} at once`);
  }
  return steps.join(', ') || 'no delivery attempt logged';
}

/** A server's reply in a sending MTA's delivery detail: Postfix's `host ... said: 530 ...` (or `refused to talk to me: 421 ...`), Exim's `SMTP error from remote mail server after MAIL FROM:<...>: 530 ...`. */
const SERVER_REPLY = /(?:^|said: |refused to talk to me: |SMTP error from remote mail server after .*?: )[45]\d\d[ -]/;

/**
 * The outcome of a message sent by a real MTA: the final delivery decides TLS or plaintext (read on
 * the receiver's side through its queue id); earlier attempts make the path.
 */
export function deriveMtaOutcome(
  sessions: readonly ServerSessionView[],
  fates: ReadonlyMap<string, readonly MessageFateView[]>,
  delivery: MtaDeliveryView,
  /** The sending MTA's own sessions to this peer: its view decides when the server saw no failure. */
  clientSessions: readonly ServerSessionView[] = [],
  /**
   * A server whose log is not Postfix's (an Exim destination): the message's fate there and the lines that say
   * so. The sending Postfix's sessions then tell the TLS facts.
   */
  foreign?: { fate: MessageFate; lines: readonly string[] },
): ObservedOutcome {
  // For a foreign server, the sending Postfix's attempts are the evidence of the TLS facts, failed ones included.
  const evidence = foreign === undefined ? sessions.flatMap((s) => s.lines) : [...foreign.lines, ...clientSessions.flatMap((s) => s.lines)];
  // A deferral that names TLS; or, when the client fell back to plaintext at once (a message old enough for Postfix
  // to skip the deferral), a failed handshake in either side's sessions.
  const failedFirst = delivery.attempts.some((a) => a !== delivery.final && (a.status === 'tls-failed' || /TLS|handshake|SSL/i.test(a.detail))) ||
    [...sessions, ...clientSessions].some((s) => s.failure !== undefined && s.tls === undefined);
  const receiverQueueId = delivery.receiverQueueId;
  const final = delivery.final;
  if (final?.status === 'sent' && (receiverQueueId !== undefined || foreign !== undefined)) {
    const fate = foreign?.fate ?? messageFate(receiverQueueId, fates, { connected: true, starttlsOffered: false });
    const session = foreign === undefined
      ? sessions.find((s) => receiverQueueId !== undefined && s.queueIds.includes(receiverQueueId))
      : [...clientSessions].reverse().find((s) => delivery.queueId !== undefined && s.queueIds.includes(delivery.queueId));
    if (session?.tls) {
      const { protocol, cipher, bits } = session.tls;
      return {
        observed: { kind: 'tls', protocol, cipher, ...(bits ? { bits: bits.used } : {}) },
        fate,
        evidence,
        path: describePath(delivery, `delivered over ${protocol} with ${cipher}`),
      };
    }
    return {
      observed: { kind: 'plaintext', ...(failedFirst ? { afterTlsFailure: true } : {}) },
      fate,
      evidence,
      path: describePath(delivery, 'delivered in plaintext'),
    };
  }
  const last = delivery.attempts.at(-1);
  const status: FateStatus = delivery.final?.status === 'bounced' || delivery.final?.status === 'expired' ? 'bounced' : last ? 'deferred' : 'queued';
  const fate: MessageFate = { status, ...(last ? { detail: last.detail } : {}) };
  const failed = [...sessions].reverse().find((s) => s.failure && s.starttls);
  // The reply of a refusal after TLS: not that of a plaintext retry (`Must issue a STARTTLS command first`).
  const toldAfterTls = [...delivery.attempts].reverse().find((a) => SERVER_REPLY.test(a.detail) && !requiresStarttls(a.detail))?.detail;
  const refused = failed === undefined ? undefined : refusedAfterTls(failed, toldAfterTls);
  if (refused !== undefined) return { observed: refused, fate, evidence, path: describePath(delivery, '') };
  if (failed?.failure) {
    const serverError = serverErrorLine(failed);
    return {
      observed: { kind: 'handshake-failed', ...(serverError ? { serverError } : {}), failureClass: failed.failure.class, explanation: failed.failure.explanation, remedy: failed.failure.remedy },
      fate,
      evidence,
      path: describePath(delivery, ''),
    };
  }
  // The server can see a clean handshake that the client then rejects (an unverified certificate). A server that
  // refused mail without STARTTLS saw no handshake: its reply is the outcome.
  const clientFailed = [...clientSessions].reverse().find((s) => s.failure);
  // A client session that failed after its handshake: a server's reply refused it, or the client itself refused the
  // server's certificate (`Server certificate not verified`, no reply), which is a failed handshake for the lab.
  const refusedByServer = clientFailed === undefined || toldAfterTls === undefined ? undefined : refusedAfterTls(clientFailed, toldAfterTls);
  if (refusedByServer !== undefined) {
    return { observed: refusedByServer, fate, evidence: [...evidence, ...(clientFailed?.lines ?? [])], path: describePath(delivery, '') };
  }
  const refusedPlaintext = clientFailed !== undefined && !clientFailed.starttls && clientFailed.lines.some(requiresStarttls);
  if (clientFailed?.failure && !refusedPlaintext) {
    const { failure } = clientFailed;
    const line = failure.evidence.find((l) => /TLS library problem|certificate verification failed/.test(l)) ?? failure.evidence[0];
    const clientError = line?.slice(line.indexOf(']: ') + 3).replace(/^warning: TLS library problem: /, '');
    return {
      observed: { kind: 'handshake-failed', ...(clientError ? { clientError } : {}), failureClass: failure.class, explanation: failure.explanation, remedy: failure.remedy },
      fate,
      evidence: [...evidence, ...clientFailed.lines],
      path: describePath(delivery, ''),
    };
  }
  if (last && SERVER_REPLY.test(last.detail)) {
    return { observed: { kind: 'refused', reply: last.detail }, fate, evidence, path: describePath(delivery, '') };
  }
  return { observed: { kind: 'unknown', reason: last ? `not delivered: ${last.detail}` : 'the sending MTA logged no delivery attempt' }, fate, evidence, path: describePath(delivery, '') };
}
