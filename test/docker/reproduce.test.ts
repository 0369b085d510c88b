import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { FixEffect } from '../../lab/advice/ranking.ts';
import type { ReproduceReport } from '../../lab/advice/reproduce.ts';
import { main } from '../../lab/cli/main.ts';
import { defineScenario, loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { unusableSources } from './sources-gate.ts';
import { captureIo, failureAttachment, reproduceJson as reproduceAt, reproduceWithProgress } from './support.ts';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'reproduce-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A configuration folder in the scratch directory, with this main.cf. */
function configFolder(name: string, mainCf: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'main.cf'), mainCf);
  return dir;
}

/** A folder whose smtp client runs at this TLS security level. */
const clientAt = (level: string, name = `client-${level}`): string =>
  configFolder(name, `myhostname = mx.example.net\nsmtpd_tls_security_level = may\nsmtp_tls_security_level = ${level}\n`);

const io = () => captureIo(root);
const reproduceJson = (args: string[], onTestFailed: (fn: () => void) => void, exit = 0): Promise<ReproduceReport> => reproduceAt(args, root, onTestFailed, exit);

describe('tlslab reproduce, with real containers', () => {
  it('reproduces a captured unsupported-protocol failure and ranks first a fix that breaks nobody', async ({ onTestFailed }) => {
    // A TLS 1.0-only MTA against a TLS 1.2-minimum bookworm Postfix: capture the receiver's log.
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture',
        receiver: { toolchain: 'debian-bookworm', mainCf: { smtpd_tls_protocols: '>=TLSv1.2', smtpd_tls_mandatory_protocols: '>=TLSv1.2' } },
        senders: [{ name: 'old-mta', profile: 'tls10-only', expect: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol' } }],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, 'maillog');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);
    const scenarioFile = join(scratch, 'reproduction.yaml');
    const reportFile = join(scratch, 'reproduce.md');

    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-tls12-minimum', '--toolchain', 'debian-bookworm', '--max-fixes', '3', '--json', '--report', reportFile, '--write-scenario', scenarioFile], onTestFailed);
    onTestFailed(() => console.error(JSON.stringify(report.findings.map((f) => ({ reproducedBy: f.reproducedBy, fixes: f.fixes.map((e) => ({ id: e.fix.id, breaks: e.breaks, unconfirmed: e.unconfirmed, fixes: e.fixes, quality: e.quality, matrix: e.matrix.map((r) => `${r.name}: ${r.outcome} / ${r.fate}`) })) })), null, 1)));
    expect(report.findings).toHaveLength(1);
    const finding = report.findings[0]!;
    expect(finding.failure.key).toBe('unsupported-protocol: unsupported protocol');
    expect(finding.reproducedBy).toEqual(expect.arrayContaining(['tls10-only', 'sslv3-to-tls10']));
    expect(finding.outcomes.find((o) => o.hypothesis.name === 'tls10-only')?.match).toBe('reason');
    expect(finding.explanation).toMatch(/Reproduced by: .*tls10-only offers only TLSv1/);
    const best = finding.fixes[0]!;
    expect(best.fix.id).toBe('allow-tlsv1');
    expect(best.breaks).toEqual([]);
    expect(best.matrix.find((r) => r.name === 'tls10-only')?.outcome).toMatch(/^TLS TLSv1 /);
    expect(finding.fixes.map((f) => f.fix.id)).toContain('discard-starttls');
    expect(report.verdict).toMatch(/^1\/1 logged failure\(s\) reproduced on debian-bookworm/);
    expect(readFileSync(reportFile, 'utf8')).toContain('### Fixes, best first');
    expect(await leftovers(report.runId)).toEqual([]);

    // The written scenario holds in CI as it is: expectations are what was observed.
    const written = readFileSync(scenarioFile, 'utf8');
    expect(written).toContain('# Best fix for "unsupported-protocol: unsupported protocol": allow TLSv1 inbound');
    const rerun = await runScenario(await loadScenarioFile(scenarioFile, scratch));
    onTestFailed(() => console.error(failureAttachment(rerun)));
    expect(rerun.passed).toBe(true);
  });

  it('reproduces a report that quotes only the library error, without its header, as the failure of an unnamed peer', async ({ onTestFailed }) => {
    const log = join(scratch, 'quoted-error');
    const error = readFileSync(join(root, 'test/fixtures/configs/captured/bookworm-strict.log'), 'utf8').split('\n')
      .find((line) => line.includes('unsupported protocol'))?.replace(/^.*?postfix\/smtpd\[\d+\]: /, '');
    expect(error).toMatch(/^warning: TLS library problem: error:0A000102:/);
    writeFileSync(log, `${error}\n`);
    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-tls12-minimum', '--max-fixes', '1', '--json'], onTestFailed);
    expect(report.toolchain.toolchain).toBe('debian-bookworm');
    expect(report.findings.map((f) => [f.failure.key, f.failure.peers])).toEqual([['unsupported-protocol: unsupported protocol', []]]);
    expect(report.findings[0]?.reproducedBy).toContain('tls10-only');
    expect(report.findings[0]?.explanation).toMatch(/^A peer the log does not name failed with "unsupported protocol"/);
    expect(await leftovers(report.runId)).toEqual([]);

    // A log with no Postfix line in it is an input error, not "nothing failed".
    writeFileSync(log, 'SSL_accept error from somewhere : -1\nsomething else\n');
    const refused = io();
    expect(await main(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-tls12-minimum'], refused)).toBe(2);
    expect(refused.err()).toMatch(/LAB_INPUT_INVALID.*none of its 2 line\(s\) is a Postfix log line/);
    // `--log -` reads the excerpt from stdin.
    const piped = { ...io(), stdin: Readable.from([Buffer.from('SSL_accept error from somewhere : -1\n')]) };
    expect(await main(['reproduce', '--log', '-', '--config', 'test/fixtures/configs/bookworm-tls12-minimum'], piped)).toBe(2);
    expect(piped.err()).toMatch(/LAB_INPUT_INVALID: --log stdin: none of its 1 line\(s\) is a Postfix log line/);
  });

  it('reproduces what scanners and broken clients cause after STARTTLS with raw probes, and writes them into the scenario', async ({ onTestFailed }) => {
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture-raw',
        receiver: { toolchain: 'debian-bookworm' },
        senders: [
          { name: 'scanner', client: 'raw', afterStarttls: 'http-request', expect: { outcome: 'handshake-failed', failureClass: 'plaintext-after-starttls' } },
          { name: 'ancient', client: 'raw', afterStarttls: 'sslv2-hello', expect: { outcome: 'handshake-failed', failureClass: 'unknown-protocol' } },
          { name: 'broken', client: 'raw', afterStarttls: 'unexpected-message', expect: { outcome: 'handshake-failed', failureClass: 'protocol-violation' } },
        ],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, 'maillog-raw');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);
    const scenarioFile = join(scratch, 'reproduction-raw.yaml');

    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json', '--write-scenario', scenarioFile], onTestFailed);
    const byClass = Object.fromEntries(report.findings.map((f) => [f.failure.class, f]));
    expect(byClass['plaintext-after-starttls']?.reproducedBy).toEqual(['probe-raw-http-request']);
    expect(byClass['unknown-protocol']?.reproducedBy).toEqual(['probe-raw-sslv2-hello']);
    expect(byClass['protocol-violation']?.reproducedBy).toEqual(['probe-raw-unexpected-message']);
    expect(byClass['protocol-violation']?.fixes[0]?.fix.id).toBe('discard-starttls');
    expect(byClass['plaintext-after-starttls']?.explanation).toContain('Only a peer that misbehaves on purpose reproduced it');
    expect(await leftovers(report.runId)).toEqual([]);

    const written = readFileSync(scenarioFile, 'utf8');
    expect(written).toContain('afterStarttls: http-request');
    expect(written).toContain('afterStarttls: unexpected-message');
    expect(written).toContain('not offered STARTTLS and deliver in plaintext: change their expect to "outcome: plaintext"');
    const rerun = await runScenario(await loadScenarioFile(scenarioFile, scratch));
    onTestFailed(() => console.error(failureAttachment(rerun)));
    expect(rerun.passed).toBe(true);
  });

  it('reproduces an outbound failure by sending to every destination, and ranks a fix of the smtp client', async ({ onTestFailed }) => {
    // Postfix 3.7 and 3.10 sending to a server without RFC 5746, as the lab captured it.
    const scenarioFile = join(scratch, 'reproduction-outbound.yaml');
    const report = await reproduceJson(['reproduce', '--log', 'test/fixtures/logs/lab-legacy-renegotiation.log', '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json', '--write-scenario', scenarioFile], onTestFailed);
    expect(report.findings.map((f) => f.failure.key)).toEqual(['outbound unsafe-legacy-renegotiation: unsafe legacy renegotiation disabled']);
    const finding = report.findings[0]!;
    expect(finding.failure.direction).toBe('outbound');
    expect(finding.reproducedBy).toEqual(['→ no-secure-renegotiation']);
    expect(finding.outcomes.find((o) => o.hypothesis.name === '→ sslv3-only')?.match).toBe('none');
    expect(finding.explanation).toMatch(/^Sending to .* Reproduced by sending to → no-secure-renegotiation/);
    const best = finding.fixes[0]!;
    expect(best.fix.mainCf).toEqual({ tls_ssl_options: 'LEGACY_SERVER_CONNECT' });
    expect(best.breaks).toEqual([]);
    expect(best.fixes).toEqual(['→ no-secure-renegotiation']);
    expect(best.matrix.find((r) => r.direction === 'outbound' && r.name === 'no-secure-renegotiation')?.outcome).toMatch(/^TLS TLSv1\.2 /);
    expect(report.verdict).toMatch(/^1\/1 logged failure\(s\) reproduced on debian-bookworm\. Best fix for peer lacks secure renegotiation: allow servers without secure renegotiation/);
    expect(await leftovers(report.runId)).toEqual([]);

    const written = readFileSync(scenarioFile, 'utf8');
    expect(written).toContain('#   tls_ssl_options = LEGACY_SERVER_CONNECT');
    const rerun = await runScenario(await loadScenarioFile(scenarioFile, scratch));
    onTestFailed(() => console.error(failureAttachment(rerun)));
    expect(rerun.outbound.map((r) => [r.name, r.observed])).toEqual([['no-secure-renegotiation', { kind: 'plaintext', afterTlsFailure: true }]]);
    expect(rerun.passed).toBe(true);
  });

  it('reproduces small-DH and timeout failures both ways: a DH-strict probe, a 1024-bit destination, peers that stall; ranks the DH fixes', async ({ onTestFailed }) => {
    // A bookworm server with a 1024-bit DH group whose smtp client asks for level 2, and peers that stall after STARTTLS.
    const config = configFolder('dh-config', `${readFileSync(join(root, 'test/fixtures/configs/bookworm-baseline/main.cf'), 'utf8')}
smtpd_tls_dh1024_param_file = /etc/postfix/dh1024.pem
smtp_tls_ciphers = high
tls_high_cipherlist = HIGH:@SECLEVEL=2
`);
    copyFileSync(join(root, 'test/fixtures/scenarios/dh1024.pem'), join(config, 'dh1024.pem'));
    const log = join(scratch, 'dh-and-timeouts.log');
    writeFileSync(log, [
      // As Debian 12's Postfix logs a client that refuses the group (lab-dh1024.log), and the rest in the same forms.
      'Nov 29 09:39:48 mx postfix/smtpd[141]: connect from c1.example[192.0.2.11]',
      'Nov 29 09:39:48 mx postfix/smtpd[141]: SSL_accept error from c1.example[192.0.2.11]: -1',
      'Nov 29 09:39:48 mx postfix/smtpd[141]: warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:',
      'Nov 29 09:39:48 mx postfix/smtpd[141]: lost connection after STARTTLS from c1.example[192.0.2.11]',
      'Nov 29 09:39:48 mx postfix/smtpd[141]: disconnect from c1.example[192.0.2.11] ehlo=1 starttls=0/1 commands=1/2',
      'Nov 29 09:40:00 mx postfix/smtpd[142]: connect from c2.example[192.0.2.12]',
      'Nov 29 09:45:00 mx postfix/smtpd[142]: timeout after STARTTLS from c2.example[192.0.2.12]',
      'Nov 29 09:45:00 mx postfix/smtpd[142]: disconnect from c2.example[192.0.2.12] ehlo=1 starttls=0/1 commands=1/2',
      'Nov 29 09:40:01 mx postfix/smtp[249]: SSL_connect error to mx.old.example[198.51.100.7]:25: -1',
      'Nov 29 09:40:01 mx postfix/smtp[249]: warning: TLS library problem: error:0A00018A:SSL routines::dh key too small:../ssl/statem/statem_clnt.c:2092:',
      'Nov 29 09:40:01 mx postfix/smtp[249]: 4F6D0629C: to=<a@old.example>, relay=mx.old.example[198.51.100.7]:25, delay=0.2, delays=0.1/0/0.1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      'Nov 29 09:46:00 mx postfix/smtp[250]: SSL_connect error to mx.slow.example[198.51.100.8]:25: Connection timed out',
      'Nov 29 09:46:00 mx postfix/smtp[250]: 5A7E0629D: to=<a@slow.example>, relay=mx.slow.example[198.51.100.8]:25, delay=301, delays=0/0/1/300, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
      '',
    ].join('\n'));
    const { report, progress } = await reproduceWithProgress(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json'], root, onTestFailed);
    // Each attempt at the stalling destination takes the 5 s timeout: the run says what it waits for.
    expect(progress).toMatch(/^\[logs\] waiting for .*receiver → starttls-stall: (no attempt finished yet|deferred \d times?)[;( ].*\(at most \d+ s more\)$/m);
    const finding = (cls: string, direction: string) => report.findings.find((f) => f.failure.class === cls && f.failure.direction === direction)!;
    expect(report.findings.map((f) => [f.failure.direction, f.failure.class, f.reproducedBy])).toEqual([
      ['inbound', 'peer-aborted', ['probe-dhe-level2']],
      ['inbound', 'timeout', ['probe-raw-stall']],
      ['outbound', 'dh-key-too-small', ['→ dh1024-only']],
      ['outbound', 'timeout', ['→ starttls-stall']],
    ]);
    expect(finding('peer-aborted', 'inbound').fixes[0]).toMatchObject({ fix: { id: 'builtin-dh-group' }, breaks: [], fixes: ['probe-dhe-level2'] });
    expect(finding('dh-key-too-small', 'outbound').fixes[0]).toMatchObject({ fix: { id: 'outbound-seclevel-1', mainCf: { tls_high_cipherlist: 'HIGH:@SECLEVEL=1' } }, breaks: [] });
    expect(finding('dh-key-too-small', 'outbound').fixes[0]!.matrix.find((r) => r.name === 'dh1024-only')?.outcome).toMatch(/^TLS TLSv1\.2 DHE-/);
    expect(report.config.decisions.filter((d) => d.parameter.endsWith('starttls_timeout')).map((d) => [d.parameter, d.labValue])).toEqual([['smtpd_starttls_timeout', '5s'], ['smtp_starttls_timeout', '5s']]);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces a relay that takes mail only over TLS against a client without smtp_tls_security_level, and fixes it with level may', async ({ onTestFailed }) => {
    // The admin's main.cf leaves smtp_tls_security_level out: the smtp client runs at Postfix's default, without TLS.
    const config = configFolder('no-client-tls', 'myhostname = mx.example.net\nsmtpd_tls_security_level = may\n');
    const log = join(scratch, 'starttls-required.log');
    writeFileSync(log, [
      'Nov 29 10:01:45 mx postfix/smtp[519]: 37F04BD6180: to=<u@relay.example>, relay=smtp.relay.example[198.51.100.25]:587, delay=0.35, delays=0.04/0.01/0.25/0.05, dsn=5.7.0, status=bounced (host smtp.relay.example[198.51.100.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command))',
      '',
    ].join('\n'));
    const report = await reproduceJson(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.reproducedBy])).toEqual([
      ['outbound invalid-local-config: server requires STARTTLS, this client did not use it', ['→ starttls-required']],
    ]);
    const best = report.findings[0]!.fixes[0]!;
    expect(best).toMatchObject({ fix: { id: 'outbound-use-tls', mainCf: { smtp_tls_security_level: 'may' } }, breaks: [] });
    expect(best.matrix.find((r) => r.name === 'starttls-required')?.outcome).toMatch(/^TLS TLSv1\.3 /);
    expect(report.config.decisions.find((d) => d.parameter === 'smtp_tls_security_level')).toMatchObject({ action: 'override', labValue: '' });
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces a deferral quoted by its end alone when the folder requires TLS, and says where the requirement is when it does not', async ({ onTestFailed }) => {
    const log = join(scratch, 'deferral-end.log');
    writeFileSync(log, 'status=deferred (TLS is required, but was not offered by host mx.d.example[192.0.2.40])\n');
    const required = clientAt('encrypt');
    const report = await reproduceJson(['reproduce', '--log', log, '--config', required, '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.failure.peers, f.reproducedBy])).toEqual([
      ['outbound starttls-not-offered: TLS required but not offered', [{ name: 'mx.d.example', addr: '192.0.2.40' }], ['→ no-tls']],
    ]);
    expect(report.findings[0]!.fixes[0]).toMatchObject({ fix: { id: 'outbound-may' }, breaks: [] });
    expect(await leftovers(report.runId)).toEqual([]);

    const optional = clientAt('may');
    const notRequired = await reproduceJson(['reproduce', '--log', log, '--config', optional, '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], onTestFailed, 1);
    expect(notRequired.findings[0]!.reproducedBy).toEqual([]);
    expect(notRequired.findings[0]!.outcomes.find((o) => o.hypothesis.name === '→ no-tls')?.observed.outcome).toBe('plaintext');
    expect(notRequired.findings[0]!.explanation).toContain('at smtp_tls_security_level = may it sends in plaintext to a server without STARTTLS');
    expect(await leftovers(notRequired.runId)).toEqual([]);
  });

  it('reproduces a server that answers STARTTLS with 454 against a client that requires TLS, and fixes it with level may', async ({ onTestFailed }) => {
    // As Postfix 3.7 at level encrypt logs such a server before it goes on to the next (lab-captured).
    const log = join(scratch, 'starttls-refused.log');
    writeFileSync(log, 'Dec 01 18:41:09 receiver postfix/smtp[239]: A17C4511063: TLS is required, but host p-no-tls.dest.lab.test[172.29.0.7] refused to start TLS: 454 4.7.0 TLS not available due to local problem\n');
    const config = clientAt('encrypt', 'client-encrypt-454');
    const report = await reproduceJson(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.failure.peers, f.reproducedBy])).toEqual([
      ['outbound invalid-local-config: TLS not available (local problem)', [{ name: 'p-no-tls.dest.lab.test', addr: '172.29.0.7' }], ['→ starttls-refused']],
    ]);
    expect(report.findings[0]!.explanation).not.toContain('No peer causes this failure');
    expect(report.findings[0]!.fixes[0]).toMatchObject({ fix: { id: 'outbound-may' }, breaks: [] });
    expect(report.findings[0]!.fixes[0]!.matrix.find((r) => r.name === 'starttls-refused')?.outcome).toBe('plaintext after TLS failed');
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces a set-up failure by the configuration alone when Postfix logs the same warning, and writes no scenario without a peer to run', async ({ onTestFailed }) => {
    // As a report quoted it (Mailu #2245): wrapper mode at the default security level.
    const log = join(scratch, 'wrapper-mode-below-encrypt.log');
    writeFileSync(log, ' warning: smtp_tls_wrappermode requires "smtp_tls_security_level = encrypt" (or stronger)\n');
    const config = configFolder('wrapper-mode-may', 'myhostname = mx.example.net\nsmtp_tls_security_level = may\nsmtp_tls_wrappermode = yes\n');
    const scenarioFile = join(scratch, 'wrapper-mode-below-encrypt.yaml');
    const { report, progress } = await reproduceWithProgress(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--write-scenario', scenarioFile, '--json'], root, onTestFailed);
    const [finding] = report.findings;
    expect(finding?.failure.key).toBe('outbound invalid-local-config: wrapper mode below the encrypt level');
    expect(finding?.reproducedBy).toEqual([]);
    expect(finding?.reproducedByConfig).toBe('warning: smtp_tls_wrappermode requires "smtp_tls_security_level = encrypt" (or stronger)');
    expect(finding?.explanation).toContain('Reproduced by the configuration alone: Postfix on debian-bookworm logged the same warning');
    expect(report.verdict).toMatch(/^1\/1 logged failure\(s\) reproduced on debian-bookworm\. No configuration change the lab tried serves wrapper mode below the encrypt level: see the remedy\./);
    // No destination reproduced it, so there is no scenario to run, and the command says so rather than write one.
    expect(progress).toContain(`--write-scenario: no sender or destination reproduced a logged failure, so there is no scenario to run; ${scenarioFile} was not written.`);
    expect(existsSync(scenarioFile)).toBe(false);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces outbound failures of a path that breaks STARTTLS with the raw destinations, and says no setting fixes them', async ({ onTestFailed }) => {
    // Postfix 3.5, 3.7 and 3.10 sending to a server that answers the TLS hello in plaintext, and to one that hangs up.
    const report = await reproduceJson(['reproduce', '--log', 'test/fixtures/logs/lab-broken-starttls-servers.log', '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.reproducedBy])).toEqual([
      ['outbound unexpected-eof: connection closed during handshake', ['→ starttls-hangup']],
      ['outbound wrong-version-number: ssl3_get_record:wrong version number', ['→ starttls-answered-in-plaintext']],
      ['outbound wrong-version-number: wrong version number', ['→ starttls-answered-in-plaintext']],
    ]);
    expect(report.findings.every((f) => f.fixes.length === 0)).toBe(true);
    expect(report.verdict).toBe('3/3 logged failure(s) reproduced on debian-bookworm. No configuration change the lab tried serves connection closed during handshake; wrong version number: see the remedy.');
    expect(await leftovers(report.runId)).toEqual([]);
  });
  it('reproduces an outbound protocol violation with a raw destination that answers the hello out of order', async ({ onTestFailed }) => {
    // The sending half of the fixture: Postfix 3.5, 3.7 and 3.10 to a server that answers the hello with a Finished message.
    const lines = readFileSync(join(root, 'test/fixtures/logs/lab-protocol-violations.log'), 'utf8').split('\n');
    const log = join(scratch, 'protocol-violation-outbound.log');
    writeFileSync(log, `${lines.slice(lines.findIndex((l) => l.includes('postfix/pickup['))).join('\n')}\n`);
    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.reproducedBy])).toEqual([
      ['outbound protocol-violation: ossl_statem_client_read_transition:unexpected message', ['→ starttls-malformed-reply']],
      ['outbound protocol-violation: unexpected message', ['→ starttls-malformed-reply']],
    ]);
    expect(report.findings.every((f) => f.fixes.length === 0)).toBe(true);
    expect(await leftovers(report.runId)).toEqual([]);
  });
  it('reproduces a destination that requires a client certificate in the handshake with an Exim that does', async ({ onTestFailed }) => {
    // Debian 12's Postfix 3.7 part of the fixture: "certificate required" after a TLS 1.3 handshake, "decode error" at TLS 1.2.
    const lines = readFileSync(join(root, 'test/fixtures/logs/lab-exim-client-certificate.log'), 'utf8').split('\n');
    const log = join(scratch, 'exim-client-certificate.log');
    writeFileSync(log, `${lines.slice(lines.findIndex((l) => l.includes('version 3.7.11')), lines.findIndex((l) => l.includes('version 3.10.13'))).join('\n')}\n`);
    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--json'], onTestFailed);
    expect(report.findings.map((f) => [f.failure.key, f.reproducedBy])).toEqual([
      ['outbound peer-aborted: tlsv1 alert decode error', ['→ requires-client-certificate-tls12']],
      ['outbound client-certificate: tlsv13 alert certificate required', ['→ requires-client-certificate-in-handshake']],
    ]);
    expect(await leftovers(report.runId)).toEqual([]);
  });
  it('reproduces a failure of the submission listener on that listener, and fixes it in its master.cf -o', async ({ onTestFailed }) => {
    // Port 25 takes TLS 1.0; the submission listener requires TLS, so its own mandatory list (TLS 1.2 and up) applies.
    const submission = ['-o syslog_name=postfix/submission', '-o smtpd_tls_security_level=encrypt', '-o smtpd_tls_mandatory_protocols=>=TLSv1.2'];
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture-submission',
        receiver: { mainCf: { smtpd_tls_protocols: '>=TLSv1' }, masterCf: [`587 inet n - n - - smtpd ${submission.join(' ')}`] },
        senders: [
          { name: 'old-mua', profile: 'tls10-only', port: 587, expect: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol' } },
          { name: 'old-mta', profile: 'tls10-only', expect: { outcome: 'tls', protocol: 'TLSv1' } },
        ],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, 'submission.log');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);
    const config = configFolder('submission-config', 'smtpd_tls_security_level = may\nsmtpd_tls_protocols = >=TLSv1\nsmtpd_tls_mandatory_protocols = >=TLSv1\n');
    writeFileSync(join(config, 'master.cf'), [
      'smtp       inet n - y - - smtpd',
      'submission inet n - y - - smtpd',
      ...submission.map((o) => `  ${o}`),
      '  -o smtpd_sasl_auth_enable=yes',
      '  -o smtpd_client_restrictions=permit_sasl_authenticated,reject',
      '',
    ].join('\n'));
    const scenarioFile = join(scratch, 'submission.yaml');

    const report = await reproduceJson(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json', '--write-scenario', scenarioFile], onTestFailed);
    expect(report.findings.map((f) => f.failure.key)).toEqual(['unsupported-protocol: unsupported protocol']);
    const finding = report.findings[0]!;
    expect(finding.reproducedBy).toContain('tls10-only-587');
    expect(finding.reproducedBy.every((name) => name.endsWith('-587'))).toBe(true);
    expect(finding.explanation).toContain('It requires TLS, so smtpd takes smtpd_tls_mandatory_protocols');
    expect(report.today?.matrix.find((r) => r.name === 'tls10-only')?.outcome).toMatch(/^TLS TLSv1 /);
    expect(report.config.decisions.find((d) => d.parameter === 'master.cf submission')?.labValue)
      .toBe('587 inet n - n - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_tls_mandatory_protocols=>=TLSv1.2');
    expect(finding.fixes[0]?.fix.listener?.port).toBe(587);
    const tls10 = finding.fixes.find((f) => f.fix.id === '587-allow-tlsv1')!;
    expect(tls10.fix).toMatchObject({ mainCf: {}, listener: { port: 587, set: { smtpd_tls_mandatory_protocols: '>=TLSv1' } } });
    expect(tls10.breaks).toEqual([]);
    expect(tls10.matrix.find((r) => r.name === 'tls10-only-587')?.outcome).toMatch(/^TLS TLSv1 /);
    expect(await leftovers(report.runId)).toEqual([]);

    const written = readFileSync(scenarioFile, 'utf8');
    expect(written).toMatch(/master\.cf submission: -o smtpd_tls_mandatory_protocols=>=TLSv1/);
    const rerun = await runScenario(await loadScenarioFile(scenarioFile, scratch));
    onTestFailed(() => console.error(failureAttachment(rerun)));
    expect(rerun.passed).toBe(true);
    expect(rerun.senders.map((s) => s.name)).toContain('tls10-only-587');
  });

  it('reproduces a client\'s "certificate expired" and "bad certificate" alerts with clients that trust the certificate and check its dates and name', async ({ onTestFailed }) => {
    const later = new Date(Date.now() + 11 * 365 * 86_400_000).toISOString().slice(0, 10);
    const trusting = { client: 'openssl', tls: { verifyCertificate: true, trust: 'receiver' } } as const;
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture-certificates',
        receiver: { toolchain: 'debian-bookworm' },
        senders: [
          { name: 'expired', ...trusting, tls: { ...trusting.tls, verifyAt: later }, expect: { outcome: 'handshake-failed', serverError: 'alert certificate expired' } },
          { name: 'webmail', ...trusting, tls: { ...trusting.tls, verifyHostname: 'localhost' }, expect: { outcome: 'handshake-failed', serverError: 'alert bad certificate' } },
        ],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, 'certificates.log');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);
    const scenarioFile = join(scratch, 'certificates.yaml');

    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json', '--write-scenario', scenarioFile], onTestFailed);
    const byKey = new Map(report.findings.map((f) => [f.failure.key, f]));
    expect([...byKey.keys()].sort()).toEqual(['certificate-verification: sslv3 alert bad certificate', 'certificate-verification: sslv3 alert certificate expired']);
    const expired = byKey.get('certificate-verification: sslv3 alert certificate expired')!;
    expect(expired.reproducedBy).toEqual(['probe-verify-expired']);
    expect(expired.explanation).toContain('No TLS setting of this server changes that, only the certificate it serves: Renew the certificate and run `postfix reload`');
    const name = byKey.get('certificate-verification: sslv3 alert bad certificate')!;
    // Go sends the same alert for the self-signed certificate it cannot verify: one more cause behind it.
    expect(name.reproducedBy.sort()).toEqual(['go-mailer', 'probe-verify-not-yet-valid', 'probe-verify-other-name']);
    expect(name.explanation).toContain('the alert is the same for each cause');
    // The verifying sender with the system CA store meets the self-signed certificate: "unknown ca", a near miss.
    expect(expired.outcomes.find((o) => o.hypothesis.name === 'verifying-sender')?.match).toBe('class');
    expect(await leftovers(report.runId)).toEqual([]);

    const rerun = await runScenario(await loadScenarioFile(scenarioFile, scratch));
    onTestFailed(() => console.error(failureAttachment(rerun)));
    expect(rerun.passed).toBe(true);
    expect(rerun.senders.map((s) => s.name)).toEqual(expect.arrayContaining(['probe-verify-expired', 'probe-verify-other-name']));

    // The admin's own certificate, expired since 2021 and from a private CA: checked as it is today, it gives the very alert.
    const own = io();
    expect(await main(['reproduce', '--log', log, '--config', 'test/fixtures/configs/expired-certificate', '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], own)).toBe(0);
    onTestFailed(() => console.error(own.err(), own.out().slice(0, 20_000)));
    const withOwn = JSON.parse(own.out()) as ReproduceReport;
    expect(withOwn.config.certificate?.problems[0]).toBe('it ended on 2021-01-01: every client that verifies rejects it ("certificate expired" from OpenSSL clients)');
    const today = withOwn.findings.find((f) => f.failure.key === 'certificate-verification: sslv3 alert certificate expired')!;
    expect(today.reproducedBy).toEqual(['probe-verify-today', 'probe-verify-expired']);
    expect(today.explanation).toContain('Your certificate (certs/fullchain.pem: mail.example.net, smtp.example.net, 2020-01-01 to 2021-01-01, RSA 2048 bits, 1 more certificate(s) in the chain): it ended on 2021-01-01');
    // The system CA store does not know the private CA: "unknown ca", however expired the certificate is.
    expect(today.outcomes.find((o) => o.hypothesis.name === 'verifying-sender')?.detail).toContain('unknown ca');
    expect(await leftovers(withOwn.runId)).toEqual([]);
  });

  it('checks the certificate a listener serves with its own -o files: an expired one on port 465 is the alert\'s cause today', async ({ onTestFailed }) => {
    const log = join(scratch, 'smtps-expired.log');
    writeFileSync(log, [
      'Nov 30 10:00:00 mx1 postfix/smtps/smtpd[4242]: connect from app.example.org[192.0.2.44]',
      'Nov 30 10:00:00 mx1 postfix/smtps/smtpd[4242]: SSL_accept error from app.example.org[192.0.2.44]: -1',
      'Nov 30 10:00:00 mx1 postfix/smtps/smtpd[4242]: warning: TLS library problem: error:0A000415:SSL routines::sslv3 alert certificate expired:../ssl/record/rec_layer_s3.c:1601:SSL alert number 45:',
      'Nov 30 10:00:00 mx1 postfix/smtps/smtpd[4242]: lost connection after CONNECT from app.example.org[192.0.2.44]',
      'Nov 30 10:00:00 mx1 postfix/smtps/smtpd[4242]: disconnect from app.example.org[192.0.2.44] commands=0/0',
      '',
    ].join('\n'));
    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/listener-certificate', '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], onTestFailed);
    expect(report.findings.map((f) => f.failure.key)).toEqual(['certificate-verification: sslv3 alert certificate expired']);
    const finding = report.findings[0]!;
    // The client that trusts the certificates the receiver serves (main.cf's and the listener's) meets the listener's at today's date.
    expect(finding.reproducedBy).toContain('probe-verify-today-465');
    expect(finding.explanation).toContain('Your certificate (certs/old-fullchain.pem: mail.example.net, smtp.example.net, 2020-01-01 to 2021-01-01');
    expect(report.config.certificate?.file).toBe('certs/mail.pem');
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces a Java client\'s "certificate unknown" with the Java profile and a Java client that checks another name', async ({ onTestFailed }) => {
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture-java',
        receiver: { toolchain: 'debian-bookworm' },
        senders: [{ name: 'app', profile: 'java-app-jdk17', expect: { outcome: 'handshake-failed', serverError: 'alert certificate unknown' } }],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, 'java.log');
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);

    const report = await reproduceJson(['reproduce', '--log', log, '--config', 'test/fixtures/configs/bookworm-baseline', '--toolchain', 'debian-bookworm', '--max-fixes', '1', '--json'], onTestFailed);
    expect(report.findings.map((f) => f.failure.key)).toEqual(['certificate-verification: sslv3 alert certificate unknown']);
    const [finding] = report.findings;
    expect(finding!.reproducedBy.sort()).toEqual(['java-app-jdk17', 'probe-java-other-name']);
    expect(finding!.explanation).toContain('the alert is the same for each cause');
    // OpenSSL's verifying sender rejects the same certificate in its own words: a near miss.
    expect(finding!.outcomes.find((o) => o.hypothesis.name === 'verifying-sender')?.match).toBe('class');
    // The one setting that serves them, not offering STARTTLS, says what it gives up.
    expect(report.verdict).toContain('do not offer STARTTLS to the failing senders (breaks no sender that works today; serves 2/2; gives up: those senders deliver in plaintext, where the remedy is the certificate)');
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces an smtp client that trusts no CA ("untrusted issuer" for a public CA) and ranks the system\'s CA bundle before giving up verification', async ({ onTestFailed }) => {
    const log = join(scratch, 'untrusted-issuer.log');
    writeFileSync(log, [
      'Sep 10 10:00:01 mx postfix/smtp[138]: Trusted TLS connection established to gmail-smtp-in.l.google.com[142.250.4.27]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Sep 10 10:00:01 mx postfix/smtp[138]: certificate verification failed for gmail-smtp-in.l.google.com[142.250.4.27]:25: untrusted issuer /OU=GlobalSign Root CA - R2/O=GlobalSign/CN=GlobalSign',
      'Sep 10 10:00:01 mx postfix/smtp[138]: 4F1E21A2B3: to=<someone@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.4.27]:25, delay=0.4, delays=0.01/0/0.2/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
      '',
    ].join('\n'));
    const config = configFolder('verify-config', 'smtp_tls_security_level = verify\nsmtp_tls_loglevel = 1\n');

    const report = await reproduceJson(['reproduce', '--log', log, '--config', config, '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json'], onTestFailed);
    expect(report.findings.map((f) => f.failure.key)).toEqual(['outbound certificate-verification: certificate verification failed']);
    const finding = report.findings[0]!;
    // Without a CA file a certificate from a CA has an untrusted issuer, but Postfix names the certificate's own flaw
    // first (expired, another name); a self-signed one is another cause again.
    expect(finding.reproducedBy.sort()).toEqual(['→ public-ca', '→ public-ca-no-chain']);
    expect(finding.outcomes.find((o) => o.hypothesis.name === '→ public-ca-expired')).toMatchObject({ match: 'class', detail: expect.stringContaining('expired, not from an issuer') });
    expect(finding.outcomes.find((o) => o.hypothesis.name === '→ tls12-only')).toMatchObject({ match: 'class', detail: expect.stringContaining('self-signed, not from an issuer this client does not trust') });
    expect(finding.fixes.map((f) => f.fix.id)).toEqual(['outbound-system-ca', 'outbound-encrypt']);
    const [systemCa, encrypt] = finding.fixes as [FixEffect, FixEffect];
    expect(systemCa.fix.mainCf).toEqual({ smtp_tls_CAfile: '/etc/ssl/certs/ca-certificates.crt' });
    expect(systemCa.breaks).toEqual([]);
    expect(systemCa.fixes).toEqual(['→ public-ca']);
    expect(encrypt.fixes.sort()).toEqual(['→ public-ca', '→ public-ca-no-chain']);
    expect(report.today?.result.receiver.log.some((line) => /certificate verification failed for public-ca\.dest\.lab\.test\[[\d.]+\]:25: untrusted issuer \/O=tlslab\/CN=tlslab Root CA$/.test(line))).toBe(true);
    expect(report.verdict).toContain('Best fix for certificate verification failed: trust the CAs of the system\'s bundle (smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt) (breaks no sender that works today; serves 1/2)');
    expect(await leftovers(report.runId)).toEqual([]);
  });
  it.for([
    { config: 'ecdsa-certificate', changes: ['smtpd_tls_cert_file', 'smtpd_tls_eccert_file', 'smtpd_tls_eckey_file', 'smtpd_tls_key_file'] },
    { config: 'ecdsa-chain-files', changes: ['smtpd_tls_chain_files'] },
  ])('reproduces "no shared cipher" of an ECDSA certificate alone ($config) with RSA-only senders, and ranks an RSA certificate beside it first', async ({ config, changes }, { onTestFailed }) => {
    const capture = await runScenario({
      scenario: defineScenario({
        name: 'capture-ecdsa',
        receiver: { toolchain: 'debian-bookworm', certificate: { generate: ['ecdsa'] } },
        senders: [{ name: 'old-exchange', profile: 'exchange-2010-pre-sp3-ru9', expect: { outcome: 'handshake-failed', failureClass: 'no-shared-cipher' } }],
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(capture)));
    expect(capture.passed).toBe(true);
    const log = join(scratch, `${config}.log`);
    writeFileSync(log, `${capture.receiver.log.join('\n')}\n`);

    const report = await reproduceJson(['reproduce', '--log', log, '--config', `test/fixtures/configs/${config}`, '--toolchain', 'debian-bookworm', '--max-fixes', '2', '--json'], onTestFailed);
    expect(report.findings).toHaveLength(1);
    const finding = report.findings[0]!;
    expect(finding.reproducedBy).toEqual(expect.arrayContaining(['probe-rsa-auth-only', 'rsa-kx-only', 'exchange-2010-pre-sp3-ru9']));
    expect(finding.explanation).toContain('Your certificate is ECDSA (EC prime256v1) and no RSA certificate is configured');
    const best = finding.fixes[0]!;
    expect(best.fix.id).toBe('add-rsa-certificate');
    expect(Object.keys(best.fix.mainCf).sort()).toEqual(changes);
    expect(best.breaks).toEqual([]);
    expect(best.fixes).toEqual(expect.arrayContaining(['probe-rsa-auth-only', 'rsa-kx-only', 'exchange-2010-pre-sp3-ru9']));
    // ECDSA-capable senders keep the ECDSA certificate.
    expect(best.matrix.find((r) => r.name === 'gmail-2018')?.outcome).toMatch(/^TLS TLSv1\.2 ECDHE-ECDSA-/);
    expect(await leftovers(report.runId)).toEqual([]);
  });

  it('reproduces the two failures of the reported case on Postfix 2.6.6 / OpenSSL 1.0.1e, explains them and ranks fixes', async ({ onTestFailed, skip }) => {
    const unusable = await unusableSources('postfix-2.6.6-openssl-1.0.1e');
    if (unusable !== undefined) {
      console.warn(`SKIPPED the reported case on postfix-2.6.6-openssl-1.0.1e: ${unusable}`);
      skip(`needs the release tarballs of postfix-2.6.6-openssl-1.0.1e (see "tlslab sources list"): ${unusable}`);
      return;
    }
    const report = await reproduceJson([
      'reproduce', '--log', 'test/fixtures/logs/seed-maillog.log', '--config', 'test/fixtures/configs/reported-case-2.6.6', '--toolchain', 'postfix-2.6.6-openssl-1.0.1e', '--json',
    ], onTestFailed);
    expect(report.findings.map((f) => f.failure.class).sort()).toEqual(['no-shared-cipher', 'unknown-protocol']);
    for (const finding of report.findings) {
      expect(finding.reproducedBy.length, finding.failure.key).toBeGreaterThan(0);
      expect(finding.explanation).toMatch(/failed with "/);
      expect(finding.fixes.length, finding.failure.key).toBeGreaterThan(1);
      expect(finding.fixes[0]!.breaks, finding.failure.key).toEqual([]);
    }
    expect(await leftovers(report.runId)).toEqual([]);
  });
});
