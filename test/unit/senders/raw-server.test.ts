import { describe, expect, it } from 'vitest';
import { readRawReception } from '../../../lab/senders/raw-server.ts';

// Lines as the raw destination printed them in a lab run (lab/senders/raw-server.pl).
const LOG = [
  'tlslab-raw[7]: listening on port 25, after STARTTLS: plaintext-reply',
  'tlslab-raw[14]: connect from [127.0.0.1]',
  'tlslab-raw[14]: disconnect from [127.0.0.1]',
  'tlslab-raw[15]: connect from [172.26.0.4]',
  'tlslab-raw[15]: STARTTLS from [172.26.0.4]: 220 sent, then 517 bytes of TLS answered in plaintext',
  'tlslab-raw[18]: connect from [172.26.0.4]',
  'tlslab-raw[18]: RAW00005: message-id=<m1@receiver.lab.test> from [172.26.0.4], received in plaintext',
  'tlslab-raw[18]: disconnect from [172.26.0.4]',
];

describe('readRawReception', () => {
  it('finds the message by its Message-ID and keeps the lines of the given client only', () => {
    const { fate, lines } = readRawReception(LOG, 'm1@receiver.lab.test', '172.26.0.4');
    expect(fate).toEqual({ status: 'delivered', queueId: 'RAW00005', detail: 'received in plaintext by the raw server' });
    expect(lines).toEqual(LOG.slice(3));
  });

  it('says not-sent for a message it never received', () => {
    expect(readRawReception(LOG.slice(0, 5), 'm1@receiver.lab.test').fate).toEqual({ status: 'not-sent' });
    expect(readRawReception(LOG, 'other@receiver.lab.test').fate.status).toBe('not-sent');
  });
});
