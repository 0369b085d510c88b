import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLabError } from '../../../lab/errors.ts';
import { defineScenario, loadScenarioFile } from '../../../lab/scenario/load.ts';
import { resolveSender } from '../../../lab/senders/profiles.ts';

async function scenarioFile(text: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tlslab-schema-'));
  const file = join(dir, 'seed.yaml');
  await writeFile(file, text);
  return { dir, file };
}

async function problemsOf(text: string): Promise<string[]> {
  const { dir } = await scenarioFile(text);
  try {
    await loadScenarioFile('seed.yaml', dir);
  } catch (error) {
    if (isLabError(error, 'LAB_SCENARIO_INVALID')) return error.message.split('\n');
    throw error;
  }
  throw new Error('the scenario was accepted');
}

const valid = `name: seed
receiver:
  toolchain: debian-bookworm
  mainCf:
    smtpd_tls_security_level: may
    smtpd_tls_loglevel: 1
    smtpd_use_tls: true
    policyd-spf_time_limit: 3600
senders:
  - name: modern
    expect: { outcome: tls, protocol: TLSv1.3 }
  - name: old
    tls: { minProtocol: TLSv1, maxProtocol: TLSv1, ciphers: "DEFAULT:@SECLEVEL=0" }
    expect: { outcome: handshake-failed, serverError: "no shared cipher" }
`;

