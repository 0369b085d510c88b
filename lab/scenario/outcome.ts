import type { ClientView } from '../senders/transcript.ts';

/** The parts of a parsed server session that decide an outcome (see lab/logs for the full model). */
export interface ServerSessionView {
  peer: { name: string; addr: string };
  starttls: boolean;
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
  | { kind: 'tls'; protocol: string; cipher: string; bits?: number }
  | { kind: 'plaintext' }
  | {
      kind: 'handshake-failed';
      /** The server's error line, e.g. the `TLS library problem` line. */
      serverError?: string;
      failureClass?: string;
      explanation?: string;
      remedy?: string;
      clientError?: string;
    }
  | { kind: 'refused'; reply: string }
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

/** Server error lines worth quoting: the library's reason first, then the handshake error itself. */
function serverErrorLine(session: ServerSessionView): string | undefined {
  const evidence = session.failure?.evidence ?? [];
  const pick = (pattern: RegExp) => [...evidence, ...session.lines].find((l) => pattern.test(l));
  return pick(/TLS library problem/) ?? pick(/SSL_accept error|Invalid TLS protocol list|TLS not available/) ?? evidence[0];
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
    const { protocol, cipher, bits } = established.tls;
    return { observed: { kind: 'tls', protocol, cipher, ...(bits ? { bits: bits.used } : {}) }, fate, evidence };
  }
  const failed = sessions.find((s) => s.failure && s.starttls);
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
  if (client.starttlsReply && !client.starttlsReply.startsWith('220')) {
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
