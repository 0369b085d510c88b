import { describe, expect, it } from 'vitest';
import { diffMatrices, type MatrixRow } from '../../../lab/advice/matrix.ts';
import { rankOutcome } from '../../../lab/advice/outcome-order.ts';
import { validateVerdict } from '../../../lab/advice/validate.ts';
import type { Observed } from '../../../lab/scenario/outcome.ts';

const row = (name: string, observed: Observed): MatrixRow => {
  const fate = { status: observed.kind === 'handshake-failed' ? ('not-sent' as const) : ('delivered' as const) };
  return { direction: 'inbound', name, outcome: observed.kind, rank: rankOutcome({ observed, fate }), fate: fate.status, evidence: '', lines: [] };
};
const baseline = { matrix: [row('tls10-only', { kind: 'tls', protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA' }), row('modern', { kind: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' })] };
const breaking = { matrix: [row('tls10-only', { kind: 'handshake-failed', failureClass: 'unsupported-protocol' }), baseline.matrix[1]!] };

describe('validateVerdict', () => {
  const diff = diffMatrices(baseline.matrix, breaking.matrix);
  const regressions = diff.filter((d) => d.change === 'newly-fails');

  it('a proposal that breaks a sender the baseline served is NOT SAFE, exit 1', () => {
    expect(validateVerdict(breaking, baseline, diff, regressions, [], false)).toMatchObject({ exitCode: 1, verdict: expect.stringMatching(/^NOT SAFE: the proposal breaks 1 peer\(s\) the baseline served: tls10-only/) });
  });
  it('--allow-regressions turns it into a warning, exit 0', () => {
    expect(validateVerdict(breaking, baseline, diff, regressions, [], true)).toMatchObject({ exitCode: 0, verdict: expect.stringMatching(/^SAFE ONLY IF ACCEPTED/) });
  });
  it('a configuration error from Postfix is never allowed', () => {
    const same = diffMatrices(baseline.matrix, baseline.matrix);
    expect(validateVerdict(baseline, baseline, same, [], ['warning: Invalid TLS protocol list "TLSv1.2, !TLSv1": disabling TLS support'], true).exitCode).toBe(1);
    expect(validateVerdict(baseline, baseline, same, [], [], false)).toMatchObject({ exitCode: 0, verdict: expect.stringMatching(/^SAFE: the proposal breaks no peer/) });
  });
  it('names the settings of the proposal that no Postfix process reads, without changing the exit status', () => {
    const same = diffMatrices(baseline.matrix, baseline.matrix);
    const unused = [{ parameter: 'smtp_tls_protocols', value: '>=TLSv1.3', source: 'main.cf:3', file: 'main.cf' as const, line: 3, reason: '' }];
    expect(validateVerdict(baseline, baseline, same, [], [], false, unused)).toMatchObject({
      exitCode: 0, verdict: expect.stringMatching(/^SAFE: .* It sets 1 TLS setting\(s\) that no Postfix process reads at its security levels: smtp_tls_protocols\.$/),
    });
  });
  it('without a baseline, it reports who is served', () => {
    expect(validateVerdict(breaking, undefined, undefined, [], [], false)).toMatchObject({ exitCode: 0, verdict: expect.stringContaining('1/2 peers served (1 over TLS), failing: tls10-only') });
  });
});
