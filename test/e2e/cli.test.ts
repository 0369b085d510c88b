import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { AnalyzeReport } from '../../lab/logs/index.ts';
import type { RunReport } from '../../lab/scenario/result.ts';
import { LogGenerator } from '../fixtures/logs/generate-log.ts';
import { leftovers } from '../docker/leftovers.ts';

const root = join(import.meta.dirname, '../..');
const tlslab = (args: string[]) => execa('node', [join(root, 'bin/tlslab.js'), ...args], { cwd: root, reject: false, all: true, timeout: 10 * 60_000 });
const runIdOf = (stderr: string) => /run id (\S+)/.exec(stderr)?.[1];

describe('the tlslab binary', () => {
  it('runs the quickstart: exit 0, the table, and a JSON report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-e2e-'));
    const json = join(dir, 'report.json');
    const junit = join(dir, 'report.xml');
    const result = await tlslab(['run', 'scenarios/quickstart.yaml', '--json', json, '--junit', junit]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/^sender\s+expected\s+observed\s+message\s+server log evidence$/m);
    expect(result.stdout).toMatch(/^ok\s+modern\s+TLS TLSv1\.2 or TLSv1\.3\s+TLS TLSv1\.3 TLS_AES_256_GCM_SHA384\s+delivered/m);
    expect(result.stdout).toMatch(/^ok\s+tls10-only\s+handshake failed "tlsv1 alert\s+handshake failed: peer-aborted/m);
    expect(result.stdout).toContain('PASS: 4/4 expectations held in 1 scenario(s)');
    const report = JSON.parse(await readFile(json, 'utf8')) as RunReport;
    expect(report.passed).toBe(true);
    expect(report.scenarios[0]?.senders.map((s) => [s.name, s.observed.kind])).toEqual([
      ['modern', 'tls'],
      ['tls10-only', 'handshake-failed'],
      ['tls10-only-seclevel0', 'tls'],
      ['no-starttls', 'plaintext'],
    ]);
    expect(await readFile(junit, 'utf8')).toMatch(/<testsuite name="quickstart" tests="4" failures="0" errors="0"/);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('exits 1 when an expectation fails, naming it', async () => {
    const result = await tlslab(['run', 'test/fixtures/scenarios/wrong-expectation.yaml']);
    expect(result.exitCode, result.all).toBe(1);
    expect(result.stdout).toMatch(/^FAIL\s+modern\s+plaintext\s+TLS TLSv1\.3/m);
    expect(result.stdout).toContain('FAIL: 0/1 expectations held');
    expect(await leftovers(runIdOf(result.stderr)!)).toEqual([]);
  });

  it('exits 2 with every problem of an invalid scenario, and for usage errors', async () => {
    const invalid = await tlslab(['run', 'test/fixtures/scenarios/invalid.yaml']);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toContain('tlslab: LAB_SCENARIO_INVALID: test/fixtures/scenarios/invalid.yaml:7: senders[0].tls.maxProtocol: expected one of SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; got "TLS1"');
    expect(invalid.stderr).toContain('test/fixtures/scenarios/invalid.yaml:9: senders[0].expect.outcome: expected one of tls, plaintext, handshake-failed, refused; got "delivered"');
    expect((await tlslab(['run'])).exitCode).toBe(2);
    expect((await tlslab(['frobnicate'])).exitCode).toBe(2);
  });

  it('cleans up everything when interrupted with SIGINT', async () => {
    const child = execa('node', [join(root, 'bin/tlslab.js'), 'run', 'scenarios/quickstart.yaml'], { cwd: root, reject: false, all: true });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[receiver] starting')) resolve();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all).toBe(130);
    expect(result.stderr).toContain('LAB_INTERRUPTED');
    expect(await leftovers(runIdOf(stderr)!)).toEqual([]);
  });

  it('cleans up everything when the reader of its output goes away (| head)', async () => {
    const child = execa('node', [join(root, 'bin/tlslab.js'), 'run', 'scenarios/quickstart.yaml'], { cwd: root, reject: false });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('[receiver] starting')) resolve();
      });
    });
    child.stderr?.destroy();
    child.stdout?.destroy();
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(await leftovers(runIdOf(stderr)!)).toEqual([]);
  });

  it('writes all of a large JSON report into a pipe before it exits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-e2e-'));
    const log = join(dir, 'maillog');
    await writeFile(log, `${new LogGenerator({ seed: 3 }).lineList(20_000).join('\n')}\n`);
    const result = await tlslab(['logs', 'analyze', '--json', '--year', '2024', log]);
    expect(result.exitCode, result.stderr).toBe(0);
    // A pipe takes 64 KB at once; the report is several times that.
    expect(result.stdout.length).toBeGreaterThan(4 * 65_536);
    const report = JSON.parse(result.stdout) as AnalyzeReport;
    expect(report.stats.lines).toBe(20_000);
  });
});
