import { isLabError } from '../../lab/errors.ts';
import type { LoadedScenario } from '../../lab/scenario/load.ts';
import { loadSenderProfiles, resolveSenders } from '../../lab/senders/profiles.ts';
import { lineage, loadToolchains } from '../../lab/toolchains/registry.ts';
import { resolveToolchainSources } from '../../lab/toolchains/sources.ts';

/**
 * Why a toolchain cannot be built here, with the lab's own message: a release tarball it (or a parent) needs is
 * missing from the sources directory (LAB_SOURCE_MISSING), or is there without a matching pinned checksum and
 * without the explicit trust that such a file needs (LAB_SOURCE_UNTRUSTED). Undefined when it can be built. Tests
 * skip with this message rather than fail: only the user can add a tarball or trust one.
 */
export async function unusableSources(name: string): Promise<string | undefined> {
  const toolchains = await loadToolchains();
  for (const toolchain of lineage(toolchains, name)) {
    try {
      await resolveToolchainSources(toolchain);
    } catch (error) {
      if (isLabError(error, 'LAB_SOURCE_MISSING') || isLabError(error, 'LAB_SOURCE_UNTRUSTED')) return `${error.code}: ${error.message}`;
      throw error;
    }
  }
  return undefined;
}

/** `unusableSources` of the first toolchain of a scenario (receiver, senders, destinations) that cannot be built. */
export async function missingSources(loaded: LoadedScenario): Promise<string | undefined> {
  const senders = resolveSenders(loaded.scenario, await loadSenderProfiles());
  const names = new Set([loaded.scenario.receiver.toolchain, ...senders.map((s) => s.toolchain), ...loaded.scenario.outbound.map((d) => d.toolchain)]);
  for (const name of names) {
    const unusable = await unusableSources(name);
    if (unusable !== undefined) return unusable;
  }
  return undefined;
}
