import type { MessageFate } from '../scenario/outcome.ts';
import type { MtaDelivery, MtaFate } from './mta.ts';

/** `2026-11-29 03:40:00 1tXyZa-000A1b-Cd <= ...` (Exim 4.96 ids) or the older `1tXyZa-000A1b-Cd` form */
const LINE = /^(?:\S+ \S+ )?(?:\[\d+\] )?([0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) (.*)$/;

/** The lines of one message in an Exim main log, found by its Message-ID: its `<=` line, then its other lines. */
function* messageLines(log: readonly string[], messageId: string): Generator<{ id: string; rest: string; line: string }> {
  let eximId: string | undefined;
  for (const line of log) {
    const match = LINE.exec(line);
    if (!match) continue;
    const [, id, rest] = match as unknown as [string, string, string];
    if (eximId === undefined) {
      if (!rest.startsWith('<= ') || !rest.includes(` id=${messageId}`)) continue;
      eximId = id;
    } else if (id !== eximId) continue;
    yield { id, rest, line };
  }
}

/**
 * Follows one message through an Exim main log, found by its Message-ID: each TLS failure, deferral
 * and the final delivery, in the same shape as a Postfix sender's.
 */
export function readEximDelivery(log: readonly string[], messageId: string): MtaDelivery {
  let eximId: string | undefined;
  const attempts: MtaFate[] = [];
  let final: MtaFate | undefined;
  for (const { id, rest, line } of messageLines(log, messageId)) {
    if (eximId === undefined) {
      eximId = id;
      continue;
    }
    if (/^TLS (error on connection|session:)/.test(rest)) {
      attempts.push({ queueId: id, status: 'tls-failed', detail: rest, line });
    } else if (rest.startsWith('== ')) {
      attempts.push({ queueId: id, status: 'deferred', detail: rest.replace(/^== \S+ /, ''), line });
    } else if (rest.startsWith('=> ') || rest.startsWith('-> ')) {
      const reply = /C="([^"]*)"/.exec(rest)?.[1] ?? rest;
      final = { queueId: id, status: 'sent', detail: reply, line };
      attempts.push(final);
    } else if (rest.startsWith('** ')) {
      final = { queueId: id, status: 'bounced', detail: rest.replace(/^\*\* \S+ /, ''), line };
      attempts.push(final);
    }
  }
  if (!eximId) return { attempts: [] };
  const receiverQueueId = final?.status === 'sent' ? /queued as ([0-9A-Za-z]+)/.exec(final.detail)?.[1] : undefined;
  return { queueId: eximId, attempts, ...(final ? { final } : {}), ...(receiverQueueId ? { receiverQueueId } : {}) };
}

/** What an Exim server did with a message it received, found by its Message-ID, with the lines that say so. */
export interface EximReception {
  fate: MessageFate;
  lines: string[];
}

/**
 * Follows one message through the main log of an Exim that received it: accepted (`<=`), then delivered
 * locally (`=>`), deferred (`==`) or bounced (`**`). Not seen: `not-sent`.
 */
export function readEximReception(log: readonly string[], messageId: string): EximReception {
  const lines: string[] = [];
  let fate: MessageFate = { status: 'not-sent' };
  for (const { id, rest, line } of messageLines(log, messageId)) {
    lines.push(line);
    if (rest.startsWith('<= ')) fate = { status: 'queued', queueId: id };
    else if (rest.startsWith('=> ')) fate = { status: 'delivered', queueId: id, detail: rest };
    else if (rest.startsWith('== ')) fate = { status: 'deferred', queueId: id, detail: rest };
    else if (rest.startsWith('** ')) fate = { status: 'bounced', queueId: id, detail: rest };
  }
  return { fate, lines };
}
