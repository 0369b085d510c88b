import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { logsCommand } from '../../../lab/cli/logs.ts';
import type { CliIo } from '../../../lab/cli/io.ts';
import { analyzeLogs, readLogLines, type AnalyzeReport, type ReadProgress } from '../../../lab/logs/index.ts';
import { analyzeLogsWithTracker } from '../../../lab/logs/analyze.ts';
import { fixturePath, fixtureLines, TLSPROXY_LINES } from './fixture-files.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'logs-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(stdin: Readable = Readable.from([])): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  return { stdout, stderr, stdin, cwd: dir, env: {}, out: () => out, err: () => err };
}

async function collect(source: string, stdin?: Readable): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLogLines(source, stdin === undefined ? {} : { stdin })) lines.push(line);
  return lines;
}

describe('readLogLines', () => {
  it('reads gzip by magic bytes, whatever the name, and plain files alike', async () => {
    const plain = readFileSync(fixturePath('seed-maillog.log'));
    const gz = path.join(dir, 'rotated.1');
    writeFileSync(gz, gzipSync(plain));
    expect(await collect(gz)).toEqual(fixtureLines('seed-maillog.log'));
    expect(await collect(fixturePath('seed-maillog.log'))).toEqual(fixtureLines('seed-maillog.log'));
  });

  it('reads stdin, gzip or not, and strips CRLF', async () => {
    expect(await collect('-', Readable.from([Buffer.from('a\r\nb\n'), Buffer.from('c')]))).toEqual(['a', 'b', 'c']);
    expect(await collect('-', Readable.from([gzipSync(Buffer.from('x\ny\n'))]))).toEqual(['x', 'y']);
    expect(await collect('-', Readable.from([]))).toEqual([]);
  });
});

describe('analyzeLogs', () => {
  const files = [fixturePath('seed-maillog.log'), fixturePath('postfix-2.6.6-openssl-1.0.1e.log'), fixturePath('outbound-3x.log')];

  it('lists a peer\'s name once whatever its case, in the spelling first seen', async () => {
    const file = path.join(dir, 'case.log');
    writeFileSync(file, [
      'Jun 30 19:00:05 mx postfix/smtpd[22411]: connect from CPE0026.cpe.example[99.227.56.228]',
      'Jun 30 19:00:05 mx postfix/smtpd[22411]: disconnect from CPE0026.cpe.example[99.227.56.228]',
      'Jun 30 19:08:51 mx postfix/smtpd[22877]: connect from cpe0026.cpe.example[99.227.56.228]',
      'Jun 30 19:08:51 mx postfix/smtpd[22877]: disconnect from cpe0026.cpe.example[99.227.56.228]',
      'Jun 30 19:09:51 mx postfix/smtpd[22878]: connect from other.example[99.227.56.228]',
      'Jun 30 19:09:51 mx postfix/smtpd[22878]: disconnect from other.example[99.227.56.228]',
      '',
    ].join('\n'));
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.peers.map((p) => [p.peer, p.names, p.attempts])).toEqual([['99.227.56.228', ['CPE0026.cpe.example', 'other.example'], 3]]);
  });

  it('aggregates per peer and overall', async () => {
    const report = await analyzeLogs(files, { year: 2018 });
    expect(report.sessions).toEqual({ total: 21, tls: 7, failed: 12, plaintext: 2 });
    expect(report.protocols).toEqual({ 'TLSv1.2': 4, SSLv3: 1, TLSv1: 1, 'TLSv1.3': 1 });
    expect(report.ciphers['DHE-RSA-AES256-GCM-SHA384']).toBe(3);
    expect(Object.fromEntries(Object.entries(report.failures).map(([k, v]) => [k, v?.count]))).toEqual({
      'no-shared-cipher': 3, 'unknown-protocol': 4, 'wrong-version-number': 2, 'invalid-local-config': 1, 'peer-aborted': 1, 'starttls-not-offered': 1,
    });
    const lab = report.peers[0];
    expect(lab).toEqual({
      peer: '172.18.0.3', names: ['ca9f4a31b58d.labnet', 'aea2c54eaae1.labnet', '90dd2e72e65b.labnet', '69d4b7347504.labnet', 'ef5f84f5f09a.labnet'],
      attempts: 11, tlsSuccesses: 5, protocols: { 'TLSv1.2': 3, SSLv3: 1, TLSv1: 1 }, ciphers: { 'DHE-RSA-AES256-GCM-SHA384': 3, 'DHE-RSA-AES256-SHA': 2 },
      failures: { 'no-shared-cipher': 1, 'unknown-protocol': 2, 'wrong-version-number': 2, 'invalid-local-config': 1 }, plaintextDeliveries: 0,
      lastSeen: '2018-11-29T02:29:21',
    });
    const old = report.peers.find((p) => p.peer === '192.0.2.10');
    expect(old?.attempts).toBe(2);
    expect(old?.plaintextDeliveries).toBe(1);
    expect(old?.failures).toEqual({ 'peer-aborted': 1 });
  });

  it('filters by peer and time; lines without time pass the time filter', async () => {
    const byPeer = await analyzeLogs(files, { year: 2018, peer: 'GOOGLE' });
    expect(byPeer.peers.map((p) => p.peer)).toEqual(['209.85.167.44', '209.85.167.47', '209.85.208.171']);
    const byTime = await analyzeLogs([fixturePath('seed-maillog.log')], { year: 2018, since: new Date('2018-08-23T21:00:00'), until: new Date('2018-08-23T22:00:00') });
    expect(byTime.peers.map((p) => p.peer).sort()).toEqual(['107.174.30.57', '198.245.84.110', '198.245.84.99', '209.85.167.47']);
  });
});

