import type { Engine } from './engine.ts';
import { isNotFound } from './engine.ts';

export interface LabNetwork {
  name: string;
  id: string;
}

/** An internal bridge network: containers reach each other and nothing outside the lab. */
export async function createInternalNetwork(engine: Engine, name: string, labels: Record<string, string>): Promise<LabNetwork> {
  const network = await engine.createNetwork({ Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: labels });
  return { name, id: network.id };
}

export async function removeNetwork(engine: Engine, id: string): Promise<void> {
  try {
    await engine.getNetwork(id).remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
