import { LabError } from '../errors.ts';
import { TOOLCHAINS_DIR } from '../paths.ts';
import { loadNamedYamlFiles } from '../validation.ts';
import { toolchainSchema, type Toolchain } from './model.ts';

/**
 * Loads every toolchain file in a folder (default: images/toolchains), checking names and parents.
 * `*.lock.yaml` files there are not toolchains (the sources lockfile).
 */
export async function loadToolchains(dir: string = TOOLCHAINS_DIR): Promise<Map<string, Toolchain>> {
  const toolchains = await loadNamedYamlFiles(dir, toolchainSchema);
  for (const toolchain of toolchains.values()) {
    if (toolchain.parent !== undefined && !toolchains.has(toolchain.parent)) {
      throw new LabError('LAB_INPUT_INVALID', `${toolchain.name}.yaml: parent: no toolchain "${toolchain.parent}"`);
    }
  }
  return toolchains;
}

export function getToolchain(toolchains: Map<string, Toolchain>, name: string): Toolchain {
  const toolchain = toolchains.get(name);
  if (!toolchain) {
    throw new LabError(
      'LAB_TOOLCHAIN_UNKNOWN',
      `No toolchain "${name}". Known: ${[...toolchains.keys()].join(', ')}. A toolchain is a file in images/toolchains/.`,
      { context: { name } },
    );
  }
  return toolchain;
}

/** The chain from the root toolchain down to this one; parents are built first. */
export function lineage(toolchains: Map<string, Toolchain>, name: string): Toolchain[] {
  const chain: Toolchain[] = [];
  const seen = new Set<string>();
  let current: Toolchain | undefined = getToolchain(toolchains, name);
  while (current) {
    if (seen.has(current.name)) throw new LabError('LAB_INPUT_INVALID', `toolchain parents form a cycle at "${current.name}"`);
    seen.add(current.name);
    chain.unshift(current);
    current = current.parent === undefined ? undefined : getToolchain(toolchains, current.parent);
  }
  return chain;
}

/** The Debian release at the root of a toolchain's lineage. */
export function baseRelease(toolchains: Map<string, Toolchain>, name: string): string {
  const root = lineage(toolchains, name)[0];
  if (!root?.base) throw new LabError('LAB_INPUT_INVALID', `toolchain "${name}" has no base release`);
  return root.base;
}
