/**
 * Warm wall time of `tlslab validate` on the full sender population, with a baseline (two runs):
 * images are built first (not timed), then validate runs against the example configurations.
 *   npx tsx bench/validate.ts [--proposal DIR] [--baseline DIR]
 */
import { parseArgs } from 'node:util';
import { validateConfig } from '../lab/advice/validate.ts';
import { connectEngine } from '../lab/docker/engine.ts';
import { ensureToolchainImage } from '../lab/images/build.ts';
import { loadPopulation } from '../lab/advice/population.ts';
import { loadToolchains } from '../lab/toolchains/registry.ts';
import { loadSenderProfiles } from '../lab/senders/profiles.ts';

const { values } = parseArgs({
  options: {
    proposal: { type: 'string', default: 'test/fixtures/configs/bookworm-tls12-minimum' },
    baseline: { type: 'string', default: 'test/fixtures/configs/bookworm-baseline' },
    toolchain: { type: 'string', default: 'debian-bookworm' },
  },
});
const engine = await connectEngine();
const toolchains = await loadToolchains();
const profiles = await loadSenderProfiles();
const population = await loadPopulation(toolchains, { profiles });
const needed = new Set([values.toolchain, ...population.senders.map((s) => profiles.get(s.profile!)?.toolchain ?? 'debian-bookworm'), ...population.outbound.map((d) => d.toolchain ?? 'debian-bookworm')]);
for (const name of needed) await ensureToolchainImage(engine, toolchains, name);
const started = Date.now();
const report = await validateConfig({ config: values.proposal, baseline: values.baseline, toolchain: values.toolchain, engine });
const seconds = (Date.now() - started) / 1000;
const runs = [report.baseline, report.proposal].flatMap((s) => (s ? [`${s.label} ${(s.result.timings.totalMs / 1000).toFixed(1)} s`] : []));
console.log(`validate, warm, ${population.senders.length} senders + ${population.outbound.length} destinations, baseline + proposal: ${seconds.toFixed(1)} s (${runs.join(', ')})`);
console.log(report.verdict);
