import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../paths.ts';

/** How long each image took to build, kept beside the sources so `images list` can show it. */
export interface BuildRecord {
  tag: string;
  seconds: number;
  builtAt: string;
}

function recordsFile(): string {
  return join(cacheDir(), 'builds.json');
}

export async function readBuildRecords(): Promise<Record<string, BuildRecord>> {
  try {
    return JSON.parse(await readFile(recordsFile(), 'utf8')) as Record<string, BuildRecord>;
  } catch {
    return {};
  }
}

export async function saveBuildRecord(record: BuildRecord): Promise<void> {
  const records = await readBuildRecords();
  records[record.tag] = record;
  await mkdir(cacheDir(), { recursive: true });
  await writeFile(recordsFile(), `${JSON.stringify(records, null, 2)}\n`);
}
