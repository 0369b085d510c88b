/**
 * Benchmark of `analyzeLogs` against a grep | awk | sort | uniq pipeline on the same generated log.
 * Usage: npx tsx bench/logs-analyze.ts [--size-mb N]   (default 1024)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { analyzeLogs } from '../lab/logs/index.ts';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' } } });
const sizeMb = Number(values['size-mb']);
if (!Number.isFinite(sizeMb) || sizeMb <= 0) throw new Error(`--size-mb: expected a positive number, got ${values['size-mb']}`);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CIPHERS = [['TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 256], ['TLSv1.2', 'DHE-RSA-AES256-GCM-SHA384', 256], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 256],
  ['TLSv1', 'DHE-RSA-AES256-SHA', 256], ['TLSv1.2', 'AES128-GCM-SHA256', 128]] as const;
const ERRORS = [
  'error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:',
  'error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1657:',
  'error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1427:',
  'error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:354:',
];

/** Write one session's lines for session number `n` in one of several header formats. */
function session(n: number): string {
  const sec = n % 60;
  const min = Math.floor(n / 60) % 60;
  const hour = Math.floor(n / 3600) % 24;
  const day = 1 + (Math.floor(n / 86400) % 28);
  const two = (v: number): string => (v < 10 ? `0${v}` : String(v));
  const format = n % 4;
  const stamp = format === 1
    ? `2024-05-${two(day)}T${two(hour)}:${two(min)}:${two(sec)}.${String(n % 1000000).padStart(6, '0')}+02:00 mx1`
    : format === 2 ? `${MONTHS[n % 12]} ${day < 10 ? ` ${day}` : day} ${two(hour)}:${two(min)}:${two(sec)} mx2 mail.info`
      : `${MONTHS[n % 12]} ${day < 10 ? ` ${day}` : day} ${two(hour)}:${two(min)}:${two(sec)} mx3`;
  const pid = 1000 + (n % 30000);
  const host = n % 5000;
  const peer = `client${host}.example.net[10.0.${host >> 8}.${host & 255}]`;
  const qid = (0x100000000 + n * 7919).toString(16).toUpperCase().slice(-10);
  const p = `${stamp} postfix/smtpd[${pid}]: `;
  const kind = n % 10;
  if (kind === 9) {
    const relay = `mx${n % 300}.example.org[192.0.${(n >> 8) & 255}.${n & 255}]:25`;
    const o = `${stamp} postfix-out/smtp[${pid}]: `;
    return `${o}setting up TLS connection to ${relay}\n${o}Trusted TLS connection established to ${relay}: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256\n` +
      `${o}${qid}: to=<user${n}@example.org>, relay=${relay}, delay=0.52, delays=0.1/0.01/0.2/0.21, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)\n`;
  }
  let lines = `${p}connect from ${peer}\n${p}setting up TLS connection from ${peer}\n`;
  if (kind < 7) {
    const [protocol, cipher, bits] = CIPHERS[n % CIPHERS.length] ?? CIPHERS[0];
    if (n % 3 === 0) lines += `${p}SSL_accept:before SSL initialization\n${p}SSL_accept:SSLv3/TLS read client hello\n${p}SSL_accept:SSLv3/TLS write server hello\n`;
    lines += `${p}Anonymous TLS connection established from ${peer}: ${protocol} with cipher ${cipher} (${bits}/${bits} bits)\n` +
      `${p}${qid}: client=${peer}\n${stamp} postfix/cleanup[${pid + 1}]: ${qid}: message-id=<${n}@example.net>\n` +
      `${stamp} postfix/qmgr[900]: ${qid}: from=<sender${n}@example.net>, size=${3000 + n % 9000}, nrcpt=1 (queue active)\n` +
      `${p}disconnect from ${peer} ehlo=1 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=6\n` +
      `${stamp} postfix/local[${pid + 2}]: ${qid}: to=<u${n % 100}@mx.example>, relay=local, delay=0.1, delays=0.05/0.01/0/0.04, dsn=2.0.0, status=sent (delivered to mailbox)\n` +
      `${stamp} postfix/qmgr[900]: ${qid}: removed\n`;
  } else {
    lines += `${p}SSL_accept error from ${peer}: -1\n${p}warning: TLS library problem: ${ERRORS[n % ERRORS.length] ?? ''}\n` +
      `${p}lost connection after STARTTLS from ${peer}\n${p}disconnect from ${peer} ehlo=1 starttls=0/1 commands=1/2\n`;
  }
  if (n % 50 === 0) lines += `${stamp} opendkim[77]: ${qid}: DKIM verification successful\n`;
  return lines;
}

function generate(file: string, bytes: number): number {
  const fd = openSync(file, 'w');
  let written = 0;
  let n = 0;
  try {
    while (written < bytes) {
      let chunk = '';
      while (chunk.length < 4 << 20) chunk += session(n++);
      written += writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return n;
}

const dir = mkdtempSync(path.join(tmpdir(), 'tlslab-bench-'));
const file = path.join(dir, 'maillog');
try {
  const t0 = performance.now();
  const sessions = generate(file, sizeMb * 1024 * 1024);
  const mb = statSync(file).size / (1024 * 1024);
  console.log(`generated ${mb.toFixed(0)} MB, ${sessions} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${file}`);

  // Warm the page cache so both contenders read from memory.
  spawnSync('bash', ['-c', `cat '${file}' > /dev/null`]);

  const rssBefore = process.resourceUsage().maxRSS;
  const a0 = performance.now();
  const report = await analyzeLogs([file], { year: 2024 });
  const analyzerSeconds = (performance.now() - a0) / 1000;
  const rssAfter = process.resourceUsage().maxRSS;

  const pipeline = `grep -E "TLS connection established" '${file}' | awk '{for (i = 2; i < NF; i++) if ($i == "with" && $(i + 1) == "cipher") { print $(i - 1), $(i + 2); next }}' | sort | uniq -c`;
  const p0 = performance.now();
  const result = spawnSync('bash', ['-c', pipeline], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const pipelineSeconds = (performance.now() - p0) / 1000;
  if (result.status !== 0) throw new Error(`pipeline failed: ${result.stderr}`);
  const pipelineTotal = result.stdout.trim().split('\n').reduce((sum, row) => sum + Number(row.trim().split(/\s+/)[0]), 0);

  const analyzerMbs = mb / analyzerSeconds;
  const pipelineMbs = mb / pipelineSeconds;
  console.log(`analyzer: ${analyzerSeconds.toFixed(2)} s, ${analyzerMbs.toFixed(0)} MB/s, ${report.sessions.total} sessions (${report.sessions.tls} TLS, ${report.sessions.failed} failed), ${report.stats.lines} lines`);
  console.log(`analyzer peak RSS: ${(rssAfter / 1024).toFixed(0)} MB (process peak before the run: ${(rssBefore / 1024).toFixed(0)} MB)`);
  console.log(`pipeline: ${pipelineSeconds.toFixed(2)} s, ${pipelineMbs.toFixed(0)} MB/s, ${pipelineTotal} established lines`);
  console.log(`pipeline output:\n${result.stdout.trimEnd()}`);
  console.log(`ratio analyzer/pipeline: ${(analyzerMbs / pipelineMbs).toFixed(2)} (target >= 0.5)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
