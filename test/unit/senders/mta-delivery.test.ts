import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../../lab/logs/index.ts';
import { isSettled, readMtaDelivery, type MtaDelivery, type MtaFate } from '../../../lab/senders/mta.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/logs', name), 'utf8').trimEnd().split('\n');
const delivery = (log: string[], messageId: string): MtaDelivery => readMtaDelivery(log, messageId, readSessions(log).fates as ReadonlyMap<string, readonly MtaFate[]>);
/** The delivery as the lab read it after its first `n` attempts. */
function upTo({ final, ...d }: MtaDelivery, n: number): MtaDelivery {
  const attempts = d.attempts.slice(0, n);
  return { ...d, attempts, ...(final !== undefined && attempts.includes(final) ? { final } : {}) };
}

describe('isSettled (a Postfix sender, as the lab captured it)', () => {
  it('waits for the plaintext fallback of level may: the deferrals before it say nothing yet', () => {
    const log = fixture('lab-broken-starttls-servers.log');
    const hangup = delivery(log, 'tlslab-20261129094845-nvtjpt-outbound-hangup@receiver.lab.test');
    expect(hangup.attempts.map((a) => a.status)).toEqual(['deferred', 'deferred', 'sent']);
    expect(isSettled(hangup)).toBe(true);
    expect(isSettled(upTo(hangup, 2))).toBe(false);
  });

  it('takes three deferrals as the outcome once the last is past the age of the fallback, and not before', () => {
    const log = fixture('lab-outbound-verify-bookworm.log');
    const line = log.find((l) => l.includes('message-id=<') && l.includes('self-signed'))!;
    const verify = delivery(log, /message-id=<([^>]+)>/.exec(line)![1]!);
    expect(verify.final).toBeUndefined();
    expect(verify.attempts.slice(0, 4).map((a) => /delay=([\d.]+)/.exec(a.line)?.[1])).toEqual(['0.03', '1', '2.1', '3.1']);
    expect(isSettled(upTo(verify, 3))).toBe(false);
    expect(isSettled(upTo(verify, 4))).toBe(true);
  });

  it('does not count a deferral without an attempt, while Postfix throttles the destination', () => {
    const log = fixture('lab-outbound-verify-bookworm.log');
    const line = log.find((l) => l.includes('message-id=<') && l.includes('self-signed'))!;
    const verify = delivery(log, /message-id=<([^>]+)>/.exec(line)![1]!);
    const suspended = (a: MtaFate): MtaFate => ({ ...a, detail: `delivery temporarily suspended: ${a.detail}` });
    const attempts = verify.attempts.slice(0, 4);
    expect(isSettled({ ...verify, attempts: [attempts[0]!, suspended(attempts[1]!), suspended(attempts[2]!), attempts[3]!] })).toBe(false);
  });
});