describe('scenario files', () => {
  it('accepts a valid file and applies defaults', async () => {
    const { dir } = await scenarioFile(valid);
    const { scenario } = await loadScenarioFile('seed.yaml', dir);
    // A service's own parameter carries the service's name, dash included.
    expect(scenario.receiver.mainCf).toEqual({ smtpd_tls_security_level: 'may', smtpd_tls_loglevel: '1', smtpd_use_tls: 'yes', 'policyd-spf_time_limit': '3600' });
    expect(scenario.receiver.masterCf).toEqual([]);
    expect(resolveSender(scenario.senders[0]!, new Map())).toMatchObject({ client: 'swaks', delivery: 'client', starttls: 'required', toolchain: 'debian-bookworm', tls: {}, mainCf: {} });
    expect(scenario.timeoutSeconds).toBe(30);
  });

  it('reports a bad enum value with its exact path, line, the choices and the value', async () => {
    const problems = await problemsOf(valid.replace('maxProtocol: TLSv1,', 'maxProtocol: TLS1,'));
    expect(problems).toEqual(['seed.yaml:13: senders[1].tls.maxProtocol: expected one of SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; got "TLS1"']);
  });

  it('reports every problem at once', async () => {
    const text = `name: Bad Name
receiver:
  mainCf:
    bad=name: x
  masterCf: ["garbage"]
senders:
  - name: a
    starttls: sometimes
    expect: { outcome: tls, protocol: [TLSv1.4] }
  - name: a
    expect: { outcome: delivered }
  - name: b
    colour: blue
    expect: { outcome: plaintext }
`;
    const problems = await problemsOf(text);
    expect(problems).toEqual([
      'seed.yaml:1: name: lower-case letters, digits, dots and dashes, at most 41 characters',
      'seed.yaml:4: receiver.mainCf.bad=name: a main.cf parameter name',
      'seed.yaml:5: receiver.masterCf[0]: a master.cf entry: "service type private unpriv chroot wakeup maxproc command [args]"',
      'seed.yaml:8: senders[0].starttls: expected one of required, optional, none, implicit; got "sometimes"',
      'seed.yaml:9: senders[0].expect.protocol[0]: expected one of SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; got "TLSv1.4"',
      'seed.yaml:11: senders[1].expect.outcome: expected one of tls, plaintext, handshake-failed, refused; got "delivered"',
      'seed.yaml:13: senders[2].colour: unknown key',
    ]);
  });

  it('rejects duplicate sender names and an inverted protocol range', async () => {
    const text = `name: dup
receiver: {}
senders:
  - name: a
    tls: { minProtocol: TLSv1.3, maxProtocol: TLSv1 }
    expect: { outcome: plaintext }
  - name: a
    expect: { outcome: plaintext }
`;
    expect(await problemsOf(text)).toEqual([
      'seed.yaml:5: senders[0].tls.minProtocol: minProtocol is above maxProtocol',
      'seed.yaml:7: senders[1].name: "a" is already the name of senders[0]',
    ]);
  });

  it('names a missing required field', async () => {
    expect(await problemsOf('name: x\nsenders: []\n')).toEqual(['seed.yaml: receiver: required (object)']);
    expect(await problemsOf('name: x\nreceiver: {}\nsenders: []\n')).toEqual(['seed.yaml:3: senders: give at least one sender or one outbound destination']);
  });

  it('takes a raw destination with its afterStarttls, and rejects at their paths what it cannot take', async () => {
    const raw = defineScenario({ name: 'ok', receiver: {}, outbound: [{ name: 'proxy', server: 'raw', afterStarttls: 'plaintext-reply', expect: { outcome: 'plaintext' } }] });
    expect(raw.outbound[0]).toMatchObject({ server: 'raw', afterStarttls: 'plaintext-reply', toolchain: 'debian-bookworm' });
    const text = [
      'name: x',
      'receiver: {}',
      'outbound:',
      '  - { name: a, server: raw, expect: { outcome: plaintext } }',
      '  - { name: b, server: raw, afterStarttls: close, mainCf: { smtpd_tls_security_level: may }, expect: { outcome: plaintext } }',
      '  - { name: c, afterStarttls: close, expect: { outcome: plaintext } }',
      '  - { name: e, server: exim, files: { dh.pem: dh.pem }, expect: { outcome: tls } }',
      '  - { name: f, server: raw, afterStarttls: close, port: 465, expect: { outcome: plaintext } }',
      '',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'seed.yaml:4: outbound[0].afterStarttls: a raw destination needs afterStarttls: one of plaintext-reply, close, stall, unexpected-message',
      'seed.yaml:5: outbound[1].mainCf: a raw destination has no main.cf; choose its behaviour with afterStarttls',
      'seed.yaml:6: outbound[2].afterStarttls: afterStarttls is for a raw destination (server: raw)',
      'seed.yaml:7: outbound[3].files: an Exim destination takes no files: they are for a Postfix destination\'s mainCf',
      'seed.yaml:8: outbound[4].port: a raw destination serves port 25 only; a Postfix destination serves 465 and 587 too',
    ]);
    expect(await problemsOf('name: x\nreceiver: {}\noutbound:\n  - { name: d, server: raw, afterStarttls: hang, expect: { outcome: plaintext } }\n'))
      .toEqual(['seed.yaml:4: outbound[0].afterStarttls: expected one of plaintext-reply, close, stall, unexpected-message; got "hang"']);
  });

  it('takes a backup that names another Postfix destination, and `via` for it alone', async () => {
    const ok = defineScenario({
      name: 'ok', receiver: {},
      outbound: [{ name: 'mx1', backup: 'mx2', expect: { outcome: 'tls', via: 'mx2' } }, { name: 'mx2', expect: { outcome: 'tls' } }],
    });
    expect(ok.outbound[0]).toMatchObject({ backup: 'mx2', expect: { via: 'mx2' } });
    const text = [
      'name: x',
      'receiver: {}',
      'senders:',
      '  - { name: s, expect: { outcome: tls, via: mx2 } }',
      'outbound:',
      '  - { name: a, backup: a, expect: { outcome: tls } }',
      '  - { name: b, backup: nowhere, expect: { outcome: tls } }',
      '  - { name: c, backup: e, expect: { outcome: plaintext, via: e } }',
      '  - { name: d, expect: { outcome: tls, via: a } }',
      '  - { name: e, server: exim, expect: { outcome: tls } }',
      '  - { name: f, backup: a, expect: { outcome: tls, via: b } }',
      '',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'seed.yaml:4: senders[0].expect.via: via is for outbound destinations with a backup',
      'seed.yaml:6: outbound[0].backup: a destination cannot be its own backup',
      'seed.yaml:7: outbound[1].backup: no outbound destination is named "nowhere" (there are: a, c, d, e, f)',
      'seed.yaml:8: outbound[2].backup: the backup "e" is exim; a backup must be a Postfix destination, which takes the mail of another',
      'seed.yaml:9: outbound[3].expect.via: via needs a backup on this destination',
      'seed.yaml:11: outbound[5].expect.via: via must name this destination\'s backup, "a"',
    ]);
  });

  it('takes a sender port that the receiver serves: 25, 465 and 587 by default, others by a master.cf inet entry', async () => {
    const text = [
      'name: x',
      'receiver:',
      '  masterCf: ["127.0.0.1:2525 inet n - n - - smtpd", "10025 unix - - n - - smtpd"]',
      'senders:',
      '  - { name: a, port: 465, starttls: implicit, client: openssl, expect: { outcome: tls } }',
      '  - { name: b, port: 2525, expect: { outcome: tls } }',
      '  - { name: c, port: 10025, expect: { outcome: tls } }',
      '  - { name: d, port: 0, expect: { outcome: tls } }',
      '',
    ].join('\n');
    expect(await problemsOf(text)).toEqual([
      'seed.yaml:8: senders[3].port: Too small: expected number to be >=1',
      'seed.yaml:7: senders[2].port: no "inet" service on port 10025 in receiver.masterCf (25, 465 and 587 need none); add e.g. "10025 inet n - n - - smtpd"',
    ]);
  });

  it('reports YAML syntax errors with their line', async () => {
    const problems = await problemsOf('name: x\nreceiver:\n  mainCf: {a: 1\nsenders: []\n');
    expect(problems[0]).toMatch(/^seed\.yaml:\d+: \(yaml\): /);
  });

  it('is usable from TypeScript through defineScenario with the same validation', () => {
    const scenario = defineScenario({ name: 'ts', receiver: {}, senders: [{ name: 'p', starttls: 'none', expect: { outcome: 'plaintext' } }] });
    expect(scenario.receiver.toolchain).toBe('debian-bookworm');
    expect(() =>
      defineScenario({ name: 'ts', receiver: {}, senders: [{ name: 'p', tls: { maxProtocol: 'TLS1' as never }, expect: { outcome: 'plaintext' } }] }),
    ).toThrow('ts: senders[0].tls.maxProtocol: expected one of SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; got "TLS1"');
  });

  it('validates the shipped scenarios', async () => {
    const { scenario } = await loadScenarioFile('scenarios/quickstart.yaml', join(import.meta.dirname, '../../..'));
    expect(scenario.senders.map((s) => s.name)).toEqual(['modern', 'tls10-only', 'tls10-only-seclevel0', 'no-starttls']);
  });
});
