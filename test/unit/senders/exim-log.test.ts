import { describe, expect, it } from 'vitest';
import { readEximReception } from '../../../lab/senders/exim-log.ts';

/** An Exim 4.96 destination's main log, as the lab captured it (one message, then another one deferred). */
const LOG = [
  '2026-11-29 08:07:55 exim 4.96 daemon started: pid=302, -q2s, listening for SMTP on port 25 (IPv4)',
  '2026-11-29 08:07:57 1xXZwz-000054-0V <= outbound@receiver.lab.test H=(receiver.lab.test) [192.168.64.3] P=esmtps X=TLS1.3:ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM:256 CV=no S=695 id=m1@receiver.lab.test',
  '2026-11-29 08:07:57 1xXZa0-000055-1K <= outbound@receiver.lab.test H=(receiver.lab.test) [192.168.64.3] P=esmtp S=727 id=m2@receiver.lab.test',
  '2026-11-29 08:07:57 1xXZwz-000054-0V => sink <sink@modern.dest.lab.test> R=local_user T=mail_spool',
  '2026-11-29 08:07:57 1xXZa0-000055-1K == sink@old.dest.lab.test R=local_user T=mail_spool defer (2): No such file or directory',
  '2026-11-29 08:07:57 1xXZwz-000054-0V Completed',
];

describe('readEximReception', () => {
  it('follows a message by its Message-ID from acceptance to local delivery, with its lines only', () => {
    const delivered = readEximReception(LOG, 'm1@receiver.lab.test');
    expect(delivered.fate).toEqual({ status: 'delivered', queueId: '1xXZwz-000054-0V', detail: '=> sink <sink@modern.dest.lab.test> R=local_user T=mail_spool' });
    expect(delivered.lines).toEqual([LOG[1], LOG[3], LOG[5]]);
    expect(readEximReception(LOG, 'm2@receiver.lab.test').fate).toMatchObject({ status: 'deferred', queueId: '1xXZa0-000055-1K' });
  });

  it('says queued before the delivery line, and not-sent when the message never arrived', () => {
    expect(readEximReception(LOG.slice(0, 2), 'm1@receiver.lab.test').fate).toEqual({ status: 'queued', queueId: '1xXZwz-000054-0V' });
    expect(readEximReception(LOG, 'm3@receiver.lab.test')).toEqual({ fate: { status: 'not-sent' }, lines: [] });
  });
});
