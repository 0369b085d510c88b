import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeLogs, analyzeLogsWithTracker } from '../../../lab/logs/analyze.ts';
import { inTimeOrder } from '../../../lab/logs/input-order.ts';
import { mergedLines, overlappingGroups } from '../../../lab/logs/overlapping-files.ts';
import { fixtureLines } from './fixture-files.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'input-order-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[], gzip = false): string {
  const at = path.join(dir, name);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(at, gzip ? gzipSync(text) : text);
  return at;
}

// One TLS session that the rotation at 00:00 cut in two: its start in mail.log.1, its end in mail.log.
const oldest = file('mail.log.2.gz', [
  'May  1 10:00:00 mx postfix/smtpd[100]: connect from a.example[192.0.2.1]',
  'May  1 10:00:01 mx postfix/smtpd[100]: disconnect from a.example[192.0.2.1] ehlo=1 quit=1 commands=2',
], true);
const older = file('mail.log.1', [
  'May  1 23:59:58 mx postfix/smtpd[200]: connect from b.example[192.0.2.2]',
  'May  1 23:59:59 mx postfix/smtpd[200]: setting up TLS connection from b.example[192.0.2.2]',
]);
const newest = file('mail.log', [
  // Not a stamped line: the first stamp further down still counts.
  'rsyslogd: [origin software="rsyslogd"] rsyslogd was HUPed',
  'May  2 00:00:00 mx postfix/smtpd[200]: Anonymous TLS connection established from b.example[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
  'May  2 00:00:01 mx postfix/smtpd[200]: disconnect from b.example[192.0.2.2] ehlo=2 starttls=1 quit=1 commands=4',
]);

describe('inTimeOrder', () => {
  it('puts rotated logs, as a shell lists them, oldest first: plain and gzip, by their first stamped line', async () => {
    expect(await inTimeOrder([newest, older, oldest], 2024)).toEqual([oldest, older, newest]);
    expect(await inTimeOrder([oldest, older, newest], 2024)).toEqual([oldest, older, newest]);
  });

  it('keeps the given order with stdin, with a file that has no stamp, and between files that start at the same time', async () => {
    expect(await inTimeOrder([newest, '-', oldest], 2024)).toEqual([newest, '-', oldest]);
    const unstamped = file('unstamped.log', ['mx postfix/smtpd[1]: connect from a.example[192.0.2.1]']);
    expect(await inTimeOrder([newest, unstamped, oldest], 2024)).toEqual([newest, unstamped, oldest]);
    const twin = file('twin.log', ['May  1 10:00:00 mx2 postfix/smtpd[7]: connect from c.example[192.0.2.3]']);
    expect(await inTimeOrder([newest, twin, oldest], 2024)).toEqual([twin, oldest, newest]);
  });

  it('lets the analyzer read a session that a rotation cut as one, and says so', async () => {
    for (const analyze of [analyzeLogs, analyzeLogsWithTracker]) {
      const report = await analyze([newest, older, oldest], { year: 2024 });
      expect(report.sessions).toEqual({ total: 2, tls: 1, failed: 0, plaintext: 0 });
      expect(report.readOrder).toEqual([oldest, older, newest]);
      expect((await analyze([oldest, older, newest], { year: 2024 })).readOrder).toBeUndefined();
    }
  });
});

describe('files that cover the same time', () => {
  it('are grouped when their spans overlap; rotated logs, and a compressed one whose end is unknown, are not', () => {
    const at = (hours: number) => Date.UTC(2024, 4, 1, hours);
    expect(overlappingGroups([
      { source: 'mail.log.2.gz', first: at(0), last: undefined },
      { source: 'mail.log.1', first: at(1), last: at(5) },
      { source: 'mail.log', first: at(6), last: at(9) },
    ])).toEqual([]);
    expect(overlappingGroups([
      { source: 'mail.log', first: at(0), last: at(9) },
      { source: 'mail.warn', first: at(2), last: at(8) },
      { source: 'mail.log.1', first: at(-9), last: at(-1) },
      { source: 'syslog', first: at(9), last: at(12) },
    ])).toEqual([['mail.log', 'mail.warn', 'syslog']]);
  });

  it('merge by time, keep each file\'s order and its own repeated lines, and count a line copied from another file once', async () => {
    const lines = (...batches: string[][]) => async function* (): AsyncGenerator<string[]> {
      yield* batches;
    };
    const line = (time: string, text: string) => `May  1 10:00:${time} mx postfix/smtpd[7]: ${text}`;
    const log = [line('00', 'a'), line('01', 'b'), line('01', 'b'), line('03', 'c')];
    const warn = [line('01', 'b'), line('02', 'warning: w'), line('03', 'c')];
    const sources = new Map([['log', lines([log[0] as string, log[1] as string], log.slice(2))], ['warn', lines(warn)]]);
    const copies = { count: 0 };
    const merged: string[] = [];
    for await (const batch of mergedLines(['log', 'warn'], (source) => (sources.get(source) as () => AsyncGenerator<string[]>)(), 2024, copies)) merged.push(...batch);
    expect(merged).toEqual([line('00', 'a'), line('01', 'b'), line('01', 'b'), line('02', 'warning: w'), line('03', 'c')]);
    expect(copies.count).toBe(2);
  });

  it('let mail.log and the mail.warn beside it count each session and failure once, and say so', async () => {
    // rsyslog stamps every line it writes (the last two sessions of the reported excerpt lost theirs in the paste).
    const log = fixtureLines('seed-maillog.log').filter((line) => /^[A-Z][a-z]{2} [ \d]\d /.test(line));
    const mailLog = file('seed-mail.log', log);
    const mailWarn = file('seed-mail.warn', log.filter((line) => line.includes('warning:')));
    for (const analyze of [analyzeLogs, analyzeLogsWithTracker]) {
      const alone = await analyze([mailLog], { year: 2018 });
      const both = await analyze([mailWarn, mailLog], { year: 2018 });
      expect(both.readTogether).toEqual([{ files: [mailLog, mailWarn], copies: 2 }]);
      const { readTogether: _together, readOrder: _order, ...rest } = both;
      expect(rest).toEqual(alone);
    }
  });
});
