import type { Engine } from '../docker/engine.ts';
import type { Toolchain } from '../toolchains/model.ts';
import { missingSourcesOf, type SourceOptions } from '../toolchains/sources.ts';
import { readBuildRecords } from './build-records.ts';
import { plannedTag } from './build.ts';

export interface ImageStatus {
  toolchain: string;
  description: string;
  postfix: string | null;
  tls: string;
  /** The tag the current recipe gives; undefined when a parent image is not built yet. */
  tag?: string;
  built: boolean;
  sizeBytes?: number;
  buildSeconds?: number;
  /** Release tarballs this image or a parent needs that are not in the sources directory. */
  missingSources: string[];
}

/** Each toolchain with whether its current recipe is built, its size and how long it took. */
export async function listToolchainImages(
  engine: Engine,
  toolchains: Map<string, Toolchain>,
  sources: SourceOptions = {},
): Promise<ImageStatus[]> {
  const records = await readBuildRecords();
  const statuses: ImageStatus[] = [];
  for (const toolchain of toolchains.values()) {
    const tag = await plannedTag(engine, toolchains, toolchain.name, sources);
    const status: ImageStatus = {
      toolchain: toolchain.name,
      description: toolchain.description,
      postfix: toolchain.postfix?.version ?? null,
      tls: `${toolchain.tls.library} ${toolchain.tls.version}${toolchain.tls.options.length ? ` (${toolchain.tls.options.join(' ')})` : ''}`,
      built: false,
      ...(tag ? { tag } : {}),
      missingSources: await missingSourcesOf(toolchains, toolchain.name, sources),
    };
    if (tag) {
      try {
        const info = await engine.getImage(tag).inspect();
        status.built = true;
        status.sizeBytes = info.Size;
        const record = records[tag];
        if (record) status.buildSeconds = record.seconds;
      } catch {
        status.built = false;
      }
    }
    statuses.push(status);
  }
  return statuses;
}
