/**
 * Benchmark of `analyzeLogs` against a grep | awk | sort | uniq pipeline on the same generated log, in the same run.
 * Usage: npx tsx bench/logs-analyze.ts [--size-mb N]   (default 1024)
 *
 * The log comes from test/fixtures/logs/generate-log.ts: interleaved sessions, a few thousand peers, TLS successes
 * and failures, plaintext, rejects, outbound deliveries, cleanup/qmgr/local/smtp queue lines, other programs, and
 * six header formats. The pipeline extracts protocol and cipher of every `TLS connection established` line; the
 * analyzer's protocol and cipher distributions must equal the pipeline's (the generator logs no established
 * session that later fails), and the script prints whether they do. The analyzer runs twice: as `tlslab logs
 * analyze` runs it (a scanning worker for a file this large), and in one thread.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { analyzeLogs, type AnalyzeReport } from '../lab/logs/index.ts';
import { LogGenerator } from '../test/fixtures/logs/generate-log.ts';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, child: { type: 'string' }, 'one-thread': { type: 'boolean', default: false } } });
const sizeMb = Number(values['size-mb']);
if (!Number.isFinite(sizeMb) || sizeMb <= 0) throw new Error(`--size-mb: expected a positive number, got ${values['size-mb']}`);

function generate(file: string, bytes: number): LogGenerator {
  const generator = new LogGenerator({ seed: 20240501 });
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    while (written < bytes) written += writeSync(fd, generator.chunk(4 << 20));
  } finally {
    closeSync(fd);
  }
  return generator;
}

function vmHwmMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface ChildResult {
  seconds: number;
  cpuUser: number;
  cpuSystem: number;
  rssBefore: number;
  rssPeak: number;
  hwm: number;
  report: Omit<AnalyzeReport, 'peers'>;
  peers: number;
}

/**
 * The analyzer runs in a child process of its own, so that its peak RSS (VmHWM) is the analyzer's alone and not
 * the generator's; the timing excludes the child's start-up (the tsx loader).
 */
async function child(file: string, oneThread: boolean): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 10);
  const cpu0 = process.cpuUsage();
  const a0 = performance.now();
  const report = await analyzeLogs([file], { year: 2024, ...(oneThread ? { scanWorker: false } : {}) });
  const seconds = (performance.now() - a0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  const { peers, ...summary } = report;
  const result: ChildResult = { seconds, cpuUser: cpu.user / 1e6, cpuSystem: cpu.system / 1e6, rssBefore, rssPeak, hwm: vmHwmMb(), report: summary, peers: peers.length };
  writeSync(1, JSON.stringify(result));
}

/**
 * The least any line-by-line reader in this runtime does: read the file in the analyzer's 4 MB chunks, find each
 * line's end and the `]: ` that ends its syslog header. No event, session or count. Its speed bounds what an
 * analyzer written this way can reach, whatever it does after.
 */
function floor(file: string): number {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let carry = 0;
  let headers = 0;
  const t0 = performance.now();
  try {
    for (;;) {
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      if (n === 0) break;
      const end = carry + n;
      let start = 0;
      for (let newline = buf.indexOf(10, start); newline >= 0 && newline < end; newline = buf.indexOf(10, start)) {
        for (let i = start; i < newline - 2; i++) {
          if (buf[i] === 93 && buf[i + 1] === 58 && buf[i + 2] === 32) {
            headers++;
            break;
          }
        }
        start = newline + 1;
      }
      buf.copy(buf, 0, start, end);
      carry = end - start;
    }
  } finally {
    closeSync(fd);
  }
  if (headers === 0) throw new Error('floor: no syslog header found');
  return (performance.now() - t0) / 1000;
}

if (values.child !== undefined) {
  await child(values.child, values['one-thread']);
  process.exit(0);
}

