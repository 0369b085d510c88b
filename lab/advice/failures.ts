import type { Diagnosis, InferredVersions, OpensslError, Session } from '../logs/types.ts';
import { decodeOpensslError } from '../logs/openssl-error.ts';
import { readSessions } from '../logs/sessions.ts';

/** Failed TLS sessions of a log that share one failure: the same direction, class and OpenSSL error. */
export interface LoggedFailure {
  /** inbound: this Postfix receiving (smtpd); outbound: this Postfix sending (smtp). */
  direction: 'inbound' | 'outbound';
  /** e.g. "no-shared-cipher: SSL3_GET_CLIENT_HELLO:no shared cipher". */
  key: string;
  class: Diagnosis['class'];
  summary: string;
  explanation: string;
  remedy: string;
  error?: OpensslError;
  peers: { name: string; addr: string }[];
  /** The failing sessions' own lines, in log order. */
  evidence: string[];
  /** The `TLS cipher list "..."` in force, when the server logged it. */
  cipherList?: string;
}

export interface LogFailures {
  /** Inbound failures. */
  failures: LoggedFailure[];
  /** Outbound failures: this Postfix sending, with the error its smtp client logged. */
  outbound: LoggedFailure[];
  versions: InferredVersions;
  sessions: number;
}

const errorOf = (session: Session): OpensslError | undefined =>
  session.failure?.opensslError ?? session.lines.map((l) => (/TLS library problem/.test(l) ? decodeOpensslError(l) : undefined)).find((e) => e !== undefined);

/** Reads a log excerpt and groups each failed TLS session by direction, failure class and decoded error. */
export function readLogFailures(lines: Iterable<string>): LogFailures {
  const read = readSessions(lines);
  const groups = new Map<string, LoggedFailure>();
  for (const session of read.sessions) {
    if (!session.failure) continue;
    const direction = session.side === 'smtpd' ? 'inbound' : 'outbound';
    const error = errorOf(session);
    const signature = error ? [error.func, error.reason].filter(Boolean).join(':') : session.failure.summary;
    const key = `${direction === 'outbound' ? 'outbound ' : ''}${session.failure.class}: ${signature}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        direction,
        key,
        class: session.failure.class,
        summary: session.failure.summary,
        explanation: session.failure.explanation,
        remedy: session.failure.remedy,
        ...(error ? { error } : {}),
        peers: [],
        evidence: [],
      };
      groups.set(key, group);
    }
    if (!group.peers.some((p) => p.name === session.peer.name && p.addr === session.peer.addr)) group.peers.push({ name: session.peer.name, addr: session.peer.addr });
    group.evidence.push(...session.lines);
    const cipherList = session.events.find((e) => e.kind === 'tls-cipher-list');
    if (cipherList?.kind === 'tls-cipher-list' && group.cipherList === undefined) group.cipherList = cipherList.cipherList;
  }
  const all = [...groups.values()];
  return { failures: all.filter((f) => f.direction === 'inbound'), outbound: all.filter((f) => f.direction === 'outbound'), versions: read.versions, sessions: read.sessions.length };
}
