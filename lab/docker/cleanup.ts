import type { Engine } from './engine.ts';
import { isNotFound } from './engine.ts';
import { LABEL } from './labels.ts';
import { removeNetwork } from './network.ts';

export interface CleanupResult {
  containers: string[];
  networks: string[];
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
  for (const n of networks) await removeNetwork(engine, n.Id);
  return { containers: containers.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id), networks: networks.map((n) => n.Name) };
}
