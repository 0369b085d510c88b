import type { Engine } from './engine.ts';
import { isNotFound } from './engine.ts';
import { LABEL } from './labels.ts';
import { removeNetwork } from './network.ts';

export interface CleanupResult {
  containers: string[];
  networks: string[];
  /** Networks the engine refused to remove, with its reason. */
  failed: string[];
}

/**
 * Removes every container and network the lab labelled, or only those of one run (and scenario).
 * With `networks: false`, containers only.
 */
export async function removeLabelled(engine: Engine, runId?: string, scenario?: string, options: { networks?: boolean } = {}): Promise<CleanupResult> {
  const label = runId === undefined ? [`${LABEL.managed}=true`] : [`${LABEL.runId}=${runId}`];
  if (scenario !== undefined) label.push(`${LABEL.scenario}=${scenario}`);
  const containers = await engine.listContainers({ all: true, filters: { label } });
  await Promise.all(
    containers.map(async (c) => {
      try {
        await engine.getContainer(c.Id).remove({ force: true, v: true });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }),
  );
  const networks = options.networks === false ? [] : await engine.listNetworks({ filters: { label } });
  const removed: string[] = [];
  const failed: string[] = [];
  for (const n of networks) {
    try {
      await removeNetwork(engine, n.Id);
      removed.push(n.Name);
    } catch (error) {
      failed.push(`${n.Name}: ${(error as Error).message}`);
    }
  }
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id), networks: removed, failed };
}
