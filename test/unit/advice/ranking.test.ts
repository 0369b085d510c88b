import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FixCandidate } from '../../../lab/advice/fixes.ts';
import { diffMatrices, matrixRow, type MatrixRow } from '../../../lab/advice/matrix.ts';
import { cipherGrade, rankOutcome } from '../../../lab/advice/outcome-order.ts';
import { confirmBreaks, fixEffect, rankFixes } from '../../../lab/advice/ranking.ts';
import { matchFailure, matchSessions, verificationCause } from '../../../lab/advice/reproduce.ts';
import { readSessions } from '../../../lab/logs/index.ts';
import { decodeOpensslError } from '../../../lab/logs/openssl-error.ts';
import type { Observed } from '../../../lab/scenario/outcome.ts';

const tls = (protocol: string, cipher: string): Observed => ({ kind: 'tls', protocol, cipher });
const failed = (failureClass: string, serverError: string): Observed => ({ kind: 'handshake-failed', failureClass, serverError });
const row = (name: string, observed: Observed, delivered = observed.kind !== 'handshake-failed'): MatrixRow => {
  const fate = { status: delivered ? ('delivered' as const) : ('not-sent' as const) };
  return { direction: 'inbound', name, outcome: JSON.stringify(observed), rank: rankOutcome({ observed, fate }), fate: fate.status, evidence: '', lines: [] };
};
const fix = (id: string, size = 1): FixCandidate => ({ id, title: id, why: '', mainCf: {}, size });

describe('outcome order', () => {
  it('TLSv1.3 > TLSv1.2 > TLSv1 > SSLv3 > plaintext > failed, then AEAD+FS > AEAD > CBC+FS > CBC > RC4/3DES', () => {
    const ranks = [
      tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384'),
      tls('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256'),
      tls('TLSv1.2', 'AES128-GCM-SHA256'),
      tls('TLSv1.2', 'ECDHE-RSA-AES256-SHA384'),
      tls('TLSv1.2', 'AES256-SHA256'),
      tls('TLSv1.2', 'DES-CBC3-SHA'),
      tls('TLSv1', 'ECDHE-RSA-AES256-SHA'),
      tls('SSLv3', 'DHE-RSA-AES256-SHA'),
      { kind: 'plaintext' } as Observed,
      failed('no-shared-cipher', ''),
    ].map((observed) => rankOutcome({ observed, fate: { status: observed.kind === 'handshake-failed' ? 'not-sent' : 'delivered' } }));
    const scores = ranks.map((r) => r.level * 10 + r.grade);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(new Set(scores).size).toBe(scores.length);
  });
  it('grades ciphers', () => {
    expect(['RC4-SHA', 'AES128-SHA', 'DHE-RSA-AES256-SHA', 'AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305', 'ADH-AES256-GCM-SHA384'].map(cipherGrade)).toEqual(['broken', 'cbc', 'cbc-fs', 'aead', 'aead-fs', 'aead-fs']);
  });
});

