import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeLogs, analyzeLogsWithTracker } from '../../../lab/logs/analyze.ts';
import { readWholeLog } from '../../../lab/logs/read-lines.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'read-whole-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = [
  'May  3 10:00:00 mx postfix/smtpd[4]: connect from b.example[192.0.2.61]',
  'May  3 10:00:00 mx postfix/smtpd[4]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
  'May  3 10:00:00 mx postfix/smtpd[4]: lost connection after STARTTLS from b.example[192.0.2.61]',
];
const text = `${lines.join('\r\n')}\r\n`;

function utf16be(value: string): Buffer {
  return Buffer.from(value, 'utf16le').swap16();
}

describe('readWholeLog', () => {
  it.each([
    ['UTF-8', Buffer.from(text), false],
    ['UTF-8 with its byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), true],
    ['UTF-16LE with its mark, as PowerShell writes it', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), true],
    ['UTF-16BE with its mark', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), true],
    ['gzip', gzipSync(Buffer.from(text)), false],
  ])('%s', async (_name, bytes, recoded) => {
    const file = path.join(dir, 'log');
    writeFileSync(file, bytes);
    expect(await readWholeLog(file)).toEqual({ lines, recoded });
  });

  it('keeps a last line without newline, and reads an empty file as no line', async () => {
    const file = path.join(dir, 'last');
    writeFileSync(file, 'a\nb');
    expect((await readWholeLog(file)).lines).toEqual(['a', 'b']);
    writeFileSync(file, '');
    expect((await readWholeLog(file)).lines).toEqual([]);
  });
});

describe('analyzeLogs on UTF-16 text', () => {
  it('reads a small file as its text, on both paths', async () => {
    const file = path.join(dir, 'small-utf16.log');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const fast = await analyzeLogs([file], { year: 2024, scanWorker: false });
    expect(JSON.stringify(fast)).toBe(JSON.stringify(await analyzeLogsWithTracker([file], { year: 2024 })));
    expect(fast.peers.map((peer) => [peer.peer, peer.failures])).toEqual([['192.0.2.61', { 'unsupported-protocol': 1 }]]);
  });

  it('stops on a large one with what to do', async () => {
    const file = path.join(dir, 'large-utf16.log');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.repeat(20_000), 'utf16le')]));
    await expect(analyzeLogs([file], { year: 2024 })).rejects.toThrow(/UTF-16 text.*iconv -f UTF-16 -t UTF-8/);
    await expect(analyzeLogsWithTracker([file], { year: 2024 })).rejects.toThrow(/UTF-16 text/);
  });
});
