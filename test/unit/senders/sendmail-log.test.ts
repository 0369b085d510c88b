import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSettled } from '../../../lab/senders/mta.ts';
import { readSendmailDelivery } from '../../../lab/senders/sendmail-log.ts';
import { deriveMtaOutcome } from '../../../lab/scenario/outcome.ts';

/**
 * The logs of three Debian 12 Sendmail 8.17 senders as the lab captured them, against a receiver that takes TLS 1.3
 * only: one limited to TLS 1.2 (deferred on every try), the same with TLSFallbacktoClear (resent in clear at once),
 * and one that never tries TLS (Try_TLS: NO in its access map).
 */
const LINES = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-sendmail-senders.log'), 'utf8').trimEnd().split('\n');
/** Each sender's own log (its host name is the fourth field), as the lab reads it. */
const log = (name: string) => LINES.filter((line) => line.split(/ +/)[3] === name);
const id = (name: string) => `tlslab-20261201050750-ssv5b8-${name}@senders.lab.test`;

describe('readSendmailDelivery', () => {
  it('follows a message that Sendmail defers on every failed handshake, and takes three deferrals as its outcome', () => {
    const stuck = readSendmailDelivery(log('sm-tls12'), id('sm-tls12'));
    expect(stuck.queueId).toBe('6B157qJB000055');
    expect(stuck.final).toBeUndefined();
    expect(stuck.attempts.map((a) => [a.status, a.detail])).toEqual([
      ...Array<string[]>(3).fill([]).flatMap(() => [['tls-failed', 'STARTTLS failed: tlsv1 alert protocol version'], ['deferred', '454 4.7.0 TLS handshake failed.']]),
    ]);
    expect(isSettled(stuck)).toBe(true);
    expect(isSettled({ ...stuck, attempts: stuck.attempts.slice(0, 4) })).toBe(false);
    const outcome = deriveMtaOutcome([], new Map(), stuck);
    expect(outcome.fate).toMatchObject({ status: 'deferred' });
    expect(outcome.path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, deferred: 454 4.7.0 TLS handshake failed. (3 times)');
  });

  it('follows a message resent in clear after a failed handshake, and one sent without STARTTLS', () => {
    const fallback = readSendmailDelivery(log('sm-tls12-fallback'), id('sm-tls12-fallback'));
    expect(fallback.attempts.map((a) => a.status)).toEqual(['tls-failed', 'sent']);
    expect(fallback).toMatchObject({ queueId: '6B157ql0000054', receiverQueueId: '70CF16440DB', final: { status: 'sent', detail: 'Sent (Ok: queued as 70CF16440DB)' } });
    expect(deriveMtaOutcome([], new Map(), fallback).path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, then delivered in plaintext at once');
    const plain = readSendmailDelivery(log('sm-none'), id('sm-none'));
    expect(plain.attempts.map((a) => a.status)).toEqual(['sent']);
    expect(plain.receiverQueueId).toBe('69F8F6442D1');
  });

  it('reads a bounce, the MTA\'s copy of a message its submission agent relayed, and a message it never logged', () => {
    const submitted = [
      'Dec  1 04:59:26 sender mail.info sendmail[35]: 6B14xQjn000035: from=a@sender.lab.test, size=51, class=0, nrcpts=1, msgid=<t1@sender.lab.test>, relay=root@localhost',
      'Dec  1 04:59:26 sender mail.info sendmail[36]: 6B14xQq9000036: from=<a@sender.lab.test>, size=259, class=0, nrcpts=1, msgid=<t1@sender.lab.test>, proto=ESMTP, daemon=MTA-v4, relay=localhost [127.0.0.1]',
      'Dec  1 04:59:26 sender mail.info sendmail[35]: 6B14xQjn000035: to=root@mx.lab.test, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30051, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (6B14xQq9000036 Message accepted for delivery)',
      'Dec  1 04:59:26 sender mail.info sendmail[38]: 6B14xQq9000036: to=<root@mx.lab.test>, delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30259, relay=[172.18.0.2] [172.18.0.2], dsn=5.7.1, stat=Service unavailable',
    ];
    expect(readSendmailDelivery(submitted, 't1@sender.lab.test')).toMatchObject({ queueId: '6B14xQq9000036', final: { status: 'bounced', detail: 'Service unavailable' } });
    expect(readSendmailDelivery(submitted, 'other@sender.lab.test')).toEqual({ attempts: [] });
  });

  it('reads Debian 11\'s Sendmail 8.15 the same way: deferred with 403 on every try, TLS 1.3 otherwise', () => {
    const lines = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-sendmail-8.15-senders.log'), 'utf8').trimEnd().split('\n');
    const of = (name: string) => lines.filter((line) => line.split(/ +/)[3] === name);
    const messageId = (name: string) => `tlslab-20261202002857-erlhii-${name}@senders.lab.test`;
    const stuck = readSendmailDelivery(of('sendmail-tls12'), messageId('sendmail-tls12'));
    expect(stuck.queueId).toBe('6B20SxJi000048');
    expect(stuck.attempts.map((a) => [a.status, a.detail])).toEqual([
      ...Array<string[]>(3).fill([]).flatMap(() => [['tls-failed', 'STARTTLS failed: tlsv1 alert protocol version'], ['deferred', '403 4.7.0 TLS handshake failed.']]),
    ]);
    expect(isSettled(stuck)).toBe(true);
    expect(deriveMtaOutcome([], new Map(), stuck).path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, deferred: 403 4.7.0 TLS handshake failed. (3 times)');
    // The readiness probe's connection (`did not issue MAIL/EXPN/VRFY/ETRN`) is no attempt.
    const tls = readSendmailDelivery(of('sendmail'), messageId('sendmail'));
    expect(tls).toMatchObject({ queueId: '6B20SxWg000047', receiverQueueId: '4E93472437C', final: { status: 'sent' } });
    expect(tls.attempts.map((a) => a.status)).toEqual(['sent']);
    const plain = readSendmailDelivery(of('sendmail-no-tls'), messageId('sendmail-no-tls'));
    expect(plain).toMatchObject({ receiverQueueId: '52F0C724090', final: { status: 'sent' } });
  });
});
