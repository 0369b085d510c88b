import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');

describe('real MTAs as senders, and the receiver sending outbound', () => {
  it('follows each message to its final fate, with the path it took', async ({ onTestFailed }) => {
    const result = await runScenario(await loadScenarioFile('test/fixtures/scenarios/mta-and-outbound.yaml', root));
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    const inbound = Object.fromEntries(result.senders.map((s) => [s.name, s]));
    expect(inbound['mta-modern']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1.3' });
    expect(inbound['mta-modern']?.path).toMatch(/^delivered over TLSv1\.3 with /);
    expect(inbound['mta-aes128-sha-only']?.observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
    expect(inbound['mta-aes128-sha-only']?.path).toMatch(/^deferred: Cannot start TLS: handshake failure, (deferred: .*, )?then delivered in plaintext on retry \d$/);
    expect(inbound.exim?.observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
    expect(inbound.exim?.path).toMatch(/^tls-failed: TLS session: \(certificate verification failed\).*then delivered in plaintext at once$/);
    const outbound = Object.fromEntries(result.outbound.map((s) => [s.name, s]));
    expect(outbound['tls12-max']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1.2' });
    expect(outbound['tls10-max']?.observed).toMatchObject({ kind: 'tls', protocol: 'TLSv1' });
    expect(outbound['no-tls']?.observed).toEqual({ kind: 'plaintext' });
    expect(result.notes.join(' ')).toContain('minimal_backoff_time = 2s');
    expect([...result.senders, ...result.outbound].every((s) => s.fate.status === 'delivered')).toBe(true);
    expect(result.passed).toBe(true);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
