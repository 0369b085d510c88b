import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../lab/report/junit.ts';
import { renderRunReport } from '../../../lab/report/run-table.ts';
import type { RunReport, SenderResult } from '../../../lab/scenario/result.ts';

const failedRow: SenderResult = {
  direction: 'inbound',
  name: 'gmail',
  toolchain: 'debian-bookworm-legacy-openssl',
  client: 'openssl',
  delivery: 'client',
  address: '172.20.0.3',
  expect: { outcome: 'tls', protocol: 'TLSv1.2' },
  expected: 'TLS TLSv1.2',
  observed: { kind: 'handshake-failed', failureClass: 'no-shared-cipher', serverError: 'Nov 29 02:28:45 receiver postfix/smtpd[81]: warning: TLS library problem: 81:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1355:' },
  fate: { status: 'not-sent' },
  held: false,
  mismatch: 'expected TLS TLSv1.2, observed handshake failed: no-shared-cipher',
  unverifiedSources: ['postfix-2.6.6.tar.gz'],
  evidence: ['Nov 29 02:28:45 receiver postfix/smtpd[81]: connect from unknown[172.20.0.3]'],
  transcript: 'CONNECTED(00000003)',
  exitCode: 1,
  durationMs: 210,
};

const report: RunReport = {
  runId: '20261129-abc',
  startedAt: '2026-11-29T02:28:40Z',
  passed: false,
  scenarios: [
    {
      scenario: 'gmail-reported-config',
      description: '',
      runId: '20261129-abc',
      passed: false,
      receiver: { toolchain: 'postfix-2.6.6-openssl-1.0.1e', image: 'tlslab/x:1', configWarnings: ['warning: Invalid TLS protocol list "TLSv1.2": disabling TLS support'], log: [] },
      senders: [failedRow],
      outbound: [{ ...failedRow, direction: 'outbound', name: 'sslv3-only', held: true, mismatch: undefined, unverifiedSources: undefined, observed: { kind: 'plaintext', afterTlsFailure: true }, path: 'deferred: Cannot start TLS: handshake failure, then delivered in plaintext on retry 1', fate: { status: 'delivered', queueId: 'ABC' } } as SenderResult],
      missingWarnings: ['no such warning'],
      notes: ['Sending MTAs retry fast'],
      selfReports: [],
      timings: { imagesMs: 0, receiverReadyMs: 1500, sendersMs: 300, logsMs: 10, teardownMs: 500, totalMs: 2400 },
    },
  ],
};

describe('run report', () => {
  const text = renderRunReport(report);

  it('marks results built from unverified sources, and names the tarballs', () => {
    expect(text).toContain('UNVERIFIED SOURCE: built from tarballs without a matching pinned checksum: postfix-2.6.6.tar.gz');
    expect(text).toMatch(/^FAIL gmail\s+TLS TLSv1\.2\s+handshake failed: no-shared-cipher/m);
    expect(text).toMatch(/^unverified source/m);
  });

  it('quotes the server error line without its syslog prefix, Postfix warnings, notes, the path, and the verdict', () => {
    // Wrapped in the table at a space.
    expect(text).toMatch(/warning: TLS library problem: 81:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no$/m);
    expect(text).toMatch(/ shared cipher:s3_srvr\.c:1355:$/m);
    expect(text).not.toContain('receiver postfix/smtpd[81]: warning');
    expect(text).toContain('  postfix warning: Invalid TLS protocol list "TLSv1.2": disabling TLS support');
    expect(text).toContain('  FAIL expected a Postfix warning containing "no such warning"; none was printed');
    expect(text).toContain('  note: Sending MTAs retry fast');
    expect(text).toContain('Outbound: the receiver sending to each destination');
    expect(text).toContain('path: deferred: Cannot start TLS: handshake');
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAIL: 1/2 expectations held in 1 scenario(s), run 20261129-abc');
  });

  it('JUnit: one case per sender and destination, failures with their evidence', () => {
    const xml = renderJunit(report);
    expect(xml).toContain('<testsuite name="gmail-reported-config" tests="2" failures="1" errors="0" time="2.400">');
    expect(xml).toContain('<testcase classname="gmail-reported-config" name="outbound sslv3-only" time="0.210">');
    expect(xml).toContain('<failure message="expected TLS TLSv1.2, observed handshake failed: no-shared-cipher">expected: TLS TLSv1.2');
    expect(xml).not.toMatch(/<failure[^>]*>[^<]*<[^/]/);
  });
});
