import type { MatrixRow } from './matrix.ts';
import type { FixCandidate } from './fixes.ts';

/** What one fix does to every sender, compared with today's configuration. */
export interface FixEffect {
  fix: FixCandidate;
  /** Senders served today that the fix breaks (in two runs). */
  breaks: string[];
  /** Senders that failed in one run of the fix but not in the second: not counted as broken. */
  unconfirmed?: string[];
  /** Reproduced senders the fix serves. */
  fixes: string[];
  /** Reproduced senders it does not serve. */
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
  const before = new Map(today.map((r) => [r.name, r]));
  const breaks: string[] = [];
  const downgrades: string[] = [];
  for (const row of after) {
    const old = before.get(row.name);
    if (!old) continue;
    if (old.rank.level > 0 && row.rank.level === 0) breaks.push(row.name);
    else if (old.rank.level > 0 && (row.rank.level < old.rank.level || (row.rank.level === old.rank.level && row.rank.grade < old.rank.grade))) downgrades.push(row.name);
  }
  const mine = after.filter((r) => reproduced.includes(r.name));
  return {
    fix,
    breaks,
    fixes: mine.filter((r) => r.rank.level > 0).map((r) => r.name),
    stillFailing: mine.filter((r) => r.rank.level === 0).map((r) => r.name),
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

/**
 * Best first: a fix that breaks no sender working today and that Postfix accepts; then the
 * protocol and cipher the failing senders end up with, summed over them (TLSv1 beats SSLv3, TLS
 * beats plaintext, plaintext beats failing); then more of them served; then fewer downgrades of
 * others; then the smaller change.
 */
export function rankFixes(effects: readonly FixEffect[]): FixEffect[] {
  return [...effects].sort(
    (a, b) =>
      Number(a.breaks.length > 0 || a.configErrors.length > 0) - Number(b.breaks.length > 0 || b.configErrors.length > 0) ||
      a.breaks.length - b.breaks.length ||
      b.quality - a.quality ||
      b.fixes.length - a.fixes.length ||
      a.downgrades.length - b.downgrades.length ||
      a.fix.size - b.fix.size,
  );
}
