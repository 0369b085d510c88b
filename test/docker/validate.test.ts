import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidateReport } from '../../lab/advice/validate.ts';
import { main } from '../../lab/cli/main.ts';
import { missingSourcesOf } from '../../lab/toolchains/sources.ts';
import { loadToolchains } from '../../lab/toolchains/registry.ts';
import { leftovers } from './leftovers.ts';
import { captureIo } from './support.ts';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'validate-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const io = () => captureIo(root);

describe('tlslab validate, with real containers', () => {
  it('a proposal that disables TLS 1.0 breaks the TLS 1.0 senders the baseline served: exit 1, diff, report', async ({ onTestFailed }) => {
    const cli = io();
    const report = join(scratch, 'validate.md');
    const code = await main(['validate', '--config', 'test/fixtures/configs/bookworm-tls12-minimum', '--baseline', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json', '--report', report], cli);
    onTestFailed(() => console.error(cli.err(), cli.out().slice(0, 20_000)));
    expect(code).toBe(1);
    const result = JSON.parse(cli.out()) as ValidateReport;
    const regressions = result.regressions.map((r) => r.name);
    expect(regressions).toEqual(expect.arrayContaining(['tls10-only', 'sslv3-to-tls10']));
    expect(regressions).not.toContain('modern-tls13');
    expect(result.regressions.find((r) => r.name === 'tls10-only')).toMatchObject({ before: { outcome: expect.stringMatching(/^TLS TLSv1 /) }, after: { failureClass: 'unsupported-protocol' } });
    expect(result.verdict).toMatch(/^NOT SAFE: the proposal breaks \d+ peer\(s\) the baseline served/);
    // Every profile that can be built here ran, in both directions.
    expect(result.proposal.matrix.filter((r) => r.direction === 'inbound').length).toBeGreaterThanOrEqual(15);
    expect(result.proposal.matrix.filter((r) => r.direction === 'outbound').map((r) => r.name)).toEqual(['sslv3-only', 'tls10-only', 'tls11-only', 'tls12-only', 'tls13-only', 'no-tls', 'public-ca', 'rc4-only', 'no-secure-renegotiation', 'starttls-answered-in-plaintext', 'starttls-hangup', 'dh1024-only']);
    // Sent to by name with a certificate from a CA of the system bundle; at level may nothing is verified.
    expect(result.proposal.matrix.find((r) => r.direction === 'outbound' && r.name === 'public-ca')).toMatchObject({ outcome: expect.stringMatching(/^TLS TLSv1\.3 /) });
    // Postfix's smtp client runs opportunistic TLS at security level 0: it takes a 1024-bit DHE group.
    expect(result.proposal.matrix.find((r) => r.direction === 'outbound' && r.name === 'dh1024-only')).toMatchObject({ outcome: expect.stringMatching(/^TLS TLSv1\.2 DHE-/) });
    expect(result.proposal.matrix.find((r) => r.name === 'modern-tls13')).toMatchObject({ outcome: expect.stringMatching(/^TLS TLSv1\.3/), evidence: expect.stringContaining('TLS connection established') });
    expect(result.proposal.config.decisions.find((d) => d.parameter === 'myhostname')?.action).toBe('override');
    expect(result.proposal.configErrors).toEqual([]);
    const markdown = readFileSync(report, 'utf8');
    expect(markdown).toContain('**Verdict:** NOT SAFE');
    expect(markdown).toContain('| tls10-only | **newly-fails** |');
    expect(markdown).toMatch(/\*\*E1\*\* `.*TLS/);
    expect(cli.err()).toContain('[validate] proposal');
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('sends the one-shot clients to master.cf\'s listeners too: a stricter submission breaks TLS 1.0 there, not on port 25', async ({ onTestFailed }) => {
    const folder = (name: string, submission: string) => {
      const dir = join(scratch, name);
      mkdirSync(dir);
      copyFileSync(join(root, 'test/fixtures/configs/bookworm-baseline/main.cf'), join(dir, 'main.cf'));
      writeFileSync(join(dir, 'master.cf'), `smtp inet n - y - - smtpd\nsubmission inet n - y - - smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt${submission}\n  -o smtpd_sasl_auth_enable=yes\n`);
      return dir;
    };
    const cli = io();
    // The proposal also limits smtpd_tls_protocols there, which a listener that requires TLS does not read.
    const strict = '\n  -o smtpd_tls_mandatory_protocols=>=TLSv1.2\n  -o smtpd_tls_protocols=>=TLSv1.3';
    const code = await main(['validate', '--config', folder('strict-submission', strict), '--baseline', folder('submission', ''), '--toolchain', 'debian-bookworm', '--json'], cli);
    onTestFailed(() => console.error(cli.err(), cli.out().slice(0, 20_000)));
    expect(code).toBe(1);
    const result = JSON.parse(cli.out()) as ValidateReport;
    const regressions = result.regressions.map((r) => r.name);
    expect(regressions).toContain('tls10-only-587');
    expect(regressions.every((name) => name.endsWith('-587'))).toBe(true);
    expect(result.proposal.matrix.find((r) => r.name === 'tls10-only')?.outcome).toMatch(/^TLS TLSv1 /);
    expect(result.proposal.matrix.find((r) => r.name === 'modern-tls13-587')?.outcome).toMatch(/^TLS TLSv1\.3 /);
    expect(result.proposal.matrix.find((r) => r.name === 'tls12-only-587')?.outcome).toMatch(/^TLS TLSv1\.2 /);
    expect(result.proposal.config.unusedSettings.map((u) => `${u.source} ${u.parameter}`)).toEqual(['master.cf:2 (submission -o) smtpd_tls_protocols']);
    expect(result.verdict).toContain('It sets 1 TLS setting(s) that no Postfix process reads at its security levels: smtpd_tls_protocols.');
    // An MTA does not submit: Postfix, Exim and Sendmail senders stay on port 25.
    expect(result.proposal.matrix.some((r) => ['postfix-3-debian-587', 'exim-gnutls-debian-587', 'sendmail-debian-587'].includes(r.name))).toBe(false);
    expect(result.proposal.config.decisions.find((d) => d.parameter === 'master.cf submission')?.labValue).toBe(
      '587 inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_mandatory_protocols=>=TLSv1.2 -o smtpd_tls_protocols=>=TLSv1.3');
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('a proposal that verifies certificates outbound keeps the destination whose certificate a public CA issued, and breaks the self-signed ones', async ({ onTestFailed }) => {
    const dir = join(scratch, 'verify-outbound');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.cf'), `${readFileSync(join(root, 'test/fixtures/configs/bookworm-baseline/main.cf'), 'utf8')}\nsmtp_tls_security_level = verify\nsmtp_tls_CAfile = /etc/pki/tls/certs/ca-bundle.crt\n`);
    const cli = io();
    const code = await main(['validate', '--config', dir, '--baseline', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json'], cli);
    onTestFailed(() => console.error(cli.err(), cli.out().slice(0, 20_000)));
    expect(code).toBe(1);
    const result = JSON.parse(cli.out()) as ValidateReport;
    // The admin's distribution's CA bundle is the image's.
    expect(result.proposal.config.decisions.find((d) => d.parameter === 'smtp_tls_CAfile')?.labValue).toBe('/etc/ssl/certs/ca-certificates.crt');
    const outbound = result.regressions.filter((r) => r.direction === 'outbound').map((r) => r.name);
    expect(outbound).toEqual(expect.arrayContaining(['tls12-only', 'tls13-only', 'dh1024-only']));
    expect(outbound).not.toContain('public-ca');
    expect(result.regressions.filter((r) => r.direction === 'inbound')).toEqual([]);
    const publicCa = result.proposal.matrix.find((r) => r.direction === 'outbound' && r.name === 'public-ca');
    expect(publicCa).toMatchObject({ outcome: expect.stringMatching(/^TLS TLSv1\.3 /), fate: expect.stringMatching(/^delivered/) });
    expect(result.proposal.result.receiver.log.some((line) => /Verified TLS connection established to public-ca\.dest\.lab\.test\[/.test(line))).toBe(true);
    expect(result.proposal.result.receiver.log.some((line) => /certificate verification failed for [\d.]+\[[\d.]+\]:25: self-signed certificate$/.test(line))).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('an "ECDHE and AEAD only" proposal breaks Exchange on Windows Server 2012 R2, which has no ECDHE-RSA with AES-GCM', async ({ onTestFailed }) => {
    const dir = join(scratch, 'aead-only');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.cf'), `${readFileSync(join(root, 'test/fixtures/configs/bookworm-baseline/main.cf'), 'utf8')}\nsmtpd_tls_exclude_ciphers = kRSA, kDHE, SHA1, SHA256, SHA384\n`);
    const cli = io();
    const code = await main(['validate', '--config', dir, '--baseline', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json'], cli);
    onTestFailed(() => console.error(cli.err(), cli.out().slice(0, 20_000)));
    expect(code).toBe(1);
    const result = JSON.parse(cli.out()) as ValidateReport;
    expect(result.regressions.find((r) => r.name === 'exchange-windows-2012r2')).toMatchObject({
      before: { outcome: 'TLS TLSv1.2 ECDHE-RSA-AES256-SHA384' }, after: { failureClass: 'no-shared-cipher' },
    });
    const regressions = result.regressions.map((r) => r.name);
    // ECDHE-RSA with AES-GCM, or TLS 1.3, which the exclusions do not reach.
    expect(regressions.filter((name) => ['gmail-2018', 'modern-tls13', 'postfix-3-debian', 'tls12-only'].includes(name))).toEqual([]);
    // The Java application rejects the self-signed certificate either way: not something the proposal broke.
    expect(regressions).not.toContain('java-app-jdk17');
    expect(result.proposal.matrix.find((r) => r.name === 'java-app-jdk17')).toMatchObject({ failureClass: 'certificate-verification' });
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('says LAB_SOURCE_MISSING and exits 2 when the named toolchain cannot be built here', async () => {
    const missing = await missingSourcesOf(await loadToolchains(), 'postfix-2.6.6-openssl-1.0.1e');
    if (missing.length === 0) return;
    const cli = io();
    const code = await main(['validate', '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'postfix-2.6.6-openssl-1.0.1e'], cli);
    expect(code).toBe(2);
    expect(cli.err()).toMatch(/LAB_SOURCE_MISSING: The receiver toolchain postfix-2\.6\.6-openssl-1\.0\.1e .* cannot be built on this machine/);
  });
});
