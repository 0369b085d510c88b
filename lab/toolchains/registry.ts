import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LabError } from '../errors.ts';
import { TOOLCHAINS_DIR } from '../paths.ts';
import { loadYamlFile } from '../validation.ts';
import { toolchainSchema, type Toolchain } from './model.ts';

/**
 * Loads every toolchain file in a folder (default: images/toolchains), checking names and parents.
 * `*.lock.yaml` files there are not toolchains (the sources lockfile).
 */
export async function loadToolchains(dir: string = TOOLCHAINS_DIR): Promise<Map<string, Toolchain>> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && !/\.lock\.ya?ml$/.test(f)).sort();
  const toolchains = new Map<string, Toolchain>();
  for (const file of files) {
    const toolchain = await loadYamlFile(join(dir, file), toolchainSchema, 'LAB_INPUT_INVALID');
    const expected = file.replace(/\.ya?ml$/, '');
    if (toolchain.name !== expected) {
      throw new LabError('LAB_INPUT_INVALID', `${file}: name: expected "${expected}" (the file name); got "${toolchain.name}"`);
    }
    toolchains.set(toolchain.name, toolchain);
  }
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
