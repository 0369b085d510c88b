import type { Diagnosis, InferredVersions, OpensslError, Session } from '../logs/types.ts';
import { decodeOpensslError } from '../logs/openssl-error.ts';
import { readSessions } from '../logs/sessions.ts';

/** Failed inbound TLS sessions of a log that share one failure: the same class and the same OpenSSL error. */
export interface LoggedFailure {
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
  failures: LoggedFailure[];
  versions: InferredVersions;
  /** Failed outbound sessions (this Postfix sending); reproduce reads them but does not run them. */
  outboundFailures: number;
  sessions: number;
}

const errorOf = (session: Session): OpensslError | undefined =>
  session.failure?.opensslError ?? session.lines.map((l) => (/TLS library problem/.test(l) ? decodeOpensslError(l) : undefined)).find((e) => e !== undefined);

/** Reads a log excerpt and groups each failed inbound TLS session by failure class and decoded error. */
export function readLogFailures(lines: Iterable<string>): LogFailures {
  const read = readSessions(lines);
  const groups = new Map<string, LoggedFailure>();
  let outboundFailures = 0;
  for (const session of read.sessions) {
    if (!session.failure) continue;
    if (session.side !== 'smtpd') {
      outboundFailures += 1;
      continue;
    }
    const error = errorOf(session);
    const signature = error ? [error.func, error.reason].filter(Boolean).join(':') : session.failure.summary;
    const key = `${session.failure.class}: ${signature}`;
    let group = groups.get(key);
    if (!group) {
      group = {
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
    group.peers.push({ name: session.peer.name, addr: session.peer.addr });
    group.evidence.push(...session.lines);
    const cipherList = session.events.find((e) => e.kind === 'tls-cipher-list');
    if (cipherList?.kind === 'tls-cipher-list' && group.cipherList === undefined) group.cipherList = cipherList.cipherList;
  }
  return { failures: [...groups.values()], versions: read.versions, outboundFailures, sessions: read.sessions.length };
}
