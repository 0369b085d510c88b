import type { Engine } from '../docker/engine.ts';
import type { Toolchain } from '../toolchains/model.ts';
import type { SourceOptions } from '../toolchains/sources.ts';
import { imageRepository, plannedTag } from './build.ts';

/**
 * Removes toolchain images that no current recipe names any more (older content hashes), and
 * images of toolchains that no longer exist. Base images and current images are kept.
 */
export async function pruneToolchainImages(engine: Engine, toolchains: Map<string, Toolchain>, sources: SourceOptions = {}): Promise<string[]> {
  const current = new Set<string>();
  for (const name of toolchains.keys()) {
    const tag = await plannedTag(engine, toolchains, name, sources);
    if (tag) current.add(tag);
  }
  const removed: string[] = [];
  const images = await engine.listImages({ filters: { reference: ['tlslab/*'] } });
  for (const image of images) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith('tlslab/base:') || current.has(tag)) continue;
      const repository = tag.split(':')[0]!;
      const known = [...toolchains.keys()].some((name) => imageRepository(name) === repository);
      // A parent that is not built yet leaves its children's tags unknown: keep them rather than guess.
      if (known && ![...current].some((t) => t.startsWith(`${repository}:`))) continue;
      await engine.getImage(tag).remove({ noprune: false }).then(
        () => removed.push(tag),
        () => {},
      );
    }
  }
  return removed;
}
