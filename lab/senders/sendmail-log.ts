import type { MtaDelivery, MtaFate } from './mta.ts';

/** `... sendmail[38]: 6B14xQq9000036: to=<...>, ..., dsn=2.0.0, stat=Sent (...)`, and the lines of that process without a queue id. */
const LINE = /\bsendmail\[(\d+)\]: (?:([0-9A-Za-z]{8,20}): )?(.*)$/;
const DELIVERY = /^to=.*, dsn=(\d\.\d+\.\d+), stat=(.*)$/;
/** A failed handshake as the client side logs it: `STARTTLS=client, error: connect failed=-1, reason=...`. */
const TLS_ERROR = /^STARTTLS=client, error: (?:.*?\breason=([^,]*))?/;

/**
 * Follows one message through a Sendmail's log, found by its Message-ID (`msgid=<...>` of its `from=` line; when the
 * message was submitted through Sendmail's own submission agent, the last queue id that carries it is the MTA's):
 * each failed handshake (the delivering process's `STARTTLS=client, error:` line before its `to=` line), each
 * deferral, and the final delivery or bounce, in the same shape as a Postfix sender's.
 */
export function readSendmailDelivery(log: readonly string[], messageId: string): MtaDelivery {
  let queueId: string | undefined;
  for (const line of log) {
    const match = LINE.exec(line);
    if (match?.[2] !== undefined && match[3]?.startsWith('from=') && match[3].includes(`msgid=<${messageId}>`)) queueId = match[2];
  }
  if (queueId === undefined) return { attempts: [] };
  const attempts: MtaFate[] = [];
  const handshakeErrors = new Map<string, { detail: string; line: string }>();
  let final: MtaFate | undefined;
  for (const line of log) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const [, pid = '', id, rest = ''] = match;
    const tlsError = id === undefined ? TLS_ERROR.exec(rest) : null;
    if (tlsError !== null) {
      handshakeErrors.set(pid, { detail: `STARTTLS failed: ${tlsError[1] ?? rest}`, line });
      continue;
    }
    if (id !== queueId) continue;
    const delivery = DELIVERY.exec(rest);
    if (delivery === null) continue;
    const handshake = handshakeErrors.get(pid);
    if (handshake !== undefined) {
      attempts.push({ queueId, status: 'tls-failed', ...handshake });
      handshakeErrors.delete(pid);
    }
    const [, dsn = '', stat = ''] = delivery;
    if (stat.startsWith('Sent')) {
      final = { queueId, status: 'sent', detail: stat, line };
      attempts.push(final);
    } else if (dsn.startsWith('5')) {
      final = { queueId, status: 'bounced', detail: stat, line };
      attempts.push(final);
    } else {
      attempts.push({ queueId, status: 'deferred', detail: stat.replace(/^Deferred: /, ''), line });
    }
  }
  const receiverQueueId = final?.status === 'sent' ? /queued as ([0-9A-Za-z]+)/.exec(final.detail)?.[1] : undefined;
  return { queueId, attempts, ...(final ? { final } : {}), ...(receiverQueueId ? { receiverQueueId } : {}) };
}
