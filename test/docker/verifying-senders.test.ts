import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../lab/logs/index.ts';
import { defineScenario } from '../../lab/scenario/load.ts';
import { runScenario } from '../../lab/scenario/runner.ts';
import { leftovers } from './leftovers.ts';
import { clientErrorOf, failureAttachment } from './support.ts';
import { prepareImages } from './toolchains-matrix.ts';

const root = join(import.meta.dirname, '../..');

/** The receiver's line for the alert a verifying client sends about its self-signed certificate. */
const CASES: { receiver: string; alert: string }[] = [
  { receiver: 'debian-bullseye', alert: 'error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:' },
  { receiver: 'debian-bookworm', alert: 'error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1601:' },
  { receiver: 'debian-trixie', alert: 'error:0A000418:SSL routines::tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:918:' },
];

describe.each(CASES)('a sender that requires a verified certificate, against $receiver', ({ receiver, alert }) => {
  it('aborts on the self-signed certificate; the server logs only the alert, classified as certificate verification', async ({ onTestFailed }) => {
    await prepareImages([receiver, 'debian-bookworm', 'debian-bullseye']);
    const scenario = defineScenario({
      name: `verifying-senders-${receiver}`,
      receiver: { toolchain: receiver },
      senders: [
        { name: 'verifying', profile: 'verifying-sender', expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'alert unknown ca' } },
        { name: 'verifying-111', profile: 'verifying-sender', toolchain: 'debian-bullseye', tls: { maxProtocol: 'TLSv1.2' }, expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification' } },
        { name: 'not-verifying', profile: 'tls13-only', expect: { outcome: 'tls', protocol: 'TLSv1.3' } },
      ],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(clientErrorOf(result, 'verifying')).toMatch(/^error:0A000086:SSL routines:tls_post_process_server_certificate:certificate verify failed:/);
    expect(clientErrorOf(result, 'verifying-111')).toMatch(/^error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed:/);
    const failed = readSessions(result.receiver.log).sessions.filter((s) => s.failure !== undefined);
    expect(failed).toHaveLength(2);
    for (const session of failed) {
      expect(session.failure?.class).toBe('certificate-verification');
      expect(session.failure?.evidence.join('\n')).toContain(alert);
      expect(session.failure?.explanation).toContain('rejected this server\'s certificate');
    }
    expect(await leftovers(result.runId)).toEqual([]);
  });
});

describe('senders that trust the receiver\'s own certificate', () => {
  it('reject it for the causes behind the other certificate alerts: an end date passed, a name it lacks, a start date ahead', async ({ onTestFailed }) => {
    await prepareImages(['debian-bookworm', 'debian-bullseye']);
    const later = new Date(Date.now() + 11 * 365 * 86_400_000).toISOString().slice(0, 10);
    const trusting = { client: 'openssl', toolchain: 'debian-bookworm', tls: { verifyCertificate: true, trust: 'receiver' } } as const;
    const scenario = defineScenario({
      name: 'trusting-senders',
      receiver: { toolchain: 'debian-bookworm' },
      senders: [
        { name: 'trusts', ...trusting, expect: { outcome: 'tls' } },
        { name: 'trusts-by-name', ...trusting, tls: { ...trusting.tls, verifyHostname: 'receiver.lab.test' }, expect: { outcome: 'tls' } },
        { name: 'expired', ...trusting, tls: { ...trusting.tls, verifyAt: later }, expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'alert certificate expired' } },
        { name: 'expired-111', ...trusting, toolchain: 'debian-bullseye', tls: { ...trusting.tls, verifyAt: later, maxProtocol: 'TLSv1.2' }, expect: { outcome: 'handshake-failed', serverError: 'alert certificate expired' } },
        { name: 'other-name', ...trusting, tls: { ...trusting.tls, verifyHostname: 'other-name.example' }, expect: { outcome: 'handshake-failed', failureClass: 'certificate-verification', serverError: 'alert bad certificate' } },
        { name: 'not-yet-valid', ...trusting, tls: { ...trusting.tls, verifyAt: '2000-01-01' }, expect: { outcome: 'handshake-failed', serverError: 'alert bad certificate' } },
      ],
    });
    const result = await runScenario({ scenario, dir: root });
    onTestFailed(() => console.error(failureAttachment(result)));
    expect(result.error).toBeUndefined();
    expect(result.senders.filter((s) => !s.held).map((s) => `${s.name}: ${s.mismatch}`)).toEqual([]);
    expect(result.senders.find((s) => s.name === 'expired')?.transcript).toContain('certificate has expired');
    expect(result.senders.find((s) => s.name === 'other-name')?.transcript).toContain('hostname mismatch');
    const explanations = readSessions(result.receiver.log).sessions.flatMap((s) => (s.failure === undefined ? [] : [s.failure.explanation]));
    expect(explanations.filter((e) => e.includes('end date has passed'))).toHaveLength(2);
    expect(explanations.filter((e) => e.includes('does not carry the name they connected by'))).toHaveLength(2);
    expect(await leftovers(result.runId)).toEqual([]);
  });
});
