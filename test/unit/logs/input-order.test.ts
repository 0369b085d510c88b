import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeLogs, analyzeLogsWithTracker } from '../../../lab/logs/analyze.ts';
import { inTimeOrder } from '../../../lab/logs/input-order.ts';
import { copiesAmong, instantOf, lastInstant } from '../../../lab/logs/overlapping-files.ts';
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

describe('a file that copies another', () => {
  // rsyslog stamps every line it writes (the last two sessions of the reported excerpt lost theirs in the paste).
  const log = fixtureLines('seed-maillog.log').filter((line) => /^[A-Z][a-z]{2} [ \d]\d /.test(line));
  const mailLog = file('seed-mail.log', log);
  const mailWarn = file('seed-mail.warn', log.filter((line) => line.includes('warning:')));

  it('is told by its span within a larger file\'s and its first Postfix lines in it; another host\'s log of the same time is none', async () => {
    const spans = async (sources: string[]) => Promise.all(sources.map(async (source) => ({
      source, first: (await inTimeOrderFirst(source)) as number, last: await lastInstant(source, 2018), size: statSync(source).size,
    })));
    expect(await copiesAmong(await spans([mailWarn, mailLog]), 2018)).toEqual(new Map([[mailWarn, mailLog]]));
    const otherHost = file('mx2-mail.warn', log.filter((line) => line.includes('warning:')).map((line) => line.replace(' server1 ', ' mx2 ')));
    expect(await copiesAmong(await spans([otherHost, mailLog]), 2018)).toEqual(new Map());
    // Compressed, its end is unknown: read as given.
    const packed = file('seed-mail.warn.gz', log.filter((line) => line.includes('warning:')), true);
    expect(await copiesAmong(await spans([packed, mailLog]), 2018)).toEqual(new Map());
  });

  it('is not read: mail.log and the mail.warn beside it count each session and failure once, and the report says so', async () => {
    for (const analyze of [analyzeLogs, analyzeLogsWithTracker]) {
      const alone = await analyze([mailLog], { year: 2018 });
      const both = await analyze([mailWarn, mailLog], { year: 2018 });
      expect(both.copies).toEqual([{ file: mailWarn, of: mailLog }]);
      const { copies: _copies, readOrder: _order, ...rest } = both;
      expect(rest).toEqual(alone);
    }
  });
});

/** The instant of a file's first stamped line. */
async function inTimeOrderFirst(source: string): Promise<number | undefined> {
  for (const line of (await readFile(source)).toString('utf8').split('\n')) {
    const at = instantOf(line, 2018);
    if (at !== undefined) return at;
  }
  return undefined;
}
