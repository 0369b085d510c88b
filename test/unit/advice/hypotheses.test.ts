import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peersText, readLogFailures } from '../../../lab/advice/failures.ts';
import { excludedFamilies, formHypotheses } from '../../../lab/advice/hypotheses.ts';
import { loadSenderProfiles } from '../../../lab/senders/profiles.ts';

const seed = readFileSync(join(import.meta.dirname, '../../fixtures/logs/seed-maillog.log'), 'utf8').split('\n');
const captured = readFileSync(new URL('../../fixtures/configs/captured/bookworm-strict.log', import.meta.url), 'utf8').split('\n');
const profiles = await loadSenderProfiles();

describe('readLogFailures', () => {
  it('groups the reported case by class and decoded error, with peers, evidence and the cipher list', () => {
    const { failures, versions } = readLogFailures(seed);
    expect(failures.map((f) => f.key)).toEqual(['no-shared-cipher: SSL3_GET_CLIENT_HELLO:no shared cipher', 'unknown-protocol: SSL23_GET_CLIENT_HELLO:unknown protocol']);
    expect(failures[0]!.peers.map((p) => p.addr)).toEqual(['209.85.167.44', '209.85.167.47']);
    expect(failures[1]!.peers.map((p) => p.name)).toEqual(['mta3.email.secretescapes.com', 'mta.email.bbc.com']);
    expect(failures[0]!.cipherList).toContain('!RSA+AES');
    expect(failures[1]!.evidence).toContain('server1 postfix/smtpd[1451]: warning: TLS library problem: 1451:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:647:');
    expect(versions.openssl).toBe('1.0.1');
  });

  it('reads a log the lab captured from its own bookworm receiver', () => {
    expect(readLogFailures(captured).failures.map((f) => f.key)).toEqual(['no-shared-cipher: no shared cipher', 'unsupported-protocol: unsupported protocol']);
  });

  it('takes library errors that no session holds as failures of unnamed peers, but only when no session failed', () => {
    const alone = [
      'Mar  3 11:39:34 mail postfix/smtpd[7]: warning: TLS library problem: error:1417D102:SSL routines:tls_process_client_hello:unsupported protocol:../ssl/statem/statem_srvr.c:974:',
      // A bare message, as reports quote them: no header.
      ' warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1407:SSL alert number 40:',
    ];
    const read = readLogFailures(alone);
    expect(read.failures.map((f) => [f.key, f.peers, f.evidence])).toEqual([
      ['unsupported-protocol: tls_process_client_hello:unsupported protocol', [], [alone[0]]],
      ['peer-aborted: ssl3_read_bytes:sslv3 alert handshake failure', [], [alone[1]]],
    ]);
    expect(peersText(read.failures[0]!)).toBe('a peer the log does not name');
    expect(read.versions.openssl).toBe('1.1.x');
    // With a failed session in the log, the unattached error stays out.
    expect(readLogFailures([alone[0]!, ...seed]).failures.map((f) => f.key)).toEqual(readLogFailures(seed).failures.map((f) => f.key));
  });
});

