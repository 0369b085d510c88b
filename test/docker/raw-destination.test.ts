import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/**
 * A sending Postfix against servers that offer STARTTLS and then break it: one answers the TLS hello in
 * plaintext (a proxy or firewall that does not speak TLS), one hangs up, one says nothing, one answers with a Finished
 * message where the ServerHello belongs. Each client library names the first its own way; the second leaves only
 * `lost connection`, the third `Connection timed out` after smtp_starttls_timeout, the fourth `unexpected message`.
 * Postfix defers, then delivers in plaintext.
 */
const CASES: { receiver: string; plaintextReply: string }[] = [
  { receiver: 'debian-bullseye', plaintextReply: 'error:1408F10B:SSL routines:ssl3_get_record:wrong version number:' },
  { receiver: 'debian-bookworm', plaintextReply: 'error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:' },
  { receiver: 'debian-trixie', plaintextReply: 'error:0A00010B:SSL routines::wrong version number:../ssl/record/methods/tlsany_meth.c:' },
];

describe.each(CASES)('raw destinations that break STARTTLS, from $receiver', ({ receiver, plaintextReply }) => {
  it('a plaintext answer is "wrong version number", a hang-up "lost connection", silence a timeout, a Finished message first "unexpected message"; all end in plaintext', async ({ onTestFailed }) => {
    await prepareImages([receiver, 'debian-bookworm']);
    const scenario = defineScenario({
      name: `raw-destinations-${receiver}`,
      receiver: { toolchain: receiver, mainCf: { smtp_starttls_timeout: '3s' } },
      outbound: [
        { name: 'plaintext-reply', server: 'raw', afterStarttls: 'plaintext-reply', expect: { outcome: 'plaintext', afterTlsFailure: true } },
        { name: 'hangup', server: 'raw', afterStarttls: 'close', expect: { outcome: 'plaintext', afterTlsFailure: true } },
        { name: 'silent', server: 'raw', afterStarttls: 'stall', expect: { outcome: 'plaintext', afterTlsFailure: true } },
        { name: 'out-of-order', server: 'raw', afterStarttls: 'unexpected-message', expect: { outcome: 'plaintext', afterTlsFailure: true } },
      ],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound.filter((d) => !d.held).map((d) => `${d.name}: ${d.mismatch}`)).toEqual([]);
    expect(result.outbound.map((d) => d.fate.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(result.notes.filter((n) => n.includes('ended the wait'))).toEqual([]);
    // A raw server has no TLS stack of its toolchain to report on.
    expect(result.selfReports.map((r) => r.role)).toEqual(['receiver']);

    const outbound = readSessions(result.receiver.log).sessions.filter((s) => s.side === 'smtp');
    const classes = (name: string) => {
      const address = result.outbound.find((d) => d.name === name)?.peerAddress;
      return outbound.filter((s) => s.peer.addr === address).map((s) => s.failure?.class ?? (s.tls ? 'tls' : 'plaintext'));
    };
    // Failed attempts (how many depends on the retry timing), then the plaintext one.
    for (const [name, cls] of [['plaintext-reply', 'wrong-version-number'], ['hangup', 'unexpected-eof'], ['silent', 'timeout'], ['out-of-order', 'protocol-violation']] as const) {
      const attempts = classes(name);
      expect(attempts.at(-1), name).toBe('plaintext');
      expect(attempts.length, name).toBeGreaterThanOrEqual(2);
      expect(new Set(attempts.slice(0, -1)), name).toEqual(new Set([cls]));
    }
    const wrongVersion = outbound.find((s) => s.failure?.class === 'wrong-version-number');
    expect(wrongVersion?.failure?.evidence.join('\n')).toContain(plaintextReply);
    expect(outbound.find((s) => s.failure?.class === 'unexpected-eof')?.failure?.evidence.join('\n')).toMatch(/SSL_connect error to .*: lost connection/);
    expect(outbound.find((s) => s.failure?.class === 'timeout')?.failure?.evidence.join('\n')).toMatch(/SSL_connect error to .*: Connection timed out/);
    expect(outbound.find((s) => s.failure?.class === 'protocol-violation')?.failure?.opensslError?.reason).toBe('unexpected message');

    // The destination's own lines: what it did after STARTTLS, then the plaintext message.
    const evidence = result.outbound.find((d) => d.name === 'plaintext-reply')?.evidence ?? [];
    expect(evidence.some((l) => /STARTTLS from \[[\d.]+\]: 220 sent, then \d+ bytes of TLS answered in plaintext/.test(l))).toBe(true);
    expect(evidence.some((l) => l.includes('received in plaintext'))).toBe(true);
    expect(evidence.some((l) => l.includes('[127.0.0.1]'))).toBe(false);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});

describe('a raw destination that stalls past the scenario\'s timeout', () => {
  it('ends the wait at the timeout and says what it cut short', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm']);
    // Postfix's smtp_starttls_timeout (300 s) outlasts the scenario: no attempt ends before its timeout.
    const result = await runScenario({
      scenario: defineScenario({
        name: 'raw-stall-timeout',
        receiver: { toolchain: 'debian-bookworm' },
        outbound: [{ name: 'silent', server: 'raw', afterStarttls: 'stall', expect: { outcome: 'plaintext', afterTlsFailure: true } }],
        timeoutSeconds: 5,
      }),
      dir: root,
    });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.outbound[0]?.fate.status).toBe('queued');
    expect(result.notes).toContain('The scenario\'s timeout (5 s) ended the wait for receiver → silent: no attempt finished yet: their outcomes are what the logs said by then.');
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
