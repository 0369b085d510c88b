import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentHash, readBuildContext } from '../../../lab/images/recipe.ts';

async function imagesDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tlslab-recipe-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('recipe content hash', () => {
  const files = { 'common/entrypoint.sh': '#!/bin/sh\necho shared\n', 'stock/Dockerfile': 'FROM x\n' };

  it('includes the shared entrypoint unless the recipe has its own', async () => {
    const dir = await imagesDir({ ...files, 'own/Dockerfile': 'FROM y\n', 'own/entrypoint.sh': 'own\n' });
    expect([...(await readBuildContext('stock', dir)).files.keys()]).toEqual(['Dockerfile', 'entrypoint.sh']);
    expect((await readBuildContext('stock', dir)).files.get('entrypoint.sh')?.toString()).toBe('#!/bin/sh\necho shared\n');
    expect((await readBuildContext('own', dir)).files.get('entrypoint.sh')?.toString()).toBe('own\n');
  });

  it('is stable for the same inputs and changes with any file, argument or parent', async () => {
    const dir = await imagesDir(files);
    const context = await readBuildContext('stock', dir);
    const base = contentHash(context, { A: '1' }, 'sha256:parent');
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHash(await readBuildContext('stock', dir), { A: '1' }, 'sha256:parent')).toBe(base);
    expect(contentHash(context, { A: '2' }, 'sha256:parent')).not.toBe(base);
    expect(contentHash(context, { A: '1', B: '' }, 'sha256:parent')).not.toBe(base);
    expect(contentHash(context, { A: '1' }, 'sha256:other')).not.toBe(base);
    const changed = await imagesDir({ ...files, 'common/entrypoint.sh': '#!/bin/sh\necho changed\n' });
    expect(contentHash(await readBuildContext('stock', changed), { A: '1' }, 'sha256:parent')).not.toBe(base);
  });

  it('refuses a recipe without a Dockerfile', async () => {
    const dir = await imagesDir(files);
    await expect(readBuildContext('missing', dir)).rejects.toThrow(/Image recipe "missing" has no Dockerfile/);
  });
});
