import { describeObserved } from '../scenario/expectations.ts';
import type { ScenarioResult, SenderResult } from '../scenario/result.ts';
import { compareRanks, rankOutcome, type OutcomeRank } from './outcome-order.ts';

/** One sender's or destination's outcome, with the log line that shows it. */
export interface MatrixRow {
  direction: 'inbound' | 'outbound';
  name: string;
  description?: string;
  /** e.g. "TLS TLSv1.3 TLS_AES_256_GCM_SHA384", "plaintext", "handshake failed: no-shared-cipher". */
  outcome: string;
  rank: OutcomeRank;
  failureClass?: string;
  fate: string;
  /** For a real MTA: how it got there (deferred, then plaintext...). */
  path?: string;
  /** The log line that decides the outcome (the receiver's, for inbound; the receiver's smtp client's or the destination's, for outbound). */
  evidence: string;
  /** Every log line of the peer's sessions. */
  lines: string[];
}

const ESTABLISHED = /TLS connection (established|reused)/;
const PLAINTEXT = [/: client=/, /status=sent/];
const FAILED = [/TLS library problem/, /SSL_accept error|SSL_connect error|TLS not available|Invalid TLS protocol list/, /status=deferred|status=bounced/, /reject|NOQUEUE: abort/];

/**
 * The line that best supports an outcome: the TLS summary for TLS, the queue line for plaintext, the error for a
 * failure, and for plaintext after a failed handshake the error that made TLS fail.
 */
export function decidingLine(lines: readonly string[], kind?: string, afterTlsFailure = false): string {
  const patterns = kind === 'tls' ? [ESTABLISHED] : kind === 'plaintext' ? (afterTlsFailure ? [...FAILED.slice(0, 2), ...PLAINTEXT] : PLAINTEXT) : kind === undefined ? [ESTABLISHED, ...FAILED, ...PLAINTEXT] : FAILED;
  for (const pattern of [...patterns, /./]) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return line;
  }
  return '';
}

export function matrixRow(result: SenderResult): MatrixRow {
  const failureClass = result.observed.kind === 'handshake-failed' || result.observed.kind === 'refused' ? result.observed.failureClass : undefined;
  const serverError = result.observed.kind === 'handshake-failed' ? result.observed.serverError : undefined;
  return {
    direction: result.direction,
    name: result.name,
    ...(result.description ? { description: result.description } : {}),
    outcome: describeObserved(result.observed),
    rank: rankOutcome(result),
    ...(failureClass ? { failureClass } : {}),
    fate: `${result.fate.status}${result.fate.queueId ? ` (${result.fate.queueId})` : ''}`,
    ...(result.path ? { path: result.path } : {}),
    evidence: serverError ?? decidingLine(result.evidence, result.observed.kind, result.observed.kind === 'plaintext' && result.observed.afterTlsFailure === true),
    lines: result.evidence,
  };
}

export function matrixOf(result: ScenarioResult): MatrixRow[] {
  return [...result.senders, ...result.outbound].map(matrixRow);
}

/** newly-fails / newly-served: served (TLS or plaintext) on one side only; better / worse: by protocol, then cipher grade; changed: same rank, other cipher. */
export type Change = 'newly-fails' | 'newly-served' | 'better' | 'worse' | 'changed' | 'same';

export interface DiffRow {
  direction: 'inbound' | 'outbound';
  name: string;
  before: MatrixRow;
  after: MatrixRow;
  change: Change;
}

/** How each sender and destination fares under `after` compared with `before`, matched by direction and name. */
export function diffMatrices(before: readonly MatrixRow[], after: readonly MatrixRow[]): DiffRow[] {
  return after.flatMap((row) => {
    const old = before.find((b) => b.direction === row.direction && b.name === row.name);
    if (!old) return [];
    const order = compareRanks(row.rank, old.rank);
    const change: Change =
      old.rank.level > 0 && row.rank.level === 0 ? 'newly-fails' : old.rank.level === 0 && row.rank.level > 0 ? 'newly-served' : order > 0 ? 'better' : order < 0 ? 'worse' : old.outcome === row.outcome ? 'same' : 'changed';
    return [{ direction: row.direction, name: row.name, before: old, after: row, change }];
  });
}
