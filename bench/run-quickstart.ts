/**
 * Times the lab end to end: `tlslab run scenarios/quickstart.yaml` cold (toolchain image removed
 * first, with --cold) and warm, image build time, and the marginal time of each added sender.
 *
 *   npx tsx bench/run-quickstart.ts [--cold] [--repeat N]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { connectEngine } from '../lab/docker/engine.ts';
import { readBuildRecords } from '../lab/images/build-records.ts';
import { listToolchainImages } from '../lab/images/inventory.ts';
import { loadToolchains } from '../lab/toolchains/registry.ts';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { cold: { type: 'boolean', default: false }, repeat: { type: 'string', default: '3' } } });
const repeat = Number(values.repeat);

async function timeRun(file: string): Promise<number> {
  const started = performance.now();
  const result = await execa('node', [join(root, 'bin/tlslab.js'), 'run', file], { cwd: root, reject: false });
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`tlslab run ${file} exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`);
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const engine = await connectEngine();
if (values.cold) {
  const statuses = await listToolchainImages(engine, await loadToolchains());
  const tag = statuses.find((s) => s.toolchain === 'debian-bookworm')?.tag;
  if (tag) await engine.getImage(tag).remove({ force: true }).catch(() => {});
  const cold = await timeRun('scenarios/quickstart.yaml');
  console.log(`cold run (toolchain image rebuilt, base kept): ${cold.toFixed(1)} s`);
}

const warm: number[] = [];
for (let i = 0; i < repeat; i++) warm.push(await timeRun('scenarios/quickstart.yaml'));
console.log(`warm run, 4 senders (median of ${repeat}): ${median(warm).toFixed(2)} s  [${warm.map((w) => w.toFixed(2)).join(', ')}]`);

const records = await readBuildRecords();
for (const [tag, record] of Object.entries(records)) console.log(`image build: ${tag} ${record.seconds} s (${record.builtAt})`);

const dir = await mkdtemp(join(tmpdir(), 'tlslab-bench-'));
const counts = [1, 4, 8, 16];
const perCount: { senders: number; seconds: number }[] = [];
for (const n of counts) {
  const senders = Array.from({ length: n }, (_, i) => `  - name: s${i}\n    expect: { outcome: tls }\n`).join('');
  const file = join(dir, `senders-${n}.yaml`);
  await writeFile(file, `name: bench-${n}\nreceiver: {}\nsenders:\n${senders}`);
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) times.push(await timeRun(file));
  perCount.push({ senders: n, seconds: median(times) });
  console.log(`${String(n).padStart(2)} sender(s): ${median(times).toFixed(2)} s (median of ${repeat})`);
}
await rm(dir, { recursive: true, force: true });
const first = perCount[0]!;
const last = perCount.at(-1)!;
console.log(`marginal time per added sender: ${((last.seconds - first.seconds) / (last.senders - first.senders)).toFixed(3)} s`);