const dir = mkdtempSync(path.join(tmpdir(), 'tlslab-bench-'));
const file = path.join(dir, 'maillog');
try {
  const t0 = performance.now();
  const generator = generate(file, sizeMb * 1024 * 1024);
  const mb = statSync(file).size / (1024 * 1024);
  console.log(`generated ${mb.toFixed(0)} MB, ${generator.lines} lines, ${generator.sessions} sessions/entries in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${file}`);

  // Warm the page cache so both contenders read from memory.
  spawnSync('bash', ['-c', `cat '${file}' > /dev/null`]);
  const runChild = (oneThread: boolean): ChildResult & { childSeconds: number } => {
    const c0 = performance.now();
    const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', file, ...(oneThread ? ['--one-thread'] : [])];
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
    const childSeconds = (performance.now() - c0) / 1000;
    if (run.status !== 0) throw new Error(`analyzer child failed: ${run.stderr}`);
    return { ...(JSON.parse(run.stdout) as ChildResult), childSeconds };
  };
  const { seconds: analyzerSeconds, cpuUser, cpuSystem, rssBefore, rssPeak, hwm, report, peers, childSeconds } = runChild(false);
  const oneThread = runChild(true);

  const pipeline = `grep -E "TLS connection established" '${file}' | awk '{for (i = 2; i < NF; i++) if ($i == "with" && $(i + 1) == "cipher") { print $(i - 1), $(i + 2); next }}' | sort | uniq -c`;
  const p0 = performance.now();
  const result = spawnSync('bash', ['-c', pipeline], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const pipelineSeconds = (performance.now() - p0) / 1000;
  if (result.status !== 0) throw new Error(`pipeline failed: ${result.stderr}`);
  const pipeProtocols: Record<string, number> = {};
  const pipeCiphers: Record<string, number> = {};
  let pipelineTotal = 0;
  for (const row of result.stdout.trim().split('\n')) {
    const [count = '0', protocol = '', cipher = ''] = row.trim().split(/\s+/);
    const n = Number(count);
    pipelineTotal += n;
    pipeProtocols[protocol] = (pipeProtocols[protocol] ?? 0) + n;
    pipeCiphers[cipher] = (pipeCiphers[cipher] ?? 0) + n;
  }
  const floorSeconds = floor(file);
  const grepCount = Number(spawnSync('bash', ['-c', `grep -c "TLS connection established" '${file}'`], { encoding: 'utf8' }).stdout.trim());
  const agree = isDeepStrictEqual(sorted(pipeProtocols), sorted(report.protocols)) && isDeepStrictEqual(sorted(pipeCiphers), sorted(report.ciphers));

  const analyzerMbs = mb / analyzerSeconds;
  const pipelineMbs = mb / pipelineSeconds;
  const { stats, sessions } = report;
  console.log(`analyzer: ${analyzerSeconds.toFixed(2)} s, ${analyzerMbs.toFixed(0)} MB/s (CPU ${cpuUser.toFixed(2)} s user + ${cpuSystem.toFixed(2)} s sys; ` +
    `${childSeconds.toFixed(2)} s with process and tsx start-up), ` +
    `${stats.lines} lines (${stats.events} events, ${stats.unrecognised} unrecognised, ${stats.foreign} foreign)`);
  console.log(`analyzer in one thread (no scanning worker): ${oneThread.seconds.toFixed(2)} s, ${(mb / oneThread.seconds).toFixed(0)} MB/s, ` +
    `peak RSS ${(oneThread.hwm).toFixed(0)} MB, same report: ${isDeepStrictEqual(oneThread.report, report) ? 'yes' : 'NO'}`);
  console.log(`analyzer: ${sessions.total} sessions (${sessions.tls} TLS, ${sessions.failed} failed, ${sessions.plaintext} plaintext deliveries), ` +
    `${peers} peers, ${Object.keys(report.failures).length} failure classes`);
  console.log(`analyzer RSS: peak ${(rssPeak / 1048576).toFixed(0)} MB sampled every 10 ms during the run (${(rssBefore / 1048576).toFixed(0)} MB before it); ` +
    `analyzer process VmHWM ${hwm.toFixed(0)} MB`);
  console.log(`pipeline: ${pipelineSeconds.toFixed(2)} s, ${pipelineMbs.toFixed(0)} MB/s, ${pipelineTotal} established lines extracted (grep -c: ${grepCount})`);
  console.log(`pipeline output:\n${result.stdout.trimEnd()}`);
  console.log(`protocols: analyzer ${JSON.stringify(sorted(report.protocols))}`);
  console.log(`protocols: pipeline ${JSON.stringify(sorted(pipeProtocols))}`);
  console.log(`protocol/cipher distributions agree: ${agree ? 'yes' : 'NO'}`);
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine slows both contenders)`);
  console.log(`floor: reading the file and finding each line's end and header, nothing else: ${floorSeconds.toFixed(2)} s, ${(mb / floorSeconds).toFixed(0)} MB/s, ` +
    `${(mb / floorSeconds / pipelineMbs).toFixed(2)} of the pipeline`);
  console.log(`ratio analyzer/pipeline: ${(analyzerMbs / pipelineMbs).toFixed(2)} (target >= 0.5: ${analyzerMbs / pipelineMbs >= 0.5 ? 'met' : 'NOT met'})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