describe('formHypotheses', () => {
  const { failures } = readLogFailures(seed);
  const hypotheses = formHypotheses(failures, profiles);
  const forFailure = (key: string) => hypotheses.filter((h) => h.failures.includes(key)).map((h) => h.name);

  it('for 1.0.x "unknown protocol": every sender whose highest version is below TLS 1.2, and a probe for the missing range', () => {
    const names = forFailure(failures[1]!.key);
    expect(names).toEqual(expect.arrayContaining(['tls10-only', 'sslv3-to-tls10', 'sslv3-only', 'exchange-2010-pre-sp3-ru9', 'probe-tlsv1-to-tlsv1-1']));
    expect(names).not.toContain('tls10-to-tls12');
    expect(names).not.toContain('gmail-2018');
    expect(hypotheses.find((h) => h.name === 'tls10-only')!.why).toContain('highest version (TLSv1) disabled');
  });

  it('for "no shared cipher": senders with narrow suite lists, and a probe per family the logged list excludes', () => {
    const names = forFailure(failures[0]!.key);
    expect(names).toEqual(expect.arrayContaining(['gmail-2018', 'ecdhe-only', 'dhe-only', 'rsa-kx-only', 'rc4-only', 'probe-only-rsa-aes', 'probe-only-3des', 'probe-only-medium']));
    expect(names).not.toContain('modern-tls13');
    expect(hypotheses.find((h) => h.name === 'probe-only-rsa-aes')).toMatchObject({ family: 'RSA+AES', probe: { tls: { ciphers: 'kRSA+AES:!aNULL:!eNULL:@SECLEVEL=0', maxProtocol: 'TLSv1.2' } } });
  });

  it('never proposes a real MTA client (its own retries would hide the error)', () => {
    expect(hypotheses.some((h) => profiles.get(h.name)?.client === 'postfix')).toBe(false);
  });

  it('for "inappropriate fallback": the senders that retry with TLS_FALLBACK_SCSV', () => {
    const log = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-fallback-scsv.log'), 'utf8').split('\n');
    const fallback = readLogFailures(log).failures;
    expect(new Set(fallback.map((f) => f.class))).toEqual(new Set(['inappropriate-fallback']));
    expect(formHypotheses(fallback, profiles).map((h) => h.name)).toEqual(['tls12-fallback-scsv']);
  });

  it('for failures a misbehaving peer causes: raw probes, chosen by the logged reason', () => {
    const log = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-misbehaving-clients.log'), 'utf8').split('\n');
    const found = readLogFailures(log).failures;
    const names = (cls: string, reason?: string) => formHypotheses(found.filter((f) => f.class === cls && (reason === undefined || f.error?.reason === reason)), profiles).map((h) => h.name);
    expect(names('plaintext-after-starttls', 'http request')).toEqual(['probe-raw-http-request']);
    expect(names('plaintext-after-starttls', 'wrong version number')).toEqual(['probe-raw-plaintext-smtp']);
    expect(names('unknown-protocol')).toContain('probe-raw-sslv2-hello');
    expect(names('unexpected-eof')).toEqual(expect.arrayContaining(['probe-raw-close', 'probe-raw-truncated-hello']));
    expect(formHypotheses(found, profiles).find((h) => h.name === 'probe-raw-close')?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'raw', afterStarttls: 'close' });
  });

  it('for a TLS hello without STARTTLS: an s_client that starts TLS at once', () => {
    const found = readLogFailures([
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: connect from unknown[192.168.80.4]',
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: improper command pipelining after CONNECT from unknown[192.168.80.4]: \\026\\003\\001\\001>\\001',
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: lost connection after CONNECT from unknown[192.168.80.4]',
    ]).failures;
    expect(found.map((f) => f.class)).toEqual(['implicit-tls']);
    expect(formHypotheses(found, profiles).map((h) => [h.name, h.probe])).toEqual([
      ['probe-implicit-tls', { toolchain: 'debian-bookworm', client: 'openssl', starttls: 'implicit', tls: {} }],
    ]);
  });

  it('reads excluded families from the logged list and the admin exclusions', () => {
    expect(excludedFamilies('ALL:!aNULL:!3DES:!RSA+AES', 'kRSA, aNULL')).toEqual(['3DES', 'RSA+AES', 'kRSA']);
  });
});

describe('readLogFailures, outbound', () => {
  it('groups failed smtp sessions apart from inbound ones, each peer once', () => {
    const { failures, outbound } = readLogFailures(readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-legacy-renegotiation.log'), 'utf8').split('\n'));
    expect(failures).toEqual([]);
    expect(outbound.map((f) => [f.direction, f.key, f.peers.map((p) => p.addr)])).toEqual([
      ['outbound', 'outbound unsafe-legacy-renegotiation: unsafe legacy renegotiation disabled', ['172.27.0.2', '172.28.0.2']],
    ]);
  });
});
