import { classify } from '../logs/classify.ts';
import type { Diagnosis, InferredVersions, OpensslError, Session, TlsEvent, TrackerStats, LogHints } from '../logs/types.ts';
import { decodeOpensslError } from '../logs/openssl-error.ts';
import { mendExcerpt } from '../logs/log-order.ts';
import { readSessions, type SessionsRead } from '../logs/sessions.ts';

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

const HOST_IN_DETAIL = /\bhost ([^\s[\]]+)\[([^\]\s]*)\]/;
const POLICY_LOOKUP = /TLS policy lookup for [^/\s]+\/([^:\s]+):|_tls_policy_maps, next-hop destination "([^"]+)"/;

/**
 * The server an unattached failure names in its text (`... by host mx.example[192.0.2.1]`, `TLS policy lookup for
 * dest/mx.example`), or the destination of a policy table entry; empty when it names none.
 */
function peerOfUnattached(line: string, event: TlsEvent): { name: string; addr: string } {
  if (event.kind === 'queue-delivery' && event.relayPeer !== undefined) return { name: event.relayPeer.name, addr: event.relayPeer.addr };
  const host = HOST_IN_DETAIL.exec(line);
  if (host !== null && (event.kind === 'queue-delivery' || event.kind === 'queue-tls-problem')) return { name: host[1] ?? '', addr: host[2] ?? '' };
  const policy = POLICY_LOOKUP.exec(line);
  if (policy !== null) return { name: policy[1] ?? policy[2] ?? '', addr: '' };
  return { name: '', addr: '' };
}

/**
 * Sessions for the failures no session of the log holds (see `groupSetUp`), with the peer their text names, if any:
 * what is left of a report that quotes only `warning: TLS library problem: ...`, a set-up warning or a deferral.
 */
function sessionsOfUnattached(read: SessionsRead, unattached: SessionsRead['unattached'], given: LogHints): Session[] {
  const hints: LogHints = { ...given };
  if (read.versions.postfix !== undefined) hints.postfixVersion ??= read.versions.postfix;
  if (read.versions.openssl !== undefined) hints.inferredOpenssl = read.versions.openssl;
  return groupSetUp(unattached).flatMap((group, ordinal) => {
    const { side, line, event } = group[0] as SessionsRead['unattached'][number];
    const session: Session = {
      ordinal, side, service: '', pid: 0, peer: peerOfUnattached(line, event), events: group.map((u) => u.event), lines: group.map((u) => u.line),
      starttls: true, queueIds: [], complete: true,
    };
    const failure = classify(session, hints);
    if (failure === undefined) return [];
    session.failure = failure;
    return [session];
  });
}

const isSetUp = (u: SessionsRead['unattached'][number]): boolean => u.event.kind === 'tls-local-config-problem' || u.event.kind === 'tls-protocol-list-invalid';

/**
 * The failures one each, but a process's set-up problem together with the library errors it logged next to it:
 * `cannot get RSA certificate from file ...` and the `fopen` errors that say why are one failure.
 */
function groupSetUp(unattached: SessionsRead['unattached']): SessionsRead['unattached'][number][][] {
  const groups: SessionsRead['unattached'][number][][] = [];
  for (const u of unattached) {
    const last = groups.at(-1);
    const previous = last?.at(-1);
    const joins = last !== undefined && previous !== undefined && previous.process === u.process &&
      (u.event.kind === 'tls-library-problem' || isSetUp(u)) && (last.some(isSetUp) || isSetUp(u)) &&
      last.every((v) => v.event.kind === 'tls-library-problem' || isSetUp(v));
    if (joins) last.push(u);
    else groups.push([u]);
  }
  return groups;
}

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
  const quoted = new Set(failedSessions.flatMap((session) => [...session.lines, ...(session.failure?.evidence ?? [])]));
  const failedProcesses = new Set(failedSessions.map((session) => `${session.host ?? ''}|${session.service}|${session.pid}`));
  const unattached = read.unattached.filter(({ event, line, process }) => !(event.kind === 'tls-library-problem' && failedProcesses.has(process)) && !quoted.has(line));
  const failed = [...failedSessions, ...sessionsOfUnattached(read, unattached, hints)];
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
