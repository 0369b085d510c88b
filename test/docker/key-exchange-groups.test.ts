import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { leftovers } from './leftovers.ts';
import { runAsExpected, reproduceJson } from './support.ts';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'groups-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const NO_GROUP = { outcome: 'handshake-failed', failureClass: 'no-shared-group', serverError: 'no suitable key share' } as const;

/**
 * TLS 1.3 needs a key-exchange group both sides take. Postfix's tls_eecdh_auto_curves replaces OpenSSL's group list;
 * cut down to X448 it leaves out what most clients offer, and the version is chosen before the group, so a client
 * that could do TLS 1.2 fails all the same (test/fixtures/logs/lab-no-shared-group.log).
 */
describe.each([
  { toolchain: 'debian-bullseye', ffdhe: NO_GROUP },
  { toolchain: 'debian-bookworm', ffdhe: NO_GROUP },
  // Postfix 3.8 and later add tls_ffdhe_auto_groups (ffdhe2048 ffdhe3072) to the list.
  { toolchain: 'debian-trixie', ffdhe: { outcome: 'tls', protocol: 'TLSv1.3' } },
] as const)('key-exchange groups on $toolchain', ({ toolchain, ffdhe }) => {
  it('a server limited to X448 has no key share for clients without it, at TLS 1.3 only; the default list has no FFDHE before Postfix 3.8', async ({ onTestFailed }) => {
    await runAsExpected({
      name: `x448-only-${toolchain}`,
      receiver: { toolchain, mainCf: { tls_eecdh_auto_curves: 'X448' } },
      senders: [
        { name: 'x25519-p256', client: 'openssl', tls: { groups: 'X25519:P-256' }, expect: NO_GROUP },
        { name: 'x25519-p256-tls12', client: 'openssl', tls: { groups: 'X25519:P-256', maxProtocol: 'TLSv1.2' }, expect: { outcome: 'tls', protocol: 'TLSv1.2' } },
        { name: 'x448', client: 'openssl', tls: { groups: 'X448' }, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { profile: 'go-crypto-tls', expect: NO_GROUP },
      ],
    }, root, onTestFailed);
    await runAsExpected({
      name: `default-groups-${toolchain}`,
      receiver: { toolchain },
      senders: [
        { name: 'ffdhe-only', client: 'openssl', tls: { groups: 'ffdhe2048', minProtocol: 'TLSv1.3' }, expect: ffdhe },
        { profile: 'go-crypto-tls', expect: { outcome: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } },
      ],
    }, root, onTestFailed);
  });
});

describe.each(['debian-bullseye', 'debian-bookworm', 'debian-trixie'])('a P-384 ECDSA certificate on %s', (toolchain) => {
  // Reported to fail with smtpd_tls_eecdh_grade = strong under OpenSSL 1.1.0 (prime256v1 alone); 3.6 and later ignore the grade.
  it('serves TLS 1.2 ECDHE-ECDSA and TLS 1.3 with smtpd_tls_eecdh_grade = strong', async ({ onTestFailed }) => {
    await runAsExpected({
      name: `p384-strong-${toolchain}`,
      receiver: { toolchain, certificate: { cert: 'test/fixtures/certificates/ecdsa-p384.pem', key: 'test/fixtures/certificates/ecdsa-p384-key.pem' }, mainCf: { smtpd_tls_eecdh_grade: 'strong' } },
      senders: [
        { name: 'tls12', client: 'openssl', tls: { maxProtocol: 'TLSv1.2' }, expect: { outcome: 'tls', protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' } },
        { name: 'tls13', client: 'openssl', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
      ],
    }, root, onTestFailed);
  });
});

describe('tlslab reproduce of "no suitable key share"', () => {
  it('reproduces it with a TLS 1.3 probe per group the server leaves out and ranks Postfix\'s default groups first', async ({ onTestFailed }) => {
    const capture = await runAsExpected({
      name: 'capture-groups',
      receiver: { toolchain: 'debian-bookworm', mainCf: { tls_eecdh_auto_curves: 'X448' } },
      senders: [{ name: 'go-app', profile: 'go-crypto-tls', expect: NO_GROUP }],
    }, root, onTestFailed);
    const log = join(scratch, 'maillog');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);
    const config = join(scratch, 'config');
    mkdirSync(config);
    writeFileSync(join(config, 'main.cf'), 'smtpd_tls_security_level = may\ntls_eecdh_auto_curves = X448\n');
    const report = await reproduceJson(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '3', '--json'], root, onTestFailed);
    expect(report.findings).toHaveLength(1);
    const finding = report.findings[0]!;
    expect(finding.failure.class).toBe('no-shared-group');
    expect(finding.reproducedBy).toEqual(expect.arrayContaining(['go-crypto-tls', 'probe-tls13-group-x25519', 'probe-tls13-group-p-256']));
    const best = finding.fixes[0]!;
    expect(best.fix.id).toBe('default-groups');
    expect(best.breaks).toEqual([]);
    expect(best.matrix.find((r) => r.name === 'go-crypto-tls')?.outcome).toMatch(/^TLS TLSv1\.3 /);
    expect(finding.fixes.map((f) => f.fix.id)).toContain('add-common-groups');
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
