import { connectEngine } from '../../lab/docker/engine.ts';
import { ensureToolchainImage } from '../../lab/images/build.ts';
import { loadToolchains } from '../../lab/toolchains/registry.ts';

/**
 * Docker tests share one engine and the stock bookworm image; building it here keeps image builds
 * out of test timeouts and prints their progress once.
 */
export default async function setup(): Promise<void> {
  const engine = await connectEngine();
  const toolchains = await loadToolchains();
  const started = Date.now();
  const image = await ensureToolchainImage(engine, toolchains, 'debian-bookworm', {
    progress: (event) => {
      if (event.kind === 'phase' || event.kind === 'done') process.stderr.write(`[global-setup] ${event.phase}: ${event.detail ?? ''}\n`);
      if (event.kind === 'step') process.stderr.write(`[global-setup] ${event.image} step ${event.step}/${event.total}\n`);
    },
  });
  process.stderr.write(`[global-setup] ${image.tag} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
