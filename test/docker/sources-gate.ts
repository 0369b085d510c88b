import { isLabError } from '../../lab/errors.ts';
import type { LoadedScenario } from '../../lab/scenario/load.ts';
import { loadSenderProfiles, resolveSenders } from '../../lab/senders/profiles.ts';
import { lineage, loadToolchains } from '../../lab/toolchains/registry.ts';
import { resolveToolchainSources } from '../../lab/toolchains/sources.ts';

/**
 * Why a scenario cannot run here: the LAB_SOURCE_MISSING message of the first release tarball one
 * of its toolchains needs and the sources directory lacks; undefined when everything is present.
 */
export async function missingSources(loaded: LoadedScenario): Promise<string | undefined> {
  const toolchains = await loadToolchains();
  const senders = resolveSenders(loaded.scenario, await loadSenderProfiles());
  const names = new Set([loaded.scenario.receiver.toolchain, ...senders.map((s) => s.toolchain), ...loaded.scenario.outbound.map((d) => d.toolchain)]);
  for (const name of names) {
    for (const toolchain of lineage(toolchains, name)) {
      try {
        await resolveToolchainSources(toolchain);
      } catch (error) {
        if (isLabError(error, 'LAB_SOURCE_MISSING')) return error.message;
        throw error;
      }
    }
  }
  return undefined;
}
