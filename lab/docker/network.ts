import type { Engine } from './engine.ts';
import { dnsLabel } from './labels.ts';
import { isNotFound } from './engine.ts';

export interface LabNetwork {
  name: string;
  id: string;
}

/** An internal bridge network: containers reach each other and nothing outside the lab. */
export async function createInternalNetwork(engine: Engine, name: string, labels: Record<string, string>): Promise<LabNetwork> {
  const label = dnsLabel(name);
  const network = await engine.createNetwork({ Name: label, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: labels });
  return { name: label, id: network.id };
}

/**
 * Removes a network. The engine can still list an endpoint for a moment after its container is
 * gone, so stale endpoints are disconnected and the removal is retried for a few seconds.
 */
export async function removeNetwork(engine: Engine, id: string, deadlineMs = 10_000): Promise<void> {
  const network = engine.getNetwork(id);
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await network.remove();
      return;
    } catch (error) {
      if (isNotFound(error)) return;
      if (!/active endpoints/.test(String((error as Error).message)) || Date.now() > deadline) throw error;
    }
    const info = (await network.inspect().catch(() => undefined)) as { Containers?: Record<string, unknown> } | undefined;
    for (const container of Object.keys(info?.Containers ?? {})) {
      await network.disconnect({ Container: container, Force: true }).catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Takes a container off a network; a container or network that is already gone is fine. */
export async function disconnectFromNetwork(engine: Engine, networkId: string, containerId: string): Promise<void> {
  try {
    await engine.getNetwork(networkId).disconnect({ Container: containerId, Force: true });
  } catch (error) {
    if (!isNotFound(error) && !/is not connected/.test(String((error as Error).message))) throw error;
  }
}
