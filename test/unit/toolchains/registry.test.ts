import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLabError } from '../../../lab/errors.ts';
import { readBuildContext } from '../../../lab/images/recipe.ts';
import { baseRelease, lineage, loadToolchains } from '../../../lab/toolchains/registry.ts';
import { loadSourcesLock } from '../../../lab/toolchains/sources.ts';

const toolchains = await loadToolchains();
const lock = await loadSourcesLock();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the toolchain files in images/toolchains', () => {
  it('all validate, and the lockfile is not taken for a toolchain', () => {
    expect([...toolchains.keys()].sort()).toEqual([
      'debian-bookworm',
      'debian-bookworm-exim',
      'debian-bookworm-go',
      'debian-bookworm-java',
      'debian-bookworm-legacy-openssl',
      'debian-bookworm-sendmail',
      'debian-bullseye',
      'debian-bullseye-exim',
      'debian-bullseye-java',
      'debian-bullseye-legacy-openssl',
      'debian-bullseye-sendmail',
      'debian-trixie',
      'debian-trixie-exim',
      'debian-trixie-go',
      'debian-trixie-java',
      'debian-trixie-sendmail',
      'openssl-1.0.1e',
      'openssl-1.0.2p',
      'openssl-1.0.2u',
      'openssl-1.1.1w',
      'postfix-2.11.11-openssl-1.0.2u',
      'postfix-2.6.6-openssl-1.0.1e',
    ].sort());
  });

  it.each([...toolchains.keys()])('%s: its parents resolve to a Debian base, and its recipe has a Dockerfile', async (name) => {
    const chain = lineage(toolchains, name);
    expect(chain.at(-1)?.name).toBe(name);
    expect(chain[0]?.base).toMatch(/^[a-z]+$/);
    expect(baseRelease(toolchains, name)).toBe(chain[0]?.base);
    for (const toolchain of chain) {
      const context = await readBuildContext(toolchain.recipe);
      expect(context.files.has('Dockerfile')).toBe(true);
      expect(context.files.has('entrypoint.sh')).toBe(true);
    }
  });

  it.each([...toolchains.values()].filter((t) => t.sources.length > 0).map((t) => [t.name, t] as const))(
    '%s: every source is pinned, and every ARG its Dockerfile needs is given',
    async (_name, toolchain) => {
      for (const file of toolchain.sources) expect(lock.sources.map((s) => s.file)).toContain(file);
      const dockerfile = (await readBuildContext(toolchain.recipe)).files.get('Dockerfile')!.toString();
      const args = [...dockerfile.matchAll(/^ARG (\w+)$/gm)].map((m) => m[1]!).filter((a) => a !== 'BASE_IMAGE');
      expect(Object.keys(toolchain.buildArgs).sort()).toEqual(args.sort());
      for (const file of toolchain.sources) {
        const copied = dockerfile.replace(/\$\{(\w+)\}/g, (_m, arg: string) => toolchain.buildArgs[arg] ?? `<${arg}>`);
        expect(copied).toContain(file);
      }
    },
  );

  it('upstream Postfix toolchains build on the OpenSSL toolchain of the version they declare', () => {
    for (const toolchain of toolchains.values()) {
      if (toolchain.postfix?.source !== 'upstream-tarball') continue;
      const parent = toolchains.get(toolchain.parent ?? '');
      expect(parent?.postfix, toolchain.name).toBeNull();
      expect(parent?.tls.version, toolchain.name).toBe(toolchain.tls.version);
      expect(toolchain.buildArgs.OPENSSL_VERSION).toBe(toolchain.tls.version);
    }
  });

  it('rejects a parent that does not exist, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolchains-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'orphan.yaml'),
      'name: orphan\ndescription: x\nparent: nowhere\nrecipe: upstream-postfix\ntls: {library: openssl, version: "1.0.1e", source: upstream-tarball}\n',
    );
    const error = await loadToolchains(dir).catch((e: unknown) => e);
    expect(isLabError(error, 'LAB_INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toBe('orphan.yaml: parent: no toolchain "nowhere"');
  });

  it('rejects an upstream recipe that builds another release than the toolchain declares', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'toolchains-'));
    dirs.push(dir);
    await writeFile(
      join(dir, 'mislabelled.yaml'),
      'name: mislabelled\ndescription: x\nbase: bookworm\nrecipe: upstream-openssl\nbuildArgs: {OPENSSL_VERSION: 1.0.2u}\ntls: {library: openssl, version: "1.0.2p", source: upstream-tarball}\n',
    );
    const error = await loadToolchains(dir).catch((e: unknown) => e);
    expect(isLabError(error, 'LAB_INPUT_INVALID')).toBe(true);
    expect((error as Error).message).toContain('buildArgs.OPENSSL_VERSION: builds 1.0.2u, but the toolchain declares 1.0.2p');
  });
});
