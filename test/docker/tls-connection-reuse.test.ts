import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';

const root = join(import.meta.dirname, '../..');
const TLS13_ONLY = { smtpd_tls_protocols: '>=TLSv1.3', smtpd_tls_mandatory_protocols: '>=TLSv1.3' };

/** smtp_tls_connection_reuse = yes: Postfix 3.4 and later make the smtp client's TLS connections in tlsproxy. */
describe('smtp_tls_connection_reuse on Debian 12 (Postfix 3.7, OpenSSL 3.0)', () => {
  it('with Debian\'s master.cf, where tlsproxy is commented out, TLS fails as a local problem and mail goes in plaintext', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'connection-reuse-without-tlsproxy',
        receiver: { mainCf: { smtp_tls_connection_reuse: 'yes' } },
        outbound: [{ name: 'modern', expect: { outcome: 'plaintext', afterTlsFailure: true, fate: 'delivered' } }],
        timeoutSeconds: 30,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    expect(result.receiver.log.some((l) => /postfix\/smtp\[\d+\]: warning: connect to private\/tlsproxy service: No such file or directory/.test(l))).toBe(true);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp' && s.failure !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((s) => s.failure?.summary))).toEqual(new Set(['no tlsproxy service']));
    // The row's evidence starts with the reason on the client's side, the Postfix under test.
    expect(result.outbound[0]?.evidence[0]).toMatch(/postfix\/smtp\[\d+\]: warning: connect to private\/tlsproxy service/);
    expect(await leftovers(result.runId)).toEqual([]);
  });

  it('with tlsproxy enabled, each connection counts once, and a failure gets the reason tlsproxy logged', async ({ onTestFailed }) => {
    const result = await runScenario({
      scenario: defineScenario({
        name: 'connection-reuse-with-tlsproxy',
        receiver: {
          mainCf: { smtp_tls_connection_reuse: 'yes', smtp_tls_protocols: '<=TLSv1.2' },
          masterCf: ['tlsproxy unix - - y - 0 tlsproxy'],
        },
        outbound: [
          { name: 'modern', expect: { outcome: 'tls', protocol: 'TLSv1.2', fate: 'delivered' } },
          { name: 'tls13-only', mainCf: TLS13_ONLY, expect: { outcome: 'plaintext', afterTlsFailure: true, fate: 'delivered' } },
        ],
        timeoutSeconds: 30,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((r) => !r.held).map((r) => `${r.name}: ${r.mismatch}`)).toEqual([]);
    const log = result.receiver.log;
    // Both processes log the one connection, and only tlsproxy logs why a handshake failed.
    const modern = result.outbound.find((r) => r.name === 'modern')!.peerAddress!;
    const established = log.filter((l) => l.includes(`TLS connection established to ${modern}[${modern}]:25`));
    expect(established.map((l) => /postfix\/(\w+)\[/.exec(l)?.[1]).sort()).toEqual(['smtp', 'tlsproxy']);
    expect(log.some((l) => /postfix\/tlsproxy\[\d+\]: TLS handshake failed for service=smtp peer=\[[\d.]+\]:25/.test(l))).toBe(true);

    const sessions = readSessions(log).sessions;
    expect(sessions.filter((s) => s.service === 'postfix/tlsproxy')).toEqual([]);
    expect(sessions.filter((s) => s.peer.addr === modern).map((s) => s.tls?.protocol)).toEqual(['TLSv1.2']);
    const failed = sessions.filter((s) => s.side === 'smtp' && s.failure !== undefined);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((s) => s.failure?.class))).toEqual(new Set(['alert-protocol-version']));
    expect(result.outbound.find((r) => r.name === 'tls13-only')?.evidence.slice(0, 2).join('\n')).toMatch(/postfix\/tlsproxy\[\d+\]: warning: TLS library problem: .*alert protocol version/);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
