import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MessageFate } from '../scenario/outcome.ts';
import type { RawServerAction } from '../scenario/schema.ts';

/** The raw destination's script (raw-server.pl): SMTP with STARTTLS offered, then one misbehaviour. */
const RAW_SERVER = readFileSync(path.join(import.meta.dirname, 'raw-server.pl'), 'utf8');

/** The container command of a raw destination; Perl is part of every Debian system. */
export function rawServerCommand(action: RawServerAction): string[] {
  return ['perl', '-e', RAW_SERVER, action];
}

const EVENT = /^tlslab-raw\[\d+\]: /;
const RECEIVED = /^tlslab-raw\[\d+\]: (RAW\d+): message-id=<([^>]*)> /;

/**
 * What a raw destination did: its connection, STARTTLS and disconnect lines for `client` as evidence, and the
 * message found by its Message-ID (the raw server keeps nothing, so a received message counts as delivered).
 */
export function readRawReception(log: readonly string[], messageId: string, client?: string): { fate: MessageFate; lines: string[] } {
  const lines = log.filter((line) => EVENT.test(line) && (client === undefined || line.includes(`[${client}]`)));
  for (const line of lines) {
    const match = RECEIVED.exec(line);
    if (match?.[2] === messageId) return { fate: { status: 'delivered', queueId: match[1]!, detail: 'received in plaintext by the raw server' }, lines };
  }
  return { fate: { status: 'not-sent' }, lines };
}
