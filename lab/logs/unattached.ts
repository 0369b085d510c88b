import { classify } from './classify.ts';
import type { UnattachedError } from './sessions.ts';
import type { InferredVersions, LogHints, Session, TlsEvent } from './types.ts';

/*
 * TLS failures that no session of a log holds (`SessionTracker.unattachedErrors`): an excerpt that quotes only
 * `warning: TLS library problem: ...`, a process's set-up problem, or a deferral. They stand for sessions of their own.
 */

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

const isSetUp = (u: UnattachedError): boolean => u.event.kind === 'tls-local-config-problem' || u.event.kind === 'tls-protocol-list-invalid';

/**
 * The failures one each, but a process's set-up problem together with the library errors it logged next to it:
 * `cannot get RSA certificate from file ...` and the `fopen` errors that say why are one failure.
 */
function groupSetUp(unattached: readonly UnattachedError[]): UnattachedError[][] {
  const groups: UnattachedError[][] = [];
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
 * Sessions for the failures no session of the log holds (see `groupSetUp`), of the process that logged them and with
 * the peer their text names, if any; only those `classify` finds a failure in.
 */
export function sessionsOfUnattached(unattached: readonly UnattachedError[], versions: InferredVersions, given: LogHints): Session[] {
  const hints: LogHints = { ...given };
  if (versions.postfix !== undefined) hints.postfixVersion ??= versions.postfix;
  if (versions.openssl !== undefined) hints.inferredOpenssl = versions.openssl;
  return groupSetUp(unattached).flatMap((group, ordinal) => {
    const { side, line, event, process } = group[0] as UnattachedError;
    const [host = '', service = '', pid = '0'] = process.split('|');
    const session: Session = {
      ordinal, side, service, pid: Number(pid), ...(host === '' ? {} : { host }), peer: peerOfUnattached(line, event),
      events: group.map((u) => u.event), lines: group.map((u) => u.line), starttls: true, queueIds: [], complete: true,
    };
    const failure = classify(session, hints);
    if (failure === undefined) return [];
    // An alert read names the other side's refusal; which side that is, only the program of the line tells.
    if (service === '' && event.kind === 'tls-library-problem' && /\balert\b/.test(event.error?.reason ?? event.text)) {
      failure.explanation += ' The line names no Postfix program, so it is read as smtpd\'s, this server receiving; had smtp logged it, this server was sending and the receiving server sent the alert.';
    }
    session.failure = failure;
    return [session];
  });
}

/**
 * Which unattached failures stand on their own, told from the failed sessions of the same log as they come: a library
 * error of a process with a failed session most likely belongs to a session of it that the excerpt cut, and a line a
 * failed session quotes is that session's. Set-up problems and deferrals of other lines stand.
 */
export class UnattachedWitness {
  private readonly failedProcesses = new Set<string>();
  private readonly quoted = new Set<string>();

  /** Note a failed session; `unattached` are the unattached failures so far, whose lines it may quote. */
  failed(session: Session, unattached: readonly UnattachedError[]): void {
    if (session.failure === undefined) return;
    this.failedProcesses.add(`${session.host ?? ''}|${session.service}|${session.pid}`);
    if (unattached.length === 0) return;
    const lines = new Set(unattached.map((u) => u.line));
    for (const line of [...session.lines, ...session.failure.evidence]) if (lines.has(line)) this.quoted.add(line);
  }

  standalone(unattached: readonly UnattachedError[]): UnattachedError[] {
    return unattached.filter(({ event, line, process }) => !(event.kind === 'tls-library-problem' && this.failedProcesses.has(process)) && !this.quoted.has(line));
  }
}
