import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../lab/cli/io.ts';
import { sourcesCommand } from '../../../lab/cli/sources.ts';
import { isLabError, type LabError } from '../../../lab/errors.ts';
import type { Toolchain } from '../../../lab/toolchains/model.ts';
import {
  addSource,
  fetchSource,
  listSources,
  loadSourcesLock,
  resolveToolchainSources,
  sourcesDir,
  type SourceOptions,
} from '../../../lab/toolchains/sources.ts';

const root = await mkdtemp(join(tmpdir(), 'sources-test-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PINNED = 'pinned contents\n';
const lockFile = join(root, 'sources.lock.yaml');
await writeFile(
  lockFile,
  [
    'sources:',
    '  - file: lib-1.0.tar.gz',
    `    sha256: ${sha256(PINNED)}`,
    '    checksumFrom: a test',
    '    urls: [https://example.invalid/lib-1.0.tar.gz]',
    '  - file: mta-2.6.tar.gz',
    '    sha256: null',
    '    checksumFrom: none known',
    '    urls: [https://example.invalid/mta-2.6.tar.gz]',
    '',
  ].join('\n'),
);

let options: SourceOptions;
let counter = 0;
beforeEach(async () => {
  counter += 1;
  options = { lockFile, sourcesDir: join(root, `store-${counter}`), env: {} };
});

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(root, 'download-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<LabError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isLabError(error)) throw new Error(`expected a LabError, got ${String(error)}`);
  return error;
}

const toolchain = (sources: string[]): Toolchain => ({
  name: 'mta-2.6-lib-1.0',
  description: 'test',
  base: 'bookworm',
  recipe: 'upstream-postfix',
  buildArgs: {},
  postfix: { version: '2.6', source: 'upstream-tarball' },
  tls: { library: 'openssl', version: '1.0', source: 'upstream-tarball', options: [] },
  sources,
});

describe('the sources lockfile', () => {
  it('pins every upstream tarball of the repository by name, with the checksums of the facts file (1.1.1w: of Debian\'s source package)', async () => {
    const lock = await loadSourcesLock();
    expect(Object.fromEntries(lock.sources.map((s) => [s.file, s.sha256]))).toEqual({
      'openssl-1.0.1e.tar.gz': 'f74f15e8c8ff11aa3d5bb5f276d202ec18d7246e95f961db76054199c69c1ae3',
      'openssl-1.0.2p.tar.gz': '50a98e07b1a89eb8f6a99477f262df71c6fa7bef77df4dc83025a2845c827d00',
      'openssl-1.0.2u.tar.gz': 'ecd0c6ffb493dd06707d38b14bb4d8c2288bb7033735606569d8f90f89669d16',
      'openssl-1.1.1w.tar.gz': 'cf3098950cb4d853ad95c0841f1f9c6d3dc102dccfcacd521d93925208b76ac8',
      'postfix-2.6.6.tar.gz': null,
      'postfix-2.11.11.tar.gz': null,
    });
  });

  it('reports every problem with its path', async () => {
    const bad = join(root, 'bad.lock.yaml');
    await writeFile(
      bad,
      'sources:\n  - file: a.tar.gz\n    sha256: ABC\n    checksumFrom: x\n    urls: [not a url]\n  - file: a.tar.gz\n    sha256: null\n    checksumFrom: x\n    urls: [https://x.invalid/a]\n',
    );
    const error = await failure(loadSourcesLock(bad));
    expect(error.code).toBe('LAB_INPUT_INVALID');
    expect(error.message).toContain('sources[0].sha256: a SHA-256 in lower-case hex (64 digits)');
    expect(error.message).toContain('sources[0].urls[0]');
    expect(error.message).toContain('sources[1].file: "a.tar.gz" is already pinned at sources[0]');
  });
});

describe('where sources live', () => {
  it('defaults to <cache>/sources, then TLSLAB_SOURCES_DIR, then the explicit directory', () => {
    expect(sourcesDir({ env: { TLSLAB_CACHE_DIR: '/c' } })).toBe('/c/sources');
    expect(sourcesDir({ env: { TLSLAB_CACHE_DIR: '/c', TLSLAB_SOURCES_DIR: '/s' } })).toBe('/s');
    expect(sourcesDir({ sourcesDir: '/x', env: { TLSLAB_SOURCES_DIR: '/s' } })).toBe('/x');
  });
});

describe('adding a tarball', () => {
  it('stores a file whose checksum matches, as present', async () => {
    const added = await addSource(await tempFile('lib-1.0.tar.gz', PINNED), options);
    expect(added).toMatchObject({ file: 'lib-1.0.tar.gz', verified: true, sha256: sha256(PINNED) });
    expect(await readFile(added.path, 'utf8')).toBe(PINNED);
    const [lib] = await listSources(options);
    expect(lib).toMatchObject({ file: 'lib-1.0.tar.gz', state: 'present', trusted: false });
  });

  it('refuses a file whose checksum differs, naming both checksums, and stores nothing', async () => {
    const error = await failure(addSource(await tempFile('lib-1.0.tar.gz', 'tampered\n'), options));
    expect(error.code).toBe('LAB_SOURCE_UNTRUSTED');
    expect(error.message).toContain(`expected ${sha256(PINNED)}`);
    expect(error.message).toContain(`sha256 ${sha256('tampered\n')}`);
    expect(error.message).toContain('--allow-unverified');
    expect(await stat(join(options.sourcesDir!, 'lib-1.0.tar.gz')).catch(() => undefined)).toBeUndefined();
  });

  it('refuses a file with no pinned checksum unless trusted explicitly, then remembers that exact content', async () => {
    const file = await tempFile('mta-2.6.tar.gz', 'mta sources\n');
    const error = await failure(addSource(file, options));
    expect(error.code).toBe('LAB_SOURCE_UNTRUSTED');
    expect(error.message).toContain('mta-2.6.tar.gz has no pinned checksum');

    const added = await addSource(file, { ...options, allowUnverified: true });
    expect(added.verified).toBe(false);
    const statuses = await listSources(options);
    expect(statuses.find((s) => s.file === 'mta-2.6.tar.gz')).toMatchObject({ state: 'unverified', trusted: true, actualSha256: sha256('mta sources\n') });

    const resolved = await resolveToolchainSources(toolchain(['mta-2.6.tar.gz']), options);
    expect(resolved.unverified).toEqual(['mta-2.6.tar.gz']);
    expect(resolved.files.get('mta-2.6.tar.gz')).toBe(join(options.sourcesDir!, 'mta-2.6.tar.gz'));

    // Other bytes under the same name are not covered by that trust.
    await writeFile(join(options.sourcesDir!, 'mta-2.6.tar.gz'), 'replaced\n');
    expect((await failure(resolveToolchainSources(toolchain(['mta-2.6.tar.gz']), options))).code).toBe('LAB_SOURCE_UNTRUSTED');
  });

  it('honours TLSLAB_ALLOW_UNVERIFIED_SOURCES=1', async () => {
    const added = await addSource(await tempFile('mta-2.6.tar.gz', 'x\n'), { ...options, env: { TLSLAB_ALLOW_UNVERIFIED_SOURCES: '1' } });
    expect(added.verified).toBe(false);
  });

  it('refuses a file the lockfile does not pin', async () => {
    const error = await failure(addSource(await tempFile('other-1.tar.gz', 'x'), options));
    expect(error.code).toBe('LAB_INPUT_INVALID');
    expect(error.message).toContain('"other-1.tar.gz" is not a pinned source. Pinned: lib-1.0.tar.gz, mta-2.6.tar.gz');
  });
});

describe('resolving a toolchain\'s sources for a build', () => {
  it('names the missing file, its checksum, where it goes and the exact command', async () => {
    const error = await failure(resolveToolchainSources(toolchain(['lib-1.0.tar.gz']), options));
    expect(error.code).toBe('LAB_SOURCE_MISSING');
    expect(error.message).toBe(
      [
        'lib-1.0.tar.gz is missing (needed by toolchain mta-2.6-lib-1.0).',
        `  sha256: ${sha256(PINNED)}`,
        '  download: https://example.invalid/lib-1.0.tar.gz',
        `  put it in ${options.sourcesDir} with: tlslab sources add /path/to/lib-1.0.tar.gz`,
        '  or let the lab download it: tlslab sources fetch lib-1.0.tar.gz',
      ].join('\n'),
    );
  });

  it('asks for explicit trust in the command for a file with no pinned checksum', async () => {
    const error = await failure(resolveToolchainSources(toolchain(['mta-2.6.tar.gz']), options));
    expect(error.message).toContain('sha256: none pinned: the file needs explicit trust');
    expect(error.message).toContain('tlslab sources add /path/to/mta-2.6.tar.gz --allow-unverified');
  });

  it('refuses a file changed after it was added', async () => {
    const added = await addSource(await tempFile('lib-1.0.tar.gz', PINNED), options);
    await writeFile(added.path, 'changed\n');
    const error = await failure(resolveToolchainSources(toolchain(['lib-1.0.tar.gz']), options));
    expect(error.code).toBe('LAB_SOURCE_UNTRUSTED');
    const allowed = await resolveToolchainSources(toolchain(['lib-1.0.tar.gz']), { ...options, allowUnverified: true });
    expect(allowed.unverified).toEqual(['lib-1.0.tar.gz']);
  });

  it('needs nothing for a toolchain without sources', async () => {
    expect(await resolveToolchainSources(toolchain([]), options)).toEqual({ files: new Map(), unverified: [] });
  });
});

describe('fetching', () => {
  const servers: Server[] = [];
  afterAll(() =>
    Promise.all(
      servers.map((s) => {
        s.closeAllConnections();
        return new Promise((done) => s.close(done));
      }),
    ));
  async function localServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('fails fast with a clear message when no URL answers, naming each URL and why', async () => {
    const silent = await localServer(() => {});
    const closed = await localServer(() => {});
    await new Promise((done) => servers.pop()!.close(done));
    const started = Date.now();
    const error = await failure(fetchSource('lib-1.0.tar.gz', { ...options, timeoutMs: 300, urls: [`${closed}/lib-1.0.tar.gz`, `${silent}/lib-1.0.tar.gz`] }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error.code).toBe('LAB_SOURCE_MISSING');
    expect(error.message).toContain('Could not download lib-1.0.tar.gz:');
    expect(error.message).toContain(`${closed}/lib-1.0.tar.gz: fetch failed: connect ECONNREFUSED`);
    expect(error.message).toMatch(/\/lib-1\.0\.tar\.gz: .*(timeout|aborted)/i);
    expect(error.message).toContain('tlslab sources add /path/to/lib-1.0.tar.gz');
  });

  it('stores a download whose checksum matches, and refuses one that does not', async () => {
    const url = await localServer((request, response) => {
      response.end(request.url === '/good' ? PINNED : 'evil\n');
    });
    const added = await fetchSource('lib-1.0.tar.gz', { ...options, urls: [`${url}/good`] });
    expect(added.verified).toBe(true);
    const error = await failure(fetchSource('lib-1.0.tar.gz', { ...options, sourcesDir: `${options.sourcesDir}-b`, urls: [`${url}/bad`] }));
    expect(error.code).toBe('LAB_SOURCE_UNTRUSTED');
  });
});

describe('tlslab sources', () => {
  function io(env: NodeJS.ProcessEnv): CliIo & { out: () => string; err: () => string } {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    return { stdout, stderr, stdin: Readable.from([]), cwd: root, env, out: () => out, err: () => err };
  }

  it('lists the repository lockfile against a sources directory, as a table and as JSON', async () => {
    const dir = join(root, 'cli-empty');
    const table = io({ TLSLAB_SOURCES_DIR: dir });
    expect(await sourcesCommand(['list'], table)).toBe(0);
    expect(table.out()).toContain(`sources directory: ${dir}`);
    expect(table.out()).toMatch(/openssl-1\.0\.1e\.tar\.gz +MISSING +f74f15e8c8ff11aa3d5bb5f276d202ec18d7246e95f961db76054199c69c1ae3 +https:\/\/www\.openssl\.org\/source\/old\/1\.0\.1\/openssl-1\.0\.1e\.tar\.gz/);
    expect(table.out()).toMatch(/postfix-2\.6\.6\.tar\.gz +MISSING +\(none pinned\)/);
    const json = io({});
    expect(await sourcesCommand(['list', '--json', '--sources-dir', dir], json)).toBe(0);
    const parsed = JSON.parse(json.out()) as { dir: string; sources: { file: string; state: string }[] };
    expect(parsed.dir).toBe(dir);
    expect(parsed.sources.every((s) => s.state === 'missing')).toBe(true);
  });

  it('refuses to add an unpinned-checksum file without --allow-unverified', async () => {
    const cli = io({ TLSLAB_SOURCES_DIR: join(root, 'cli-add') });
    const error = await failure(sourcesCommand(['add', await tempFile('postfix-2.6.6.tar.gz', 'not postfix')], cli));
    expect(error.code).toBe('LAB_SOURCE_UNTRUSTED');
    expect(await sourcesCommand(['add', '--allow-unverified', await tempFile('postfix-2.6.6.tar.gz', 'not postfix')], cli)).toBe(0);
    expect(cli.out()).toContain('postfix-2.6.6.tar.gz: stored in');
    expect(cli.out()).toContain('UNVERIFIED, trusted on your word');
  });
});
