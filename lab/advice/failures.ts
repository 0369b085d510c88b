import type { Diagnosis, InferredVersions, OpensslError, Session, TrackerStats, LogHints } from '../logs/types.ts';
import { decodeOpensslError } from '../logs/openssl-error.ts';
import { mendExcerpt } from '../logs/log-order.ts';
import { readSessions } from '../logs/sessions.ts';
import { sessionsOfUnattached, UnattachedWitness } from '../logs/unattached.ts';

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
  /** Empty when the log names no peer (only library errors, see `readLogFailures`). */
  peers: { name: string; addr: string }[];
  /** The failing sessions' own lines, in log order. */
  evidence: string[];
  /** The `TLS cipher list "..."` in force, when the server logged it. */
  cipherList?: string;
  /** The daemon of the failing sessions as logged (`postfix/smtps/smtpd`): its syslog_name names the listener. */
  service?: string;
}

export interface LogFailures {
  /** Inbound failures. */
  failures: LoggedFailure[];
  /** Outbound failures: this Postfix sending, with the error its smtp client logged. */
  outbound: LoggedFailure[];
  versions: InferredVersions;
  sessions: number;
  stats: TrackerStats;
  /** The excerpt listed its newest line first and was read turned round (see `inLogOrder`). */
  reversed: boolean;
}

/** The failure's peers as `name[addr]`, or what stands for them when the log names none. */
export function peersText(failure: Pick<LoggedFailure, 'peers' | 'direction'>): string {
  if (failure.peers.length === 0) return failure.direction === 'outbound' ? 'a server the log does not name' : 'a peer the log does not name';
  return [...new Set(failure.peers.map((p) => (p.addr === '' ? p.name : `${p.name}[${p.addr}]`)))].join(', ');
}

const errorOf = (session: Session): OpensslError | undefined =>
  session.failure?.opensslError ?? session.lines.map((l) => (/TLS library problem/.test(l) ? decodeOpensslError(l) : undefined)).find((e) => e !== undefined);

/**
 * Reads a log excerpt (in the order it was written, or newest first as consoles list it; lines a mail client or a
 * forum wrapped are joined) and groups each failed TLS session by direction, failure class and decoded error. The
 * failures outside any session stand for sessions of their own: library errors when no session of their process
 * failed, set-up problems and TLS deferrals always. `hints` are what the caller knows of the server that wrote the
 * log (see `logHintsOf` of config-dir.ts).
 */
export function readLogFailures(lines: Iterable<string>, hints: LogHints = {}): LogFailures {
  const ordered = mendExcerpt([...lines]);
  const read = readSessions(ordered.lines, { hints });
  const groups = new Map<string, LoggedFailure>();
  const failedSessions = read.sessions.filter((session) => session.failure !== undefined);
  // A library error outside every session of a process with a failed session most likely belongs to a session of
  // it that the excerpt cut; one of another process is a failure of its own, and so is a set-up problem or a deferral,
  // unless a failed session already quotes it.
  const witness = new UnattachedWitness();
  for (const session of failedSessions) witness.failed(session, read.unattached);
  const failed = [...failedSessions, ...sessionsOfUnattached(witness.standalone(read.unattached), read.versions, hints)];
  // Listeners differ in their TLS settings (master.cf -o, wrapper mode): with failures on more than one, each is apart.
  const services = new Set(failed.filter((s) => s.side === 'smtpd' && s.service !== '').map((s) => s.service));
  for (const session of failed) {
    if (!session.failure) continue;
    const direction = session.side === 'smtpd' ? 'inbound' : 'outbound';
    const error = errorOf(session);
    const signature = error ? [error.func, error.reason].filter(Boolean).join(':') : session.failure.summary;
    const on = direction === 'inbound' && services.size > 1 && session.service !== '' ? ` on ${session.service}` : '';
    const key = `${direction === 'outbound' ? 'outbound ' : ''}${session.failure.class}: ${signature}${on}`;
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
        ...(session.service !== '' ? { service: session.service } : {}),
      };
      groups.set(key, group);
    }
    const known = session.peer.name !== '' || session.peer.addr !== '';
    if (known && !group.peers.some((p) => p.name === session.peer.name && p.addr === session.peer.addr)) group.peers.push({ name: session.peer.name, addr: session.peer.addr });
    group.evidence.push(...session.lines);
    const cipherList = session.events.find((e) => e.kind === 'tls-cipher-list');
    if (cipherList?.kind === 'tls-cipher-list' && group.cipherList === undefined) group.cipherList = cipherList.cipherList;
  }
  const all = [...groups.values()];
  return {
    failures: all.filter((f) => f.direction === 'inbound'), outbound: all.filter((f) => f.direction === 'outbound'), versions: read.versions, sessions: read.sessions.length,
    stats: read.stats, reversed: ordered.reversed,
  };
}
