import { describe, expect, it } from 'vitest';
import { parseLine, readSessions, SessionTracker } from '../../../lab/logs/index.ts';
import { fixtureLines } from './fixture-files.ts';

/** Deterministic bytes, so a failure can be reproduced. */
function pseudoRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
}

describe('garbage input', () => {
  const samples = [...fixtureLines('seed-maillog.log').slice(0, 20), ...fixtureLines('postfix-2.6.6-openssl-1.0.1e.log').slice(0, 30), ...fixtureLines('outbound-3x.log')];

  it('never throws on any prefix of real lines', () => {
    const tracker = new SessionTracker();
    let prefixes = 0;
    for (const line of samples) {
      for (let i = 0; i <= line.length; i++) {
        const prefix = line.slice(0, i);
        expect(() => parseLine(prefix)).not.toThrow();
        tracker.push(prefix);
        prefixes++;
      }
    }
    tracker.end();
    expect(tracker.stats.lines).toBe(prefixes);
    expect(tracker.stats.lines).toBe(tracker.stats.foreign + tracker.stats.unrecognised + tracker.stats.events);
  });

  it('counts random bytes and NULs as foreign, never fatal', () => {
    const next = pseudoRandom(42);
    const lines: string[] = [];
    for (let n = 0; n < 500; n++) {
      const bytes = Buffer.alloc(next() % 300);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() % 256;
      lines.push(bytes.toString('latin1').replace(/\n/g, ' '));
    }
    lines.push('\u0000'.repeat(100), 'mx postfix/smtpd[1]: \u0000\u0000', 'mx postfix/smtpd[1]: connect from \u0000[\u0000]');
    const { stats } = readSessions(lines);
    expect(stats.lines).toBe(503);
    expect(stats.unrecognised).toBe(1);
    expect(stats.events).toBe(1);
    expect(stats.foreign).toBe(501);
  });

  it('survives a 1 MB line, both as a message and as garbage', () => {
    const huge = 'x'.repeat(1 << 20);
    const { stats, sessions } = readSessions([
      `mx postfix/smtpd[1]: ${huge}`,
      huge,
      `mx postfix/smtpd[1]: connect from a[${huge}]`,
      `mx postfix/smtpd[1]: warning: TLS library problem: ${huge}`,
    ]);
    expect(stats).toEqual({ lines: 4, events: 2, unrecognised: 1, foreign: 1 });
    expect(sessions).toHaveLength(1);
  });

  it('reads empty input', () => {
    expect(readSessions([])).toEqual({ sessions: [], fates: new Map(), stats: { lines: 0, events: 0, unrecognised: 0, foreign: 0 }, versions: { evidence: [] }, unattached: [] });
    expect(readSessions(['']).stats).toEqual({ lines: 1, events: 0, unrecognised: 0, foreign: 1 });
  });
});
