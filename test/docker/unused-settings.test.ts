import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unusedSettings } from '../../lab/postfix-config/unused-settings.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import type { Expectation } from '../../lab/scenario/schema.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/** TLS 1.3 alone, in the syntax of every Postfix version. */
const TLS13_ONLY = '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2';

/**
 * A receiver that requires TLS both ways (security level encrypt) and limits the protocols of the other level to
 * TLS 1.3. smtpd and the smtp client read only the mandatory protocols at that level, so a TLS 1.2 sender and a
 * TLS 1.2 destination still get TLS 1.2; `unusedSettings` says so of the same main.cf. Limiting the mandatory
 * protocols instead (the control) refuses them both.
 */
const CASES: { receiver: string; control?: true }[] = [
  { receiver: 'debian-bullseye' },
  { receiver: 'debian-bookworm' },
  { receiver: 'debian-trixie' },
  { receiver: 'debian-bookworm', control: true },
];

describe.each(CASES)('protocols of the other security level, on $receiver', ({ receiver, control }) => {
  it(control ? 'the control: the mandatory protocols limited to TLS 1.3 refuse TLS 1.2' : 'at level encrypt, smtpd_tls_protocols and smtp_tls_protocols change nothing', async ({ onTestFailed }) => {
    await prepareImages([receiver, 'debian-bookworm']);
    const limited = control ? ['smtpd_tls_mandatory_protocols', 'smtp_tls_mandatory_protocols'] : ['smtpd_tls_protocols', 'smtp_tls_protocols'];
    const mainCf: Record<string, string> = { smtpd_tls_security_level: 'encrypt', smtp_tls_security_level: 'encrypt', ...Object.fromEntries(limited.map((name) => [name, TLS13_ONLY])) };
    const inbound: Expectation = control ? { outcome: 'handshake-failed' } : { outcome: 'tls', protocol: 'TLSv1.2' };
    const outbound: Expectation = control ? { outcome: 'handshake-failed', fate: 'deferred' } : { outcome: 'tls', protocol: 'TLSv1.2' };
    const scenario = defineScenario({
      name: `unused-settings-${receiver}${control ? '-control' : ''}`,
      receiver: { toolchain: receiver, mainCf },
      senders: [{ name: 'tls12', profile: 'tls12-only', expect: inbound }],
      outbound: [{ name: 'tls12-max', mainCf: { smtpd_tls_protocols: '<=TLSv1.2', smtpd_tls_mandatory_protocols: '<=TLSv1.2' }, expect: outbound }],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect([...result.senders, ...result.outbound].filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const text = Object.entries(mainCf).map(([name, value]) => `${name} = ${value}`).join('\n');
    expect(unusedSettings(text).map((u) => u.parameter)).toEqual(control ? [] : limited);
    // The run's notes say so too.
    expect(result.notes.filter((note) => note.includes('has no effect')).map((note) => note.split(' = ')[0])).toEqual(control ? [] : limited.map((name) => `receiver.mainCf.${name}`));
    expect(await leftovers(result.runId)).toEqual([]);
  });
});

describe('a legacy boolean beside a security level, on debian-bookworm', () => {
  it('smtpd_enforce_tls = yes beside smtpd_tls_security_level = may requires nothing: a sender without STARTTLS delivers', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm']);
    const mainCf = { smtpd_tls_security_level: 'may', smtpd_enforce_tls: 'yes' };
    const scenario = defineScenario({
      name: 'unused-settings-legacy-enforce',
      receiver: { toolchain: 'debian-bookworm', mainCf },
      senders: [{ name: 'plain', profile: 'no-starttls', expect: { outcome: 'plaintext', fate: 'delivered' } }],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const text = Object.entries(mainCf).map(([name, value]) => `${name} = ${value}`).join('\n');
    expect(unusedSettings(text).map((u) => u.parameter)).toEqual(['smtpd_enforce_tls']);
    expect(result.notes.join('\n')).toContain('receiver.mainCf.smtpd_enforce_tls = yes has no effect: smtpd_tls_security_level = may decides the level of the smtpd');
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
