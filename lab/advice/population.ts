import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadSenderProfiles } from '../senders/profiles.ts';
import { defaultDestinationToolchain, destinationSchema, type ScenarioInput, type SenderProfile } from '../scenario/schema.ts';
import type { Toolchain } from '../toolchains/model.ts';
import { missingSourcesOf, type SourceOptions } from '../toolchains/sources.ts';
import { loadYamlFile } from '../validation.ts';

/** The outbound destinations of every capability (outbound-destinations.yaml). */
export const DESTINATIONS_FILE = fileURLToPath(new URL('./outbound-destinations.yaml', import.meta.url));

/** Every sender and destination validate runs, and what had to be left out. */
export interface Population {
  senders: NonNullable<ScenarioInput['senders']>;
  outbound: NonNullable<ScenarioInput['outbound']>;
  /** Profiles or destinations left out, each with why (e.g. release tarballs missing). */
  skipped: string[];
}

/** An expectation is required by the scenario model; runs of a population are observe-only, so it is never judged. */
const UNJUDGED = { outcome: 'tls' } as const;

/**
 * The whole sender population (every profile in scenarios/senders) and every outbound
 * destination, leaving out those whose toolchain cannot be built here (its sources are missing).
 */
export async function loadPopulation(toolchains: Map<string, Toolchain>, options: { profiles?: Map<string, SenderProfile>; sources?: SourceOptions } = {}): Promise<Population> {
  const profiles = options.profiles ?? (await loadSenderProfiles());
  const destinations = await loadYamlFile(DESTINATIONS_FILE, z.array(destinationSchema.omit({ expect: true })), 'LAB_INPUT_INVALID');
  const skipped: string[] = [];
  const buildable = async (toolchain: string, what: string) => {
    if (!toolchains.has(toolchain)) {
      skipped.push(`${what}: no toolchain "${toolchain}"`);
      return false;
    }
    const missing = await missingSourcesOf(toolchains, toolchain, options.sources);
    if (missing.length > 0) skipped.push(`${what}: toolchain ${toolchain} cannot be built here, its release tarballs are missing (${missing.join(', ')}; see "tlslab sources list")`);
    return missing.length === 0;
  };
  const senders: Population['senders'] = [];
  for (const profile of profiles.values()) {
    if (!profile.population) continue;
    if (await buildable(profile.toolchain ?? 'debian-bookworm', `sender ${profile.name}`)) senders.push({ profile: profile.name, expect: UNJUDGED });
  }
  const outbound: Population['outbound'] = [];
  for (const destination of destinations) {
    const toolchain = destination.toolchain ?? defaultDestinationToolchain(destination.server);
    // Its files lie next to the population file, whatever folder the run reads the admin's files from.
    const files = Object.fromEntries(Object.entries(destination.files).map(([name, file]) => [name, resolve(dirname(DESTINATIONS_FILE), file)]));
    if (await buildable(toolchain, `destination ${destination.name}`)) outbound.push({ ...destination, files, toolchain, expect: UNJUDGED });
  }
  return { senders, outbound, skipped };
}