describe('tlslab logs', () => {
  it('takes a peer\'s last time by the instant when the log mixes time zones', async () => {
    const file = path.join(dir, 'zones.log');
    const session = (stamp: string, pid: number, peer: string) => [
      `${stamp} mx postfix/smtpd[${pid}]: connect from ${peer}`,
      `${stamp} mx postfix/smtpd[${pid}]: disconnect from ${peer} ehlo=1 quit=1 commands=2`,
    ];
    writeFileSync(file, [
      ...session('2024-11-30T10:00:01+01:00', 1, 'a.example[192.0.2.1]'), ...session('2024-11-30T09:30:01Z', 2, 'a.example[192.0.2.1]'),
      ...session('2024-11-30T09:10:01.5Z', 3, 'b.example[192.0.2.2]'), ...session('2024-11-30T10:20:01+0100', 4, 'b.example[192.0.2.2]'),
      ...session('2024-11-30T10:40:01+01:00', 5, 'c.example[192.0.2.3]'), ...session('2024-11-30T10:30:01+01:00', 6, 'c.example[192.0.2.3]'),
    ].join('\n'));
    for (const scanWorker of [false, { bytes: 256, records: 4, handOver: 'first-chunk' as const }]) {
      const { peers } = await analyzeLogs([file], { scanWorker });
      expect(peers.map((peer) => [peer.peer, peer.lastSeen])).toEqual([
        ['192.0.2.1', '2024-11-30T09:30:01Z'], ['192.0.2.2', '2024-11-30T10:20:01+0100'], ['192.0.2.3', '2024-11-30T10:40:01+01:00'],
      ]);
    }
  });

  it('analyze --json prints the report', async () => {
    const cli = io();
    expect(await logsCommand(['analyze', '--json', '--year', '2018', fixturePath('seed-maillog.log')], cli)).toBe(0);
    const report = JSON.parse(cli.out()) as AnalyzeReport;
    expect(report.sessions).toEqual({ total: 6, tls: 1, failed: 4, plaintext: 1 });
    expect(report.versions.openssl).toBe('1.0.1');
    expect(report.failures['unknown-protocol']?.count).toBe(2);
  });

  it('reports its progress through each source, with the size of plain files', async () => {
    const plain = fixturePath('seed-maillog.log');
    // A later log, so that the two are read one after the other.
    const later = fixturePath('postfix-2.6.6-openssl-1.0.1e.log');
    const gz = path.join(dir, 'progress.gz');
    writeFileSync(gz, gzipSync(readFileSync(later)));
    const seen: ReadProgress[] = [];
    await analyzeLogs([plain, gz], { year: 2018, onProgress: (progress) => seen.push(progress) });
    const size = readFileSync(plain).length;
    expect(seen.filter((p) => p.done)).toEqual([{ source: plain, bytes: size, total: size, done: true }, { source: gz, bytes: readFileSync(later).length, done: true }]);
    const ofPlain = seen.filter((p) => p.source === plain).map((p) => p.bytes);
    expect(ofPlain).toEqual([...ofPlain].sort((a, b) => a - b));
  });

  it('analyze shows a status line on a terminal only, and erases it', async () => {
    const tty = io();
    tty.stderr.isTTY = true;
    expect(await logsCommand(['analyze', '--json', fixturePath('seed-maillog.log')], tty)).toBe(0);
    expect(tty.err()).toMatch(/^\r\x1b\[2Kreading seed-maillog\.log: 100% of \d+\.\d MB, \d+ MB\/s\r\x1b\[2K$/);
    expect(() => JSON.parse(tty.out()) as unknown).not.toThrow();
    const pipe = io();
    expect(await logsCommand(['analyze', fixturePath('seed-maillog.log')], pipe)).toBe(0);
    expect(pipe.err()).toBe('');
  });

  it('lists the warnings of smtpd and smtp about their own TLS settings, even when no session failed of them', async () => {
    const file = path.join(dir, 'set-up.log');
    const warning = 'Nov 29 10:00:00 mx postfix/smtpd[100]: warning: cannot get RSA certificate from file "/etc/ssl/certs/mail.pem": disabling TLS support';
    writeFileSync(file, [
      warning,
      'Nov 29 10:00:01 mx postfix/smtpd[100]: connect from a.example[192.0.2.1]',
      'Nov 29 10:00:01 mx postfix/smtpd[100]: 4F6D0629C: client=a.example[192.0.2.1]',
      'Nov 29 10:00:02 mx postfix/smtpd[100]: disconnect from a.example[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
      'Nov 29 11:00:00 mx postfix/smtpd[200]: warning: cannot get RSA certificate from file "/etc/ssl/certs/mail.pem": disabling TLS support',
      'Nov 29 11:00:00 mx postfix/smtp[300]: warning: smtp_tls_policy_maps, next-hop destination "gmail.com": invalid attribute name: "servername"',
      '',
    ].join('\n'));
    const report = await analyzeLogs([file], { year: 2024 });
    expect(report.sessions).toMatchObject({ total: 1, failed: 0, plaintext: 1 });
    expect(report.setUpWarnings.map((w) => [w.side, w.count, w.summary, w.example])).toEqual([
      ['smtpd', 2, 'certificate or key not loaded', warning],
      ['smtp', 1, 'unusable TLS policy table entry', 'Nov 29 11:00:00 mx postfix/smtp[300]: warning: smtp_tls_policy_maps, next-hop destination "gmail.com": invalid attribute name: "servername"'],
    ]);
    const cli = io();
    expect(await logsCommand(['analyze', file], cli)).toBe(0);
    expect(cli.out()).toContain('TLS set-up warnings (smtpd and smtp about their own settings; they touch every session of their process):\n  smtpd (2): certificate or key not loaded\n    why: cannot get RSA certificate');

    // A time range filters them; a peer filter keeps them, as they concern every peer.
    for (const scanWorker of [false, { bytes: 256, records: 4, handOver: 'first-chunk' as const }]) {
      const later = await analyzeLogs([file], { year: 2024, since: new Date('2024-11-29T10:30:00'), scanWorker });
      expect(later.sessions.total).toBe(0);
      expect(later.setUpWarnings.map((w) => [w.side, w.count])).toEqual([['smtpd', 1], ['smtp', 1]]);
      expect(later).toEqual(await analyzeLogsWithTracker([file], { year: 2024, since: new Date('2024-11-29T10:30:00') }));
      const earlier = await analyzeLogs([file], { year: 2024, until: new Date('2024-11-29T10:30:00'), scanWorker });
      expect(earlier.setUpWarnings.map((w) => [w.side, w.count])).toEqual([['smtpd', 1]]);
      const peer = await analyzeLogs([file], { year: 2024, peer: 'b.example', scanWorker });
      expect(peer.sessions.total).toBe(0);
      expect(peer.setUpWarnings.map((w) => [w.side, w.count])).toEqual([['smtpd', 2], ['smtp', 1]]);
    }
  });

  it('analyze prints a table, reading stdin without a file', async () => {
    const cli = io(Readable.from([readFileSync(fixturePath('seed-maillog.log'))]));
    expect(await logsCommand(['analyze'], cli)).toBe(0);
    expect(cli.out()).toContain('6 sessions: 1 TLS, 4 failed, 1 plaintext deliveries');
    expect(cli.out()).toMatch(/198\.245\.84\.110 +mta3\.email\.secretescapes\.com +1 +0 +- +unknown-protocol:1/);
  });

  it('lists only the peers with a failure (--failed), or the most active ones (--top), and says how many it left out', async () => {
    const seed = fixturePath('seed-maillog.log');
    const failed = io();
    expect(await logsCommand(['analyze', '--failed', '--year', '2018', seed], failed)).toBe(0);
    // The totals still count every session; the plaintext peer and the TLS one are not listed.
    expect(failed.out()).toContain('6 sessions: 1 TLS, 4 failed, 1 plaintext deliveries');
    expect(failed.out()).not.toContain('107.174.30.57');
    expect(failed.out()).not.toContain('209.85.208.171');
    expect(failed.out()).toContain('2 more peer(s) not listed (--failed, --top)');
    const top = io();
    expect(await logsCommand(['analyze', '--json', '--failed', '--top', '1', '--year', '2018', seed], top)).toBe(0);
    const report = JSON.parse(top.out()) as AnalyzeReport & { peersOmitted: number };
    expect(report.peers).toHaveLength(1);
    expect(Object.keys(report.peers[0]?.failures ?? {})).not.toHaveLength(0);
    expect(report.peersOmitted).toBe(5);
    const all = io();
    expect(await logsCommand(['analyze', '--json', '--year', '2018', seed], all)).toBe(0);
    expect(JSON.parse(all.out())).not.toHaveProperty('peersOmitted');
    const parsed = io();
    expect(await logsCommand(['parse', '--failed', '--year', '2018', seed], parsed)).toBe(0);
    expect(parsed.out().match(/^#\d+ .*: FAILED /gm)).toHaveLength(4);
    expect(parsed.out()).not.toMatch(/^#\d+ .*: (?:TLS|plaintext)/m);
    await expect(logsCommand(['analyze', '--top', '0', seed], io())).rejects.toMatchObject({ code: 'LAB_USAGE' });
    await expect(logsCommand(['parse', '--top', '3', seed], io())).rejects.toMatchObject({ code: 'LAB_USAGE' });
  });

  it('tells a bare -1 a timeout by the STARTTLS timeout given, and refuses a value that is no Postfix time', async () => {
    const file = path.join(dir, 'bare-return-code.log');
    writeFileSync(file, [
      'Apr 21 17:42:04 hurricane postfix/smtpd[25847]: connect from gilbert.local[192.168.1.34]',
      'Apr 21 17:42:04 hurricane postfix/smtpd[25847]: setting up TLS connection from gilbert.local[192.168.1.34]',
      'Apr 21 17:42:34 hurricane postfix/smtpd[25847]: SSL_accept error from gilbert.local[192.168.1.34]: -1',
      'Apr 21 17:42:34 hurricane postfix/smtpd[25847]: lost connection after STARTTLS from gilbert.local[192.168.1.34]',
      'Apr 21 17:42:34 hurricane postfix/smtpd[25847]: disconnect from gilbert.local[192.168.1.34]',
      '',
    ].join('\n'));
    const classes = async (...flags: string[]) => {
      const out = io();
      expect(await logsCommand(['analyze', '--json', '--year', '2009', ...flags, file], out)).toBe(0);
      return Object.keys((JSON.parse(out.out()) as AnalyzeReport).failures);
    };
    expect(await classes()).toEqual(['unexpected-eof']);
    expect(await classes('--smtpd-starttls-timeout', '30s')).toEqual(['timeout']);
    expect(await classes('--smtp-starttls-timeout', '30s')).toEqual(['unexpected-eof']);
    await expect(logsCommand(['analyze', '--smtpd-starttls-timeout', '${stress?{10}:{300}}s', file], io()))
      .rejects.toMatchObject({ code: 'LAB_USAGE', message: expect.stringContaining('--smtpd-starttls-timeout: expected a Postfix time') });
  });

  it('analyze and parse read rotated logs oldest first, and say so', async () => {
    const older = path.join(dir, 'rotated.log.1');
    const newer = path.join(dir, 'rotated.log');
    writeFileSync(older, 'May  1 23:59:59 mx postfix/smtpd[2]: connect from a.example[192.0.2.1]\n');
    writeFileSync(newer, 'May  2 00:00:01 mx postfix/smtpd[2]: disconnect from a.example[192.0.2.1] ehlo=1 quit=1 commands=2\n');
    for (const command of ['analyze', 'parse']) {
      const cli = io();
      expect(await logsCommand([command, '--year', '2024', newer, older], cli)).toBe(0);
      expect(cli.out()).toContain(`Read oldest first, by each file's first time stamp: ${older}, ${newer}`);
      const json = io();
      expect(await logsCommand([command, '--json', '--year', '2024', newer, older], json)).toBe(0);
      expect((JSON.parse(json.out()) as { readOrder?: string[] }).readOrder).toEqual([older, newer]);
    }
    const analyzed = io();
    await logsCommand(['analyze', '--year', '2024', newer, older], analyzed);
    expect(analyzed.out()).toContain('1 sessions: 0 TLS, 0 failed, 0 plaintext deliveries');
    // Stdin alone is no reordering.
    for (const command of ['analyze', 'parse']) {
      const piped = io(Readable.from([readFileSync(older)]));
      expect(await logsCommand([command, '--year', '2024'], piped)).toBe(0);
      expect(piped.out()).not.toContain('Read oldest first');
    }
  });

  it('says how many TLS sessions logged no protocol, and when a log without command counters may hide TLS sessions', async () => {
    const connect = 'May  1 10:00:00 mx postfix/smtpd[1]: connect from a.example[192.0.2.1]';
    const client = 'May  1 10:00:01 mx postfix/smtpd[1]: ABCDE12345: client=a.example[192.0.2.1]';
    const table = async (disconnect: string) => {
      const cli = io(Readable.from([`${connect}\n${client}\n${disconnect}\n`]));
      expect(await logsCommand(['analyze'], cli)).toBe(0);
      return cli.out();
    };
    const counted = await table('May  1 10:00:02 mx postfix/smtpd[1]: disconnect from a.example[192.0.2.1] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7');
    expect(counted).toContain('1 sessions: 1 TLS, 0 failed, 0 plaintext deliveries');
    expect(counted).toContain('1 TLS session(s) logged no protocol or cipher');
    expect(counted).not.toContain('No session logged a TLS handshake');
    const plain = await table('May  1 10:00:02 mx postfix/smtpd[1]: disconnect from a.example[192.0.2.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5');
    expect(plain).not.toContain('No session logged a TLS handshake');
    const old = await table('May  1 10:00:02 mx postfix/smtpd[1]: disconnect from a.example[192.0.2.1]');
    expect(old).toContain('No session logged a TLS handshake, and no line has the command counters');
  });

  it('parse prints sessions with diagnoses, and JSON with --json', async () => {
    const text = io();
    expect(await logsCommand(['parse', fixturePath('seed-maillog.log')], text)).toBe(0);
    expect(text.out()).toContain('FAILED unknown-protocol: unknown protocol');
    const json = io();
    expect(await logsCommand(['parse', '--json', fixturePath('seed-maillog.log')], json)).toBe(0);
    const parsed = JSON.parse(json.out()) as { sessions: { failure?: { class: string } }[] };
    expect(parsed.sessions.map((s) => s.failure?.class ?? null)).toEqual(['no-shared-cipher', 'no-shared-cipher', null, 'unknown-protocol', 'unknown-protocol', null]);
  });

  it('marks the peers whose every attempt failed TLS and delivered nothing, as a Sendmail that does not fall back', async () => {
    // Postfix 3.7 at TLS 1.3 only, as the lab captured it: Debian's Sendmail limited to TLS 1.2 (172.23.0.5) tried
    // three times; with TLSFallbacktoClear (172.23.0.6) it failed once and resent in clear; 172.23.0.4 got TLS 1.3.
    const file = fixturePath('lab-sendmail-receiver.log');
    const json = io();
    expect(await logsCommand(['analyze', '--json', '--year', '2026', file], json)).toBe(0);
    const peers = (JSON.parse(json.out()) as AnalyzeReport).peers;
    expect(peers.filter((p) => p.everyAttemptFailed === true).map((p) => [p.peer, p.attempts])).toEqual([['172.23.0.5', 3]]);
    expect(peers.find((p) => p.peer === '172.23.0.6')).toMatchObject({ attempts: 2, plaintextDeliveries: 1, failures: { 'unsupported-protocol': 1 } });
    const table = io();
    expect(await logsCommand(['analyze', '--year', '2026', file], table)).toBe(0);
    expect(table.out()).toContain('Failed TLS on every attempt and delivered nothing: 172.23.0.5 (3 attempts).');
  });

  it('parse diagnoses a library error that no session holds, and analyze points to it', async () => {
    // As posted in hardware/mailserver#147: the whole excerpt is the one line of an ECDSA certificate's failure.
    const file = path.join(dir, 'lone-error.log');
    const lone = '2017-08-24T19:23:25.515590+00:00 drogon postfix/submission/smtpd[714]: warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:ssl/record/rec_layer_s3.c:1382:SSL alert number 40';
    writeFileSync(file, `${lone}\n`);
    const text = io();
    expect(await logsCommand(['parse', file], text)).toBe(0);
    expect(text.out()).toContain('- postfix/submission/smtpd[714]@drogon: FAILED peer-aborted: peer aborted: alert "sslv3 alert handshake failure"');
    const json = io();
    expect(await logsCommand(['parse', '--json', file], json)).toBe(0);
    const parsed = JSON.parse(json.out()) as { sessions: unknown[]; unattached: { service: string; pid: number; failure: { class: string; evidence: string[] } }[] };
    expect(parsed.sessions).toEqual([]);
    expect(parsed.unattached).toMatchObject([{ service: 'postfix/submission/smtpd', pid: 714, failure: { class: 'peer-aborted', evidence: [lone] } }]);
    const table = io();
    expect(await logsCommand(['analyze', file], table)).toBe(0);
    expect(table.out()).toContain('`tlslab logs parse` diagnoses the TLS failures logged outside sessions');
    // A library error of a process whose failed session the excerpt holds is that session's, not one of its own.
    const seed = io();
    expect(await logsCommand(['parse', fixturePath('seed-maillog.log')], seed)).toBe(0);
    expect(seed.out()).not.toContain('outside every session');
  });

  it('parse says which way a tlsproxy connection went (its client connections last: held back for smtp lines that never came)', async () => {
    const file = path.join(dir, 'tlsproxy.log');
    writeFileSync(file, `${TLSPROXY_LINES.join('\n')}\n`);
    const cli = io();
    expect(await logsCommand(['parse', file], cli)).toBe(0);
    const heads = cli.out().split('\n').filter((line) => line.startsWith('#')).map((line) => line.replace(/^#\d+ \S+ \S+ /, '').replace(/: (?:TLS|FAILED) .*$/, ''));
    expect(heads).toEqual([
      'from [198.51.100.7]:40000', 'from [198.51.100.7]:40002',
      'to gmail-smtp-in.l.google.com[173.194.222.27]:25', 'to mailcluster.loopia.se[93.188.3.14]:25', 'to mail4.gotanet.se[212.3.0.44]:25',
    ]);
  });

  it('returns 2 on usage errors and prints help', async () => {
    const bad = io();
    expect(await logsCommand(['frobnicate'], bad)).toBe(2);
    expect(bad.err()).toContain('unknown command "frobnicate"');
    expect(await logsCommand(['analyze', '--bogus'], io())).toBe(2);
    const help = io();
    expect(await logsCommand(['--help'], help)).toBe(0);
    expect(help.out()).toContain('Usage: tlslab logs');
    await expect(logsCommand(['analyze', '--since', 'yesterday-ish', fixturePath('seed-maillog.log')], io())).rejects.toMatchObject({ code: 'LAB_USAGE' });
    // Date.parse would have read it as a day in 2001 and let every session pass.
    await expect(logsCommand(['analyze', '--since', 'Aug 23 19:00 yesterday', fixturePath('seed-maillog.log')], io())).rejects.toMatchObject({ code: 'LAB_USAGE' });
    await expect(logsCommand(['analyze', '--since', '2024-08-24', '--until', '2024-08-23', fixturePath('seed-maillog.log')], io()))
      .rejects.toMatchObject({ code: 'LAB_USAGE', message: expect.stringContaining('is after --until') });
    // A syslog stamp as the log writes it, in the year --year gives the log.
    const stamped = io();
    expect(await logsCommand(['analyze', '--json', '--year', '2024', '--since', 'Aug 23 21:00', fixturePath('seed-maillog.log')], stamped)).toBe(0);
    const all = io();
    expect(await logsCommand(['analyze', '--json', '--year', '2024', fixturePath('seed-maillog.log')], all)).toBe(0);
    const total = (out: string) => (JSON.parse(out) as AnalyzeReport).sessions.total;
    expect(total(stamped.out())).toBeGreaterThan(0);
    expect(total(stamped.out())).toBeLessThan(total(all.out()));
    await expect(logsCommand(['analyze', path.join(dir, 'missing.log')], io())).rejects.toMatchObject({ code: 'LAB_INPUT_INVALID' });
  });
});
