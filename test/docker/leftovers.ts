import { connectEngine } from '../../lab/docker/engine.ts';
import { LABEL } from '../../lab/docker/labels.ts';

/** Names of containers and networks still carrying a run's label. */
export async function leftovers(runId: string): Promise<string[]> {
  const engine = await connectEngine();
  const filters = { label: [`${LABEL.runId}=${runId}`] };
  const containers = await engine.listContainers({ all: true, filters });
  const networks = await engine.listNetworks({ filters });
  return [...containers.map((c) => `container ${c.Names.join(',')}`), ...networks.map((n) => `network ${n.Name}`)];
}
