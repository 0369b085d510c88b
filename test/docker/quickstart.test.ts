import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');

describe('quickstart through the API, with real containers', () => {
  it('observes what the real bookworm stacks do for each sender', async ({ onTestFailed }) => {
    const loaded = await loadScenarioFile('scenarios/quickstart.yaml', root);
    const result = await runScenario(loaded);
    onTestFailed(() => console.error(failureAttachment(result)));

    expect(result.error).toBeUndefined();
    const byName = Object.fromEntries(result.senders.map((s) => [s.name, s]));
    expect(byName.modern?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1.3' });
    expect(byName['tls10-only']?.observed).toMatchObject({ kind: 'handshake-failed', failureClass: 'peer-aborted' });
    expect(byName['tls10-only']?.observed.kind === 'handshake-failed' && byName['tls10-only'].observed.clientError).toContain('legacy sigalg disallowed');
    expect(byName['tls10-only-seclevel0']?.observed).toEqual({ kind: 'tls', protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', bits: 256 });
    expect(byName['no-starttls']?.observed).toEqual({ kind: 'plaintext' });
    expect(result.senders.map((s) => s.fate.status)).toEqual(['delivered', 'not-sent', 'delivered', 'delivered']);
    expect(result.passed).toBe(true);

    const receiver = result.selfReports.find((r) => r.role === 'receiver');
    expect(receiver?.mailVersion).toMatch(/^3\.7\./);
    expect(receiver?.linkedTls).toMatch(/^OpenSSL 3\.0\./);
    expect(receiver?.mismatches).toEqual([]);
    expect(result.receiver.greeting).toMatch(/^220 receiver\.lab\.test ESMTP/);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('reports a wrong expectation as failed, with the reason, and still cleans up', async () => {
    const result = await runScenario(await loadScenarioFile('test/fixtures/scenarios/wrong-expectation.yaml', root));
    expect(result.passed).toBe(false);
    expect(result.senders[0]?.held).toBe(false);
    expect(result.senders[0]?.mismatch).toMatch(/^expected plaintext, observed TLS TLSv1\.3 /);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('refuses and s_client senders, with an RSA + ECDSA receiver', async ({ onTestFailed }) => {
    const result = await runScenario(await loadScenarioFile('test/fixtures/scenarios/encrypt-required.yaml', root));
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.senders.map((s) => [s.name, s.held, s.mismatch])).toEqual([
      ['sclient-tls12', true, undefined],
      ['plaintext-only', true, undefined],
    ]);
  });
});
