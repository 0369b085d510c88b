import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../lab/docker/engine.ts';
import { ensureToolchainImage } from '../../lab/images/build.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { loadToolchains } from '../../lab/toolchains/registry.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');

/**
 * Debian 11 ships an openssl.cnf whose system default section sets a floor (MinProtocol = TLSv1.2 and
 * DEFAULT@SECLEVEL=2): an admin who reads it expects TLS 1.0 peers to be refused. Debian's Postfix 3.5 on that
 * system accepts them at its own defaults, so the log of such a server shows TLS 1.0 sessions.
 */
describe('the system openssl.cnf floor and Postfix', () => {
  it('Debian 11: openssl.cnf says MinProtocol = TLSv1.2, and Postfix 3.5 still gets TLS 1.0 from a TLS 1.0-only sender', async ({ onTestFailed }) => {
    const image = await ensureToolchainImage(await connectEngine(), await loadToolchains(), 'debian-bullseye');
    const { stdout } = await execa('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', image.tag, '/etc/ssl/openssl.cnf']);
    const section = stdout.slice(stdout.indexOf('[system_default_sect]'));
    expect(section).toMatch(/^MinProtocol = TLSv1\.2$/m);
    expect(section).toMatch(/^CipherString = DEFAULT@SECLEVEL=2$/m);

    const scenario = defineScenario({
      name: 'system-openssl-floor-bullseye',
      receiver: { toolchain: 'debian-bullseye' },
      senders: [{ name: 'tls10', profile: 'tls10-only', expect: { outcome: 'tls', protocol: 'TLSv1' } }],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