describe('diffMatrices', () => {
  it('names who newly fails, who is newly served, and who gets better or worse', () => {
    const before = [row('tls10-only', tls('TLSv1', 'ECDHE-RSA-AES256-SHA')), row('rc4-only', failed('no-shared-cipher', '')), row('gmail', tls('TLSv1.2', 'AES128-GCM-SHA256')), row('modern', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384'))];
    const after = [row('tls10-only', failed('unsupported-protocol', '')), row('rc4-only', tls('TLSv1.2', 'RC4-SHA')), row('gmail', tls('TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256')), row('modern', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384'))];
    expect(diffMatrices(before, after).map((d) => `${d.name}:${d.change}`)).toEqual(['tls10-only:newly-fails', 'rc4-only:newly-served', 'gmail:better', 'modern:same']);
  });
});

describe('rankFixes', () => {
  const today = [row('bulk', failed('unknown-protocol', '')), row('modern', tls('TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384')), row('legacy', tls('TLSv1', 'AES256-SHA'))];
  it('puts a fix that breaks nobody first, then the better protocol for the failing senders, then the smaller change', () => {
    const effects = [
      fixEffect(fix('discard-starttls', 2), today, [row('bulk', { kind: 'plaintext' }), today[1]!, today[2]!], ['bulk']),
      fixEffect(fix('allow-sslv3', 2), today, [row('bulk', tls('SSLv3', 'DHE-RSA-AES256-SHA')), today[1]!, today[2]!], ['bulk']),
      fixEffect(fix('breaks-legacy', 1), today, [row('bulk', tls('TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384')), today[1]!, row('legacy', failed('no-shared-cipher', ''))], ['bulk']),
      fixEffect(fix('allow-tlsv1', 2), today, [row('bulk', tls('TLSv1', 'DHE-RSA-AES256-SHA')), today[1]!, today[2]!], ['bulk']),
      fixEffect(fix('nothing', 1), today, today, ['bulk']),
    ];
    const ranked = rankFixes(effects);
    expect(ranked.map((e) => e.fix.id)).toEqual(['allow-tlsv1', 'allow-sslv3', 'discard-starttls', 'nothing', 'breaks-legacy']);
    expect(ranked.at(-1)!.breaks).toEqual(['legacy']);
  });
});

describe('confirmBreaks', () => {
  it('counts as broken only what breaks in both runs of a fix, and says which failure did not come back', () => {
    const today = [row('bulk', failed('unsupported-protocol', '')), row('mta', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384')), row('legacy', tls('TLSv1', 'AES256-SHA'))];
    const first = fixEffect(fix('allow-tlsv1', 2), today, [row('bulk', tls('TLSv1', 'ECDHE-RSA-AES256-SHA')), row('mta', { kind: 'unknown', reason: 'not delivered' }), row('legacy', failed('no-shared-cipher', ''))], ['bulk']);
    const second = fixEffect(fix('allow-tlsv1', 2), today, [row('bulk', tls('TLSv1', 'ECDHE-RSA-AES256-SHA')), today[1]!, row('legacy', failed('no-shared-cipher', ''))], ['bulk']);
    expect(first.breaks).toEqual(['mta', 'legacy']);
    const confirmed = confirmBreaks(first, second);
    expect(confirmed.breaks).toEqual(['legacy']);
    expect(confirmed.unconfirmed).toEqual(['mta']);
    expect(confirmBreaks(second, second).unconfirmed).toBeUndefined();
  });
});

describe('rankFixes, when no fix serves every failing sender', () => {
  it('TLS for some beats plaintext for all', () => {
    const now = [row('rsa-kx-only', failed('no-shared-cipher', '')), row('rc4-only', failed('no-shared-cipher', ''))];
    const lift = fixEffect(fix('stop-excluding-krsa'), now, [row('rsa-kx-only', tls('TLSv1.2', 'AES256-GCM-SHA384')), now[1]!], ['rsa-kx-only', 'rc4-only']);
    const discard = fixEffect(fix('discard-starttls', 2), now, [row('rsa-kx-only', { kind: 'plaintext' }), row('rc4-only', { kind: 'plaintext' })], ['rsa-kx-only', 'rc4-only']);
    expect(rankFixes([discard, lift]).map((e) => e.fix.id)).toEqual(['stop-excluding-krsa', 'discard-starttls']);
  });
});

describe('matchFailure', () => {
  const logged = (line: string, cls: 'no-shared-cipher' | 'unknown-protocol') => ({ class: cls, error: decodeOpensslError(line)! });
  const seedCipher = logged('warning: TLS library problem: 7659:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1387:', 'no-shared-cipher');
  it('same reason and function, whatever the line number or case of the function name: exact', () => {
    expect(matchFailure(seedCipher, { observed: failed('no-shared-cipher', 'warning: TLS library problem: 5:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1355:') }).match).toBe('exact');
    expect(matchFailure(seedCipher, { observed: failed('no-shared-cipher', 'warning: TLS library problem: error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1427:') }).match).toBe('exact');
  });
  it('OpenSSL 3 prints no function: the reason alone decides', () => {
    expect(matchFailure(seedCipher, { observed: failed('no-shared-cipher', 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:') }).match).toBe('reason');
  });
  it('OpenSSL 1.1 renamed the functions of 1.0.x: across the two, the reason alone decides; within one, the function still counts', () => {
    const modern = 'warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2313:';
    expect(matchFailure(seedCipher, { observed: failed('no-shared-cipher', modern) })).toMatchObject({ match: 'reason', detail: expect.stringContaining('OpenSSL 1.1.x names the functions') });
    const early = logged('warning: TLS library problem: error:142090C1:SSL routines:tls_early_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1779:', 'no-shared-cipher');
    expect(matchFailure(early, { observed: failed('no-shared-cipher', modern) }).match).toBe('class');
    // 1.0.x's "unknown protocol" (the client's highest version disabled) is not what later generations mean by it.
    const unknown = logged('warning: TLS library problem: 28167:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:647:', 'unknown-protocol');
    for (const line of [
      'warning: TLS library problem: error:1408F0FC:SSL routines:ssl3_get_record:unknown protocol:../ssl/record/ssl3_record.c:252:',
      'warning: TLS library problem: error:0A0000FC:SSL routines::unknown protocol:ssl/record/ssl3_record.c:309:',
    ]) {
      expect(matchFailure(unknown, { observed: failed('unknown-protocol', line) })).toMatchObject({ match: 'class', detail: expect.stringContaining('OpenSSL 1.0 says "unknown protocol" of situations that') });
    }
    // 1.1.x and 3.x mean the same by "wrong version number": a plaintext answer to the client's hello.
    const plaintextAnswer = logged('warning: TLS library problem: error:1408F10B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:331:', 'unknown-protocol');
    expect(matchFailure({ ...plaintextAnswer, class: 'wrong-version-number' }, {
      observed: failed('wrong-version-number', 'warning: TLS library problem: error:0A00010B:SSL routines::wrong version number:ssl/record/ssl3_record.c:354:'),
    }).match).toBe('reason');
  });
  it('OpenSSL 1.1.0 checks the hello\'s version in tls_process_client_hello, 1.1.1 in tls_early_post_process_client_hello: the same refusal', () => {
    // As Debian 9's Postfix 3.1 logged a TLS tester's old hellos (docker-mailserver #1411), and a lab receiver on 1.1.1.
    const tooLow = logged('warning: TLS library problem: error:1417D18C:SSL routines:tls_process_client_hello:version too low:../ssl/statem/statem_srvr.c:989:', 'unknown-protocol');
    expect(matchFailure({ ...tooLow, class: 'version-too-low' }, {
      observed: failed('version-too-low', 'warning: TLS library problem: error:1420918C:SSL routines:tls_early_post_process_client_hello:version too low:../ssl/statem/statem_srvr.c:1685:'),
    })).toMatchObject({ match: 'reason', detail: expect.stringContaining('where 1.1.0 (the log\'s) did so in tls_process_client_hello') });
    // Other reasons of the two functions stay apart (no shared cipher, above).
  });

  it('an alert is the same reason however the OpenSSL version spells it (sslv3, tlsv1, ssl/tls)', () => {
    const alert = { class: 'peer-aborted' as const, error: decodeOpensslError('warning: TLS library problem: error:0A000410:SSL routines::ssl/tls alert handshake failure:ssl/record/rec_layer_s3.c:918:SSL alert number 40:')! };
    expect(matchFailure(alert, { observed: failed('peer-aborted', 'warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1562:SSL alert number 40:') }).match).toBe('reason');
    expect(matchFailure(alert, { observed: failed('peer-aborted', 'warning: TLS library problem: error:0A000412:SSL routines::sslv3 alert bad certificate:ssl/record/rec_layer_s3.c:918:SSL alert number 42:') }).match).toBe('class');
  });
  it('another reason, or another function for the same reason, is not the same error', () => {
    const unknown = logged('warning: TLS library problem: 28167:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:647:', 'unknown-protocol');
    expect(matchFailure(unknown, { observed: failed('wrong-version-number', 'warning: TLS library problem: 1:error:1408A10B:SSL routines:SSL3_GET_CLIENT_HELLO:wrong version number:s3_srvr.c:960:') }).match).toBe('none');
    expect(matchFailure(unknown, { observed: failed('unknown-protocol', 'warning: TLS library problem: 1:error:1408F0FC:SSL routines:SSL3_GET_RECORD:unknown protocol:s3_pkt.c:1:') }).match).toBe('class');
    expect(matchFailure(unknown, { observed: tls('TLSv1.2', 'AES128-SHA') }).match).toBe('none');
  });
});

describe('matchSessions', () => {
  it('compares the sending Postfix\'s own sessions, and says that it is this Postfix\'s view', () => {
    const lines = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-outbound-bookworm.log'), 'utf8').split('\n');
    const sessions = readSessions(lines).sessions.filter((s) => s.side === 'smtp' && s.peer.addr === '192.168.0.2');
    const alert = { class: 'alert-protocol-version' as const, error: decodeOpensslError('warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:')! };
    expect(matchSessions(alert, sessions).match).toBe('reason');
    const cipher = { class: 'no-shared-cipher' as const, error: decodeOpensslError('warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2226:')! };
    expect(matchSessions(cipher, sessions)).toMatchObject({ match: 'none', detail: expect.stringMatching(/^this Postfix logged "tlsv1 alert protocol version"/) });
    expect(matchSessions(cipher, []).detail).toBe('this Postfix logged no session');
  });
});

describe('matchSessions, for a certificate the smtp client could not verify', () => {
  const lines = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-ca-outbound.log'), 'utf8').split('\n');
  const sessions = readSessions(lines).sessions.filter((s) => s.side === 'smtp');
  const to = (addr: string) => sessions.filter((s) => s.peer.addr === addr);
  const logged = (line: string) => ({ class: 'certificate-verification' as const, error: undefined, evidence: [line] });
  const gmail = logged('Sep 10 10:00:00 mx postfix/smtp[138]: certificate verification failed for gmail-smtp-in.l.google.com[142.250.4.27]:25: untrusted issuer /OU=GlobalSign Root CA - R2/O=GlobalSign/CN=GlobalSign');

  it('compares the cause: an untrusted issuer is reproduced by an untrusted issuer, not by a self-signed or expired certificate', () => {
    expect(verificationCause(gmail.evidence)).toBe('untrusted-issuer');
    expect(matchSessions(gmail, to('192.168.64.7'))).toMatchObject({ match: 'reason', detail: expect.stringContaining('a certificate that is from an issuer this client does not trust') });
    expect(matchSessions(gmail, to('192.168.64.6')).match).toBe('reason');
    expect(matchSessions(gmail, to('192.168.64.2'))).toEqual({ match: 'class', detail: 'this Postfix logged a certificate that is self-signed, not from an issuer this client does not trust' });
    expect(matchSessions(gmail, to('192.168.64.4')).match).toBe('class');
    expect(matchSessions(gmail, to('192.168.64.3')).match).toBe('none');
  });

  it('reads each cause the smtp client names, and takes a deferral that names none as any cause', () => {
    const cause = (addr: string) => verificationCause(to(addr).find((s) => s.failure !== undefined)?.failure?.evidence ?? []);
    expect(['192.168.64.2', '192.168.64.4', '192.168.64.5', '192.168.64.6'].map(cause)).toEqual(['self-signed', 'expired', 'name-mismatch', 'untrusted-issuer']);
    expect(verificationCause(['postfix/smtp[7032]: certificate verification failed for domain.com: num=18:self signed certificate'])).toBe('self-signed');
    expect(verificationCause(['postfix/smtp[8050]: certificate verification failed for smtp.gmail.com: num=20:unable to get local issuer certificate'])).toBe('untrusted-issuer');
    const unnamed = logged('postfix/smtp[25291]: D33A02504112: to=<a@fastmail.fm>, relay=in1-smtp.messagingengine.com[66.111.4.74]:25, dsn=4.7.5, status=deferred (Server certificate not verified)');
    expect(verificationCause(unnamed.evidence)).toBeUndefined();
    expect(matchSessions(unnamed, to('192.168.64.2')).match).toBe('reason');
  });
});

describe('rankFixes, when a fix gives up verification or TLS', () => {
  it('ranks it after one that serves fewer failing peers and gives up nothing', () => {
    const today = [row('public', failed('certificate-verification', '')), row('no-chain', failed('certificate-verification', ''))];
    const systemCa = fixEffect(fix('outbound-system-ca'), today, [row('public', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384')), today[1]!], ['public', 'no-chain']);
    const encrypt = fixEffect({ ...fix('outbound-encrypt'), weakens: 'no certificate is verified' }, today, [row('public', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384')), row('no-chain', tls('TLSv1.3', 'TLS_AES_256_GCM_SHA384'))], ['public', 'no-chain']);
    const nothing = fixEffect(fix('nothing'), today, today, ['public', 'no-chain']);
    expect(rankFixes([encrypt, nothing, systemCa]).map((e) => e.fix.id)).toEqual(['outbound-system-ca', 'outbound-encrypt', 'nothing']);
  });
});

describe('fixEffect with destinations', () => {
  const destination = (name: string, observed: Observed): MatrixRow => ({ ...row(name, observed), direction: 'outbound' });
  const fallback: Observed = { kind: 'plaintext', afterTlsFailure: true };

  it('keeps a sender and a destination of the same name apart, and counts a plaintext fallback turned into TLS as served', () => {
    const today = [row('tls10-only', tls('TLSv1', 'ECDHE-RSA-AES256-SHA')), destination('tls10-only', fallback), destination('old', fallback)];
    const after = [row('tls10-only', failed('unsupported-protocol', '')), destination('tls10-only', fallback), destination('old', tls('TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384'))];
    const effect = fixEffect(fix('f'), today, after, ['→ old', '→ tls10-only']);
    expect(effect.breaks).toEqual(['tls10-only']);
    expect(effect.fixes).toEqual(['→ old']);
    expect(effect.stillFailing).toEqual(['→ tls10-only']);
  });
});

describe('matrixRow', () => {
  it('quotes the error that made TLS fail for a plaintext delivery after a failed handshake, the queue line otherwise', () => {
    const evidence = [
      'Nov 29 07:48:10 receiver postfix/smtp[193]: SSL_connect error to 172.27.0.2[172.27.0.2]:25: -1',
      'Nov 29 07:48:10 receiver postfix/smtp[193]: warning: TLS library problem: error:0A000152:SSL routines::unsafe legacy renegotiation disabled:../ssl/statem/extensions.c:844:',
      'Nov 29 07:48:13 receiver postfix/smtp[193]: D035432472E: to=<sink@x.dest.lab.test>, relay=172.27.0.2[172.27.0.2]:25, delay=2.3, dsn=2.0.0, status=sent (250 OK id=1xXZds-000058-31)',
    ];
    const result = (observed: Observed) => ({
      direction: 'outbound' as const, name: 'x', toolchain: 'debian-bookworm-exim', client: 'postfix' as const, delivery: 'mta' as const, address: '192.0.2.1',
      expect: { outcome: 'tls' as const }, expected: '', observed, fate: { status: 'delivered' as const }, held: true, evidence, transcript: '', exitCode: 0, durationMs: 0,
    });
    expect(matrixRow(result({ kind: 'plaintext', afterTlsFailure: true })).evidence).toBe(evidence[1]);
    expect(matrixRow(result({ kind: 'plaintext' })).evidence).toBe(evidence[2]);
  });
});
