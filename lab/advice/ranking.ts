import type { MatrixRow } from './matrix.ts';
import type { FixCandidate } from './fixes.ts';
import { compareRanks } from './outcome-order.ts';

/** A row's name in fix effects: a sender's name, or `→ name` for a destination (the two may share a name). */
export function peerKey(row: Pick<MatrixRow, 'direction' | 'name'>): string {
  return row.direction === 'outbound' ? `→ ${row.name}` : row.name;
}

/** What one fix does to every sender, compared with today's configuration. */
export interface FixEffect {
  fix: FixCandidate;
  /** Senders served today that the fix breaks (in two runs). */
  breaks: string[];
  /** Senders that failed in one run of the fix but not in the second: not counted as broken. */
  unconfirmed?: string[];
  /**
   * Reproduced peers the fix helps: served where they failed today, or served better (a destination that today
   * gets plaintext after a failed handshake, and TLS with the fix).
   */
  fixes: string[];
  /** Reproduced peers it does not help. */
  stillFailing: string[];
  /** Senders that end up with a lower protocol or cipher than today. */
  downgrades: string[];
  /** Sum over the reproduced senders of their outcome (protocol level × 10 + cipher grade). */
  quality: number;
  matrix: MatrixRow[];
  /** Postfix's complaints about the changed configuration. */
  configErrors: string[];
}

export function fixEffect(fix: FixCandidate, today: readonly MatrixRow[], after: readonly MatrixRow[], reproduced: readonly string[], configErrors: string[] = []): FixEffect {
  const before = new Map(today.map((r) => [peerKey(r), r]));
  const breaks: string[] = [];
  const downgrades: string[] = [];
  for (const row of after) {
    const old = before.get(peerKey(row));
    if (!old) continue;
    if (old.rank.level > 0 && row.rank.level === 0) breaks.push(peerKey(row));
    else if (old.rank.level > 0 && (row.rank.level < old.rank.level || (row.rank.level === old.rank.level && row.rank.grade < old.rank.grade))) downgrades.push(peerKey(row));
  }
  const mine = after.filter((r) => reproduced.includes(peerKey(r)));
  const helped = (row: MatrixRow) => {
    const old = before.get(peerKey(row));
    return row.rank.level > 0 && (old === undefined || old.rank.level === 0 || compareRanks(row.rank, old.rank) > 0);
  };
  return {
    fix,
    breaks,
    fixes: mine.filter(helped).map(peerKey),
    stillFailing: mine.filter((r) => !helped(r)).map(peerKey),
    downgrades,
    quality: mine.reduce((sum, r) => sum + r.rank.level * 10 + r.rank.grade, 0),
    matrix: [...after],
    configErrors,
  };
}

/**
 * The effect of a fix run twice: what broke in the first run counts only if it broke in the second as well; the
 * rest is kept as unconfirmed. The first run's matrix stays, with those senders' outcomes in it.
 */
export function confirmBreaks(first: FixEffect, second: FixEffect): FixEffect {
  const unconfirmed = first.breaks.filter((name) => !second.breaks.includes(name));
  return { ...first, breaks: first.breaks.filter((name) => second.breaks.includes(name)), ...(unconfirmed.length > 0 ? { unconfirmed } : {}) };
}

/** 0: serves failing peers and gives up nothing; 1: serves them by giving up verification or TLS; 2: serves none. */
const servingTier = (e: FixEffect): number => (e.fixes.length === 0 ? 2 : e.fix.weakens !== undefined ? 1 : 0);

/**
 * Best first: a fix that breaks no sender working today and that Postfix accepts; then one that serves failing
 * peers without giving up verification or TLS for them, before one that does so by giving them up; then the
 * protocol and cipher the failing senders end up with, summed over them (TLSv1 beats SSLv3, TLS beats plaintext,
 * plaintext beats failing); then more of them served; then fewer downgrades of others; then the smaller change.
 */
export function rankFixes(effects: readonly FixEffect[]): FixEffect[] {
  return [...effects].sort(
    (a, b) =>
      Number(a.breaks.length > 0 || a.configErrors.length > 0) - Number(b.breaks.length > 0 || b.configErrors.length > 0) ||
      a.breaks.length - b.breaks.length ||
      servingTier(a) - servingTier(b) ||
      b.quality - a.quality ||
      b.fixes.length - a.fixes.length ||
      a.downgrades.length - b.downgrades.length ||
      a.fix.size - b.fix.size,
  );
}
