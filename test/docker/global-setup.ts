import { connectEngine } from '../../lab/docker/engine.ts';
import { ensureToolchainImage } from '../../lab/images/build.ts';
import { loadToolchains } from '../../lab/toolchains/registry.ts';

/** The images most Docker tests use: the stock and legacy-capable bookworm stacks, Exim, Sendmail, and the Java and Go clients (all in the sender population). */
const SHARED_TOOLCHAINS = ['debian-bookworm', 'debian-bookworm-legacy-openssl', 'debian-bookworm-exim', 'debian-bookworm-sendmail', 'debian-bookworm-java', 'debian-trixie-go'];

/**
 * Docker tests share one engine and these images; building them here keeps image builds out of
 * test timeouts and prints their progress once.
 */
export default async function setup(): Promise<void> {
  const engine = await connectEngine();
  const toolchains = await loadToolchains();
  for (const name of SHARED_TOOLCHAINS) {
    const started = Date.now();
    const image = await ensureToolchainImage(engine, toolchains, name, {
      progress: (event) => {
        if (event.kind === 'phase' || event.kind === 'done') process.stderr.write(`[global-setup] ${event.phase}: ${event.detail ?? ''}\n`);
        if (event.kind === 'step') process.stderr.write(`[global-setup] ${event.image} step ${event.step}/${event.total} (${(event.elapsedMs / 1000).toFixed(0)} s)\n`);
      },
    });
    process.stderr.write(`[global-setup] ${image.tag} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}
