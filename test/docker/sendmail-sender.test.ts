import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineScenario, loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

type SenderInput = NonNullable<Parameters<typeof defineScenario>[0]['senders']>[number];

/**
 * Sendmail senders on `toolchain` against a receiver that takes TLS 1.3 only, where a Sendmail limited to TLS 1.2
 * cannot complete a handshake: one with the defaults, one limited to TLS 1.2 (8.15 has no name for SSL_OP_NO_TLSv1_3:
 * the lab gives the flag's value), one kept from STARTTLS, and `more` with the same client and toolchain.
 */
async function runSendmails(name: string, toolchain: string, more: Omit<SenderInput, 'client' | 'toolchain'>[], onTestFailed: (fn: () => void) => void) {
  await prepareImages(['debian-bookworm', toolchain]);
  const sendmail = { client: 'sendmail', toolchain } as const;
  const result = await runScenario({
    scenario: defineScenario({
      name,
      receiver: { mainCf: { smtpd_tls_protocols: '>=TLSv1.3' } },
      senders: [
        { name: 'sendmail', ...sendmail, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
        { name: 'sendmail-tls12', ...sendmail, tls: { maxProtocol: 'TLSv1.2' }, expect: { outcome: 'handshake-failed', failureClass: 'unsupported-protocol', fate: 'deferred' } },
        { name: 'sendmail-no-tls', ...sendmail, starttls: 'none', expect: { outcome: 'plaintext' } },
        ...more.map((sender) => ({ ...sender, ...sendmail })),
      ],
      timeoutSeconds: 30,
    }),
    dir: root,
  });
  onTestFailed(() => console.error(failureAttachment(result)));
  expect(result.error).toBeUndefined();
  expect(result.senders.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
  return { result, row: Object.fromEntries(result.senders.map((s) => [s.name, s])) };
}

describe('Sendmail as a sender', () => {
  it.for([
    // 8.17 on OpenSSL 3.0, and 8.18 on 3.5
    { debian: 12, version: '8.17', toolchain: 'debian-bookworm-sendmail' },
    { debian: 13, version: '8.18', toolchain: 'debian-trixie-sendmail' },
  ] as const)('Debian $debian: delivers over TLS 1.3, defers on a failed handshake without falling back, and falls back only with TLSFallbacktoClear', async ({ debian, version, toolchain }, { onTestFailed }) => {
    const { result, row } = await runSendmails(`sendmail-senders-${debian}`, toolchain, [
      { name: 'sendmail-tls12-fallback', tls: { maxProtocol: 'TLSv1.2' }, sendmailOptions: { TLSFallbacktoClear: 'true' }, expect: { outcome: 'plaintext', afterTlsFailure: true } },
      // Through the smart host's other port: the submission service, where TLS is required.
      { name: 'sendmail-587', port: 587, expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
    ], onTestFailed);
    // Every queue run tries TLS again; the lab stops waiting after three deferrals, well before the scenario's timeout.
    expect(row['sendmail-tls12']?.path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, deferred: 454 4.7.0 TLS handshake failed. (3 times)');
    expect(row['sendmail-tls12-fallback']?.path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, then delivered in plaintext at once');
    expect(row['sendmail-no-tls']?.transcript).toContain('do not try TLS with');
    expect(result.timings.logsMs).toBeLessThan(20_000);
    expect(result.selfReports.some((r) => r.mtaVersion?.startsWith(`Sendmail ${version}`))).toBe(true);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('Debian 11 (8.15 on OpenSSL 1.1.1): delivers over TLS 1.3, defers on a failed handshake without falling back, and has no TLSFallbacktoClear', async ({ onTestFailed }) => {
    const { result, row } = await runSendmails('sendmail-8-15-senders', 'debian-bullseye-sendmail', [], onTestFailed);
    // The same stuck sender as 8.17, with another reply code.
    expect(row['sendmail-tls12']?.path).toBe('tls-failed: STARTTLS failed: tlsv1 alert protocol version, deferred: 403 4.7.0 TLS handshake failed. (3 times)');
    expect(result.selfReports.some((r) => r.mtaVersion?.startsWith('Sendmail 8.15'))).toBe(true);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);

    // The option that lets 8.16 and later resend in clear does not exist in 8.15: its daemon refuses the configuration.
    const fallback = await runScenario({
      scenario: defineScenario({
        name: 'sendmail-8-15-fallback',
        receiver: {},
        senders: [{ name: 'sendmail-fallback', client: 'sendmail', toolchain: 'debian-bullseye-sendmail', sendmailOptions: { TLSFallbacktoClear: 'true' }, expect: { outcome: 'plaintext' } }],
      }),
      dir: root,
    });
    expect(fallback.error?.code).toBe('LAB_CONTAINER_FAILED');
    expect(fallback.error?.message).toMatch(/Sender MTA sendmail-fallback .* stopped before it answered "220"[^]*unknown option name TLSFallbacktoClear/);
    expect(fallback.passed).toBe(false);
    expect(await leftovers(fallback.runId)).toEqual([]);
  });

  it('scenarios/hardening-fallbacks.yaml: after a TLS 1.3-only hardening, Postfix downgrades to plaintext, Sendmail stays stuck', async ({ onTestFailed }) => {
    const result = await runScenario(await loadScenarioFile('scenarios/hardening-fallbacks.yaml', root));
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
