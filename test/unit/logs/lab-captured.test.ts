import { describe, expect, it } from 'vitest';
import { readSessions, type Session } from '../../../lab/logs/index.ts';
import { fixtureLines } from './fixture-files.ts';

/** What each sender of the captured runs met: the same capabilities against three library generations. */
const EXPECTED: Record<string, { class: string | null }> = {
  'tls10-only': { class: 'unsupported-protocol' },
  'sslv3-only': { class: 'version-too-low' },
  'rsa-kx-only': { class: 'no-shared-cipher' },
  'modern': { class: null },
};

const CODES: Record<string, Record<string, string>> = {
  'debian-bullseye': { 'tls10-only': '14209102', 'sslv3-only': '1420918C', 'rsa-kx-only': '1417A0C1' },
  'debian-bookworm': { 'tls10-only': '0A000102', 'sslv3-only': '0A00018C', 'rsa-kx-only': '0A0000C1' },
  'debian-trixie': { 'tls10-only': '0A000102', 'sslv3-only': '0A00018C', 'rsa-kx-only': '0A0000C1' },
};

const SENDERS: [string, string, string][] = [
  ['debian-bullseye', '192.168.32.2', 'tls10-only'],
  ['debian-bullseye', '192.168.32.5', 'sslv3-only'],
  ['debian-bullseye', '192.168.32.3', 'rsa-kx-only'],
  ['debian-bullseye', '192.168.32.4', 'modern'],
  ['debian-bookworm', '192.168.48.2', 'tls10-only'],
  ['debian-bookworm', '192.168.48.4', 'sslv3-only'],
  ['debian-bookworm', '192.168.48.5', 'rsa-kx-only'],
  ['debian-bookworm', '192.168.48.6', 'modern'],
  ['debian-trixie', '192.168.64.2', 'tls10-only'],
  ['debian-trixie', '192.168.64.6', 'sslv3-only'],
  ['debian-trixie', '192.168.64.3', 'rsa-kx-only'],
  ['debian-trixie', '192.168.64.4', 'modern'],
];

describe('logs captured from the lab\'s own toolchains', () => {
  it.each(SENDERS)('%s: %s (%s)', (toolchain, address, sender) => {
    const { sessions } = readSessions(fixtureLines(`lab-${toolchain}.log`));
    const mine = sessions.filter((s) => s.peer.addr === address);
    expect(mine).toHaveLength(1);
    const session = mine[0]!;
    const expected = EXPECTED[sender]!;
    expect(session.failure?.class ?? null).toBe(expected.class);
    if (expected.class === null) {
      expect(session.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    } else {
      expect(session.failure?.opensslError?.code).toBe(CODES[toolchain]![sender]);
      expect(session.failure?.evidence.some((line) => line.includes('TLS library problem'))).toBe(true);
    }
  });
});

describe('TLS_FALLBACK_SCSV retries captured from the lab (Postfix 3.5 / 1.1.1, 3.7 / 3.0, 3.10 / 3.5)', () => {
  const { sessions } = readSessions(fixtureLines('lab-fallback-scsv.log'));

  it('classifies each refused retry as inappropriate fallback, with the library\'s own code', () => {
    const failed = sessions.filter((s) => s.failure !== undefined);
    expect(failed.map((s) => [s.failure?.class, s.failure?.opensslError?.code, s.failure?.generation])).toEqual([
      ['inappropriate-fallback', '14209175', '1.1.x'],
      ['inappropriate-fallback', '0A000175', '3.x'],
      ['inappropriate-fallback', '0A000175', '3.x'],
    ]);
    for (const session of failed) expect(session.failure?.explanation).toContain('TLS_FALLBACK_SCSV');
  });

  it('and the TLS 1.2 sender without the marker succeeds on the same receivers', () => {
    const established = sessions.filter((s) => s.tls !== undefined);
    expect(established.map((s) => s.tls?.protocol)).toEqual(['TLSv1.2', 'TLSv1.2', 'TLSv1.2']);
  });
});

describe('no shared key-exchange group, captured from the lab (Postfix 3.5 / 1.1.1, 3.7 / 3.0, 3.10 / 3.5 with X448 alone)', () => {
  const { sessions } = readSessions(fixtureLines('lab-no-shared-group.log'));
  const tried = sessions.filter((s) => s.peer.addr !== '127.0.0.1');

  it('classifies each TLS 1.3 client without X448 as no shared group, with the library\'s own code', () => {
    const failed = tried.filter((s) => s.failure !== undefined);
    expect(failed.map((s) => [s.failure?.class, s.failure?.opensslError?.code, s.failure?.generation])).toEqual([
      ['no-shared-group', '141F7065', '1.1.x'],
      ['no-shared-group', '0A000065', '3.x'],
      ['no-shared-group', '0A000065', '3.x'],
    ]);
    for (const session of failed) expect(session.failure?.remedy).toContain('tls_eecdh_auto_curves');
  });

  it('and the same groups get TLS 1.2 over DHE once TLS 1.3 is off; X448 clients get TLS 1.3', () => {
    const established = tried.filter((s) => s.tls !== undefined).map((s) => `${s.tls?.protocol} ${s.tls?.cipher}`);
    expect(established.filter((t) => t.startsWith('TLSv1.2'))).toEqual(Array(3).fill('TLSv1.2 DHE-RSA-AES256-GCM-SHA384'));
    expect(established.filter((t) => t.startsWith('TLSv1.3'))).toHaveLength(6);
  });
});

describe('a server without secure renegotiation, captured from the lab (Postfix 3.7 / OpenSSL 3.0 and 3.10 / 3.5 as clients)', () => {
  const { sessions } = readSessions(fixtureLines('lab-legacy-renegotiation.log'));
  const outbound = sessions.filter((s) => s.side === 'smtp');

  it('classifies each refused attempt, then the plaintext fallback; with LEGACY_SERVER_CONNECT, TLS 1.2', () => {
    expect(outbound.map((s) => s.failure?.class ?? (s.tls ? s.tls.protocol : 'plaintext'))).toEqual([
      'unsafe-legacy-renegotiation', 'unsafe-legacy-renegotiation', 'unsafe-legacy-renegotiation', 'plaintext',
      'unsafe-legacy-renegotiation', 'unsafe-legacy-renegotiation', 'unsafe-legacy-renegotiation', 'plaintext',
      'TLSv1.2',
    ]);
    const failed = outbound.filter((s) => s.failure !== undefined);
    expect(new Set(failed.map((s) => `${s.failure?.opensslError?.code} ${s.failure?.generation}`))).toEqual(new Set(['0A000152 3.x']));
    expect(failed[0]?.failure?.remedy).toContain('tls_ssl_options = LEGACY_SERVER_CONNECT');
  });
});

describe('outbound failures captured from the lab (Postfix 3.7 / OpenSSL 3.0 as the client)', () => {
  const { sessions, stats } = readSessions(fixtureLines('lab-outbound-bookworm.log'));
  const outbound = sessions.filter((s) => s.side === 'smtp');

  it('classifies each failed attempt from the alert the client read, per destination', () => {
    const byPeer = (addr: string) => outbound.filter((s) => s.peer.addr === addr).map((s) => s.failure?.class ?? (s.tls ? 'tls' : 'plaintext'));
    expect(byPeer('192.168.0.2')).toEqual(['alert-protocol-version', 'alert-protocol-version', 'alert-protocol-version', 'plaintext']);
    expect(byPeer('192.168.0.3')).toEqual(['peer-aborted', 'peer-aborted', 'peer-aborted', 'plaintext']);
  });

  it('ties the last failed attempt to its message through "QUEUEID: Cannot start TLS", and reads only the pickup lines as unknown', () => {
    expect(outbound.every((s) => s.queueIds.length === 1)).toBe(true);
    expect(stats.unrecognised).toBe(3);
  });
});

describe('misbehaving clients after STARTTLS, captured from the lab (OpenSSL 3.0, 1.1.1, 3.5 servers)', () => {
  const failed = readSessions(fixtureLines('lab-misbehaving-clients.log')).sessions.filter((s) => s.failure !== undefined);
  const classes = (cls: string) => failed.filter((s) => s.failure?.class === cls);

  it('plaintext EHLO and HTTP after STARTTLS are plaintext-after-starttls in every generation', () => {
    expect(classes('plaintext-after-starttls').map((s) => [s.failure?.opensslError?.reason, s.failure?.generation]).sort()).toEqual([
      ['http request', '1.1.x'], ['http request', '3.x'], ['http request', '3.x'],
      ['wrong version number', '1.1.x'], ['wrong version number', '3.x'], ['wrong version number', '3.x'],
    ]);
  });

  it('a pure SSLv2 hello is "unknown protocol" on 1.1.1 and 3.x alike', () => {
    expect(classes('unknown-protocol').map((s) => s.failure?.opensslError?.code).sort()).toEqual(['0A0000FC', '0A0000FC', '142090FC']);
    for (const session of classes('unknown-protocol')) expect(session.failure?.explanation).toContain('genuine SSLv2-format ClientHello');
  });

  it('closing or cutting the hello short is an unexpected EOF; silence is a timeout', () => {
    expect(classes('unexpected-eof')).toHaveLength(6);
    expect(classes('timeout').map((s) => s.failure?.evidence.some((l) => l.includes('Connection timed out')))).toEqual([true, true, true]);
    expect(failed).toHaveLength(18);
  });
});

describe('malformed TLS from a client after STARTTLS, captured from the lab (OpenSSL 1.1.1, 3.0, 3.5 servers)', () => {
  const sessions = readSessions(fixtureLines('lab-protocol-violations.log')).sessions;
  const failed = sessions.filter((s) => s.side === 'smtpd' && s.failure !== undefined);

  it('a message out of order, a short hello and an oversized record are protocol violations in every generation', () => {
    expect(failed.map((s) => [s.failure?.class, s.failure?.generation, s.failure?.opensslError?.reason])).toEqual([
      ['protocol-violation', '1.1.x', 'unexpected message'], ['protocol-violation', '1.1.x', 'length mismatch'], ['protocol-violation', '1.1.x', 'packet length too long'],
      ['protocol-violation', '3.x', 'packet length too long'], ['protocol-violation', '3.x', 'length mismatch'], ['protocol-violation', '3.x', 'unexpected message'],
      ['protocol-violation', '3.x', 'unexpected message'], ['protocol-violation', '3.x', 'length mismatch'], ['protocol-violation', '3.x', 'data length too long'],
    ]);
    for (const session of failed) {
      expect(session.failure?.summary).toMatch(/^TLS protocol violation: /);
      expect(session.failure?.remedy).toContain('smtpd_discard_ehlo_keyword_address_maps');
    }
  });

  it('OpenSSL 3.5 adds "record layer failure" after the record layer\'s own reason, and both are evidence', () => {
    const oversized = failed.at(-1);
    expect(oversized?.failure?.evidence.filter((l) => l.includes('TLS library problem')).map((l) => l.replace(/.*SSL routines::([^:]*):.*/, '$1'))).toEqual([
      'data length too long', 'record layer failure',
    ]);
  });

  it('a server that answers the hello out of order: protocol-violation on the sending side, deferred, then plaintext', () => {
    const outbound = sessions.filter((s) => s.side === 'smtp');
    expect(outbound.map((s) => s.failure?.class ?? (s.tls ? 'tls' : 'plaintext'))).toEqual([
      'protocol-violation', 'protocol-violation', 'protocol-violation', 'plaintext',
      'protocol-violation', 'protocol-violation', 'protocol-violation', 'plaintext',
      'protocol-violation', 'protocol-violation', 'protocol-violation', 'plaintext',
    ]);
    const first = outbound[0]?.failure;
    expect(first?.opensslError?.func).toBe('ossl_statem_client_read_transition');
    expect(first?.explanation).toContain('the receiving server');
    expect(first?.remedy).toContain('Opportunistic TLS delivers in plaintext');
  });
});

describe('an Exim destination that requires a client certificate, captured from the lab (Postfix 3.5, 3.7, 3.10 sending)', () => {
  const outbound = readSessions(fixtureLines('lab-exim-client-certificate.log')).sessions.filter((s) => s.side === 'smtp');
  const byPeer = new Map<string, typeof outbound>();
  for (const session of outbound) byPeer.set(session.peer.addr, [...(byPeer.get(session.peer.addr) ?? []), session]);
  const outcome = (s: (typeof outbound)[number]) => s.failure?.class ?? (s.tls ? `tls ${s.tls.protocol}` : s.plaintextFallback === true ? 'plaintext after TLS failed' : 'plaintext');

  it('TLS 1.3: established, then "certificate required": a failed session, not TLS, and the last attempt goes in plaintext', () => {
    const mtls = [...byPeer.values()].filter((sessions) => sessions.some((s) => s.failure?.class === 'client-certificate'));
    expect(mtls).toHaveLength(3);
    for (const sessions of mtls) {
      expect(sessions.map(outcome)).toEqual(['client-certificate', 'client-certificate', 'client-certificate', 'plaintext after TLS failed']);
      const failure = sessions[0]?.failure;
      expect(sessions[0]?.tls?.protocol).toBe('TLSv1.3');
      expect(failure?.summary).toBe('destination requires a client certificate (after the handshake)');
      expect(failure?.explanation).toContain('logged `TLS connection established` first');
      expect(failure?.remedy).toContain('smtp_tls_chain_files');
      // The fallback attempt ends at Postfix's bare notice; the plaintext delivery is a connection of its own.
      expect(sessions[2]?.lines.at(-1)).toMatch(/: lost connection with [\d.]+\[[\d.]+\] while performing the EHLO handshake$/);
    }
  });

  it('TLS 1.2: the server answers the empty certificate with "decode error"; without the requirement, TLS 1.2', () => {
    const decode = [...byPeer.values()].filter((sessions) => sessions.some((s) => s.failure?.class === 'peer-aborted'));
    expect(decode).toHaveLength(3);
    for (const sessions of decode) {
      expect(sessions.map(outcome)).toEqual(['peer-aborted', 'peer-aborted', 'peer-aborted', 'plaintext after TLS failed']);
      expect(sessions[0]?.failure?.explanation).toContain('requires a client certificate (tls_verify_hosts)');
    }
    expect([...byPeer.values()].filter((sessions) => sessions.length === 1 && sessions[0]?.tls?.protocol === 'TLSv1.2')).toHaveLength(3);
  });
});

describe('an unverifiable destination certificate, captured from the lab (Postfix 3.7 client at level verify)', () => {
  it('fails every attempt as certificate-verification although TLS was established', () => {
    const outbound = readSessions(fixtureLines('lab-outbound-verify-bookworm.log')).sessions.filter((s) => s.side === 'smtp');
    expect(outbound.length).toBeGreaterThanOrEqual(3);
    for (const session of outbound) {
      expect(session.tls?.trust).toBe('Untrusted');
      expect(session.failure?.class).toBe('certificate-verification');
      expect(session.failure?.evidence.some((l) => l.includes('certificate verification failed for') && l.endsWith('self-signed certificate'))).toBe(true);
    }
  });
});

describe('a 1024-bit DHE group, captured from the lab (servers 1.1.1, 3.0, 3.5; Postfix clients at security level 2)', () => {
  const { sessions } = readSessions(fixtureLines('lab-dh1024.log'));
  const failed = sessions.filter((s) => s.failure !== undefined);

  it('each server logs only the alert of the client that refused the group', () => {
    const inbound = failed.filter((s) => s.side === 'smtpd');
    expect(new Set(inbound.map((s) => `${s.failure?.class} ${s.failure?.opensslError?.code} ${s.failure?.opensslError?.reason} ${s.failure?.generation}`))).toEqual(new Set([
      'peer-aborted 14094410 sslv3 alert handshake failure 1.1.x',
      'peer-aborted 0A000410 sslv3 alert handshake failure 3.x',
      'peer-aborted 0A000410 ssl/tls alert handshake failure 3.x',
    ]));
  });

  it('each sending Postfix logs "dh key too small" from its own library, then delivers in plaintext', () => {
    const outbound = sessions.filter((s) => s.side === 'smtp');
    const byHost = (host: string) => outbound.filter((s) => s.host === host).map((s) => s.failure?.class ?? (s.tls ? 'tls' : 'plaintext'));
    for (const host of ['postfix-37-level2', 'postfix-35-level2', 'postfix-310-level2']) {
      expect(byHost(host), host).toEqual(['dh-key-too-small', 'dh-key-too-small', 'dh-key-too-small', 'plaintext']);
    }
    expect(new Set(failed.filter((s) => s.side === 'smtp').map((s) => `${s.failure?.opensslError?.code} ${s.failure?.generation}`))).toEqual(new Set(['0A00018A 3.x', '141A318A 1.1.x']));
    expect(failed.find((s) => s.side === 'smtp')?.failure?.remedy).toContain('drop @SECLEVEL=2');
  });
});

describe('a client protocol floor above the server\'s ceiling, captured from the lab (Postfix 3.5 / 1.1.1, 3.7 / 3.0, 3.10 / 3.5 as clients)', () => {
  const outbound = readSessions(fixtureLines('lab-client-protocol-floor.log')).sessions.filter((s) => s.side === 'smtp');

  it('with TLS 1.3 on, the TLS 1.0 server refuses the hello; with TLS 1.2 only, the client refuses the server\'s TLS 1.0', () => {
    const runs: string[][] = [];
    for (let i = 0; i < outbound.length; i += 4) runs.push(outbound.slice(i, i + 4).map((s) => s.failure === undefined ? 'plaintext' : `${s.failure.class} ${s.failure.opensslError?.code} ${s.failure.generation}`));
    const run = (failure: string) => [failure, failure, failure, 'plaintext'];
    expect(runs).toEqual([
      run('alert-protocol-version 1409442E 1.1.x'), run('unsupported-protocol 1425F102 1.1.x'),
      run('alert-protocol-version 0A00042E 3.x'), run('unsupported-protocol 0A000102 3.x'),
      run('alert-protocol-version 0A00042E 3.x'), run('unsupported-protocol 0A000102 3.x'),
    ]);
    const refused = outbound.find((s) => s.failure?.class === 'unsupported-protocol');
    expect(refused?.failure?.explanation).toContain('has disabled');
  });
});

describe('servers that break STARTTLS, captured from the lab (Postfix 3.5 / 1.1.1, 3.7 / 3.0, 3.10 / 3.5 as clients)', () => {
  const outbound = readSessions(fixtureLines('lab-broken-starttls-servers.log')).sessions.filter((s) => s.side === 'smtp');

  it('a hello answered in plaintext is "wrong version number" from each library\'s record layer', () => {
    const wrong = outbound.filter((s) => s.failure?.class === 'wrong-version-number');
    expect(wrong.map((s) => s.failure?.evidence.find((l) => l.includes('TLS library problem'))?.replace(/^.*problem: /, ''))).toEqual([
      ...Array<string>(3).fill('error:1408F10B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:331:'),
      ...Array<string>(3).fill('error:0A00010B:SSL routines::wrong version number:../ssl/record/ssl3_record.c:350:'),
      ...Array<string>(3).fill('error:0A00010B:SSL routines::wrong version number:../ssl/record/methods/tlsany_meth.c:77:'),
    ]);
    expect(wrong[0]?.failure?.explanation).toContain('not a TLS record');
  });

  it('a hang-up after "220 Ready to start TLS" leaves only "lost connection", an unexpected EOF; every message then goes in plaintext', () => {
    const eof = outbound.filter((s) => s.failure?.class === 'unexpected-eof');
    expect(eof).toHaveLength(9);
    for (const session of eof) expect(session.failure?.evidence.join('\n')).toMatch(/SSL_connect error to .*: lost connection/);
    expect(outbound.filter((s) => s.failure === undefined && s.tls === undefined)).toHaveLength(6);
  });
});

describe('security level 1 against TLS 1.0 peers, captured from the lab (Postfix 3.5 / 1.1.1, 3.7 / 3.0, 3.10 / 3.5)', () => {
  const sessions = readSessions(fixtureLines('lab-security-level-1.log')).sessions.filter((s) => s.peer.addr !== '127.0.0.1');
  const outcome = (side: 'smtpd' | 'smtp') => sessions.filter((s) => s.side === side)
    .map((s) => s.failure === undefined ? (s.tls ? `tls ${s.tls.protocol}` : 'plaintext') : `${s.failure.class} ${s.failure.opensslError?.code}`);

  it('1.1.1 serves TLS 1.0 at level 1; 3.0 fails on the signature; 3.5 refuses the version', () => {
    expect(outcome('smtpd')).toEqual(['tls TLSv1', 'no-suitable-signature-algorithm 0A000076', 'unsupported-protocol 0A000102']);
    expect(outcome('smtp')).toEqual([
      'tls TLSv1',
      ...Array<string>(3).fill('no-suitable-signature-algorithm 0A00014D'), 'plaintext',
      ...Array<string>(3).fill('alert-protocol-version 0A00042E'), 'plaintext',
    ]);
  });
});

describe('senders that require a verified certificate, captured from the lab (servers 1.1.1, 3.0, 3.5 with self-signed certificates)', () => {
  const sessions = readSessions(fixtureLines('lab-verifying-senders.log')).sessions.filter((s) => s.peer.addr !== '127.0.0.1');

  it('each server logs the "unknown ca" alert; the class says whose certificate and what to serve instead', () => {
    const failed = sessions.filter((s) => s.failure !== undefined);
    expect(failed.map((s) => `${s.failure?.class} ${s.failure?.opensslError?.code} ${s.failure?.generation}`)).toEqual([
      'certificate-verification 14094418 1.1.x', 'certificate-verification 14094418 1.1.x',
      'certificate-verification 0A000418 3.x', 'certificate-verification 0A000418 3.x',
      'certificate-verification 0A000418 3.x', 'certificate-verification 0A000418 3.x',
    ]);
    for (const session of failed) {
      expect(session.failure?.explanation).toContain('rejected this server\'s certificate');
      expect(session.failure?.remedy).toContain('smtpd_tls_chain_files');
    }
    expect(sessions.filter((s) => s.tls !== undefined).map((s) => s.tls?.protocol)).toEqual(['TLSv1.3', 'TLSv1.3', 'TLSv1.3']);
  });
});

describe('smtp_tls_connection_reuse, captured from the lab (Postfix 3.7 / OpenSSL 3.0 as the client)', () => {
  const lines = fixtureLines('lab-tls-connection-reuse.log');
  const starts = lines.map((line, i) => (line.includes('daemon started') ? i : -1)).filter((i) => i >= 0);
  /** The receiver log of one of the four runs. */
  const run = (n: number): string[] => lines.slice(starts[n], starts[n + 1]);
  const smtp = (log: string[], addr: string): Session[] => readSessions(log).sessions.filter((s) => s.side === 'smtp' && s.peer.addr === addr);
  const outcome = (s: Session): string => s.failure?.class ?? (s.plaintextFallback === true ? 'plaintext' : s.tls?.protocol ?? 'other');

  it('without a tlsproxy service every TLS attempt fails as a local problem, then goes in plaintext', () => {
    for (const addr of ['172.24.0.2', '172.24.0.3', '172.24.0.4']) {
      expect(smtp(run(0), addr).map(outcome)).toEqual(['invalid-local-config', 'invalid-local-config', 'invalid-local-config', 'plaintext']);
    }
    expect(smtp(run(0), '172.24.0.2')[0]?.failure).toMatchObject({ summary: 'no tlsproxy service', remedy: expect.stringMatching(/tlsproxy unix - - y - 0 tlsproxy/) });
  });

  it('with tlsproxy, a connection that tlsproxy and smtp both log as established counts once, as smtp\'s', () => {
    expect(readSessions(run(1)).sessions.filter((s) => s.peer.addr !== '127.0.0.1').map((s) => [s.service, s.peer.addr, s.tls?.protocol])).toEqual([
      ['postfix/smtp', '172.25.0.2', 'TLSv1.3'],
      ['postfix/smtp', '172.25.0.4', 'TLSv1.3'],
      ['postfix/smtp', '172.25.0.3', 'TLSv1'],
    ]);
  });

  it('a handshake that fails in tlsproxy gets its reason from tlsproxy\'s lines, on each of three attempts, though the log starts with it', () => {
    const log = run(2);
    expect(log.findIndex((line) => line.includes('postfix/tlsproxy['))).toBeLessThan(log.findIndex((line) => line.includes('postfix/smtp[')));
    const sessions = smtp(log, '172.27.0.2');
    expect(sessions.map(outcome)).toEqual(['alert-protocol-version', 'alert-protocol-version', 'alert-protocol-version', 'plaintext']);
    expect(sessions[0]?.failure?.evidence.some((line) => line.includes('postfix/tlsproxy[201]: warning: TLS library problem'))).toBe(true);
    expect(smtp(log, '172.27.0.3').map(outcome)).toEqual(['TLSv1.2']);
    expect(readSessions(log).sessions.filter((s) => s.service === 'postfix/tlsproxy')).toEqual([]);
  });

  it('and when tlsproxy logs the error after another connection\'s handshake, before the failed one\'s peer', () => {
    const log = run(3);
    expect(log.filter((line) => line.includes('postfix/tlsproxy[')).map((line) => line.replace(/^.*tlsproxy\[\d+\]: /, '').slice(0, 30)).slice(0, 5)).toEqual([
      'CONNECT to [172.27.0.3]:25', 'Anonymous TLS connection estab', 'CONNECT to [172.27.0.2]:25', 'warning: TLS library problem: ', 'TLS handshake failed for servi',
    ]);
    expect(smtp(log, '172.27.0.2').map(outcome)).toEqual(['alert-protocol-version', 'alert-protocol-version', 'plaintext']);
    expect(smtp(log, '172.27.0.3').map(outcome)).toEqual(['TLSv1.2']);
  });

  it('an excerpt of tlsproxy\'s lines alone keeps its connections: no smtp line counts them instead', () => {
    const proxyOnly = run(1).filter((line) => line.includes('postfix/tlsproxy['));
    expect(readSessions(proxyOnly).sessions.map((s) => [s.service, s.peer.addr, s.tls?.protocol])).toEqual([
      ['postfix/tlsproxy', '172.25.0.2', 'TLSv1.3'],
      ['postfix/tlsproxy', '172.25.0.4', 'TLSv1.3'],
      ['postfix/tlsproxy', '172.25.0.3', 'TLSv1'],
    ]);
  });
});

describe('postscreen with its after-220 tests, captured from the lab (Postfix 3.7 / OpenSSL 3.0)', () => {
  it('counts tlsproxy\'s handshake for postscreen and smtpd\'s for the retry as two TLS sessions of the peer', () => {
    const { sessions } = readSessions(fixtureLines('lab-postscreen.log'));
    expect(sessions.filter((s) => s.peer.addr !== '127.0.0.1').map((s) => [s.service, s.peer.addr, s.peer.port ?? null, s.tls?.protocol, s.closedBy])).toEqual([
      // The other connection's handshake, logged before this one's DISCONNECT, ends it.
      ['postfix/tlsproxy', '192.168.32.3', 45336, 'TLSv1.3', 'new-connection'],
      ['postfix/tlsproxy', '192.168.32.4', 50926, 'TLSv1', 'disconnect'],
      ['postfix/smtpd', '192.168.32.3', null, 'TLSv1.3', 'disconnect'],
    ]);
  });
});

describe('smtpd_tls_req_ccert, captured from the lab (Debian\'s Postfix 3.7, 3.5 and 3.10)', () => {
  const lines = fixtureLines('lab-client-certificates.log');
  const starts = lines.map((line, i) => (line.includes('daemon started') ? i : -1)).filter((i) => i >= 0);
  /** The log of one Postfix: the receivers and sending MTAs of the runs, in the fixture's order. */
  const log = (n: number): string[] => lines.slice(starts[n], starts[n + 1]);
  const failures = (part: string[], side: 'smtpd' | 'smtp') => readSessions(part).sessions.filter((s) => s.side === side && s.failure !== undefined);

  it.each([[0, '3.7.11'], [3, '3.5.25'], [4, '3.10.13']])('receiver %i (Postfix %s): a completed handshake, then `NOQUEUE: abort` is a failure, not TLS', (n, version) => {
    const part = log(n);
    expect(part.some((line) => line.includes(`version ${version}`))).toBe(true);
    const failed = failures(part, 'smtpd');
    expect(failed.length).toBeGreaterThan(0);
    for (const session of failed) {
      expect(session.tls?.protocol).toBe('TLSv1.3');
      expect(session.failure?.class).toBe('client-certificate');
      expect(session.failure?.evidence.at(-1)).toMatch(/NOQUEUE: abort: TLS from \S+: (?:No client certificate presented|Client certificate not trusted)$/);
    }
    const summaries = new Set(failed.map((s) => s.failure?.summary));
    expect(summaries).toEqual(new Set(n === 0 ? ['client certificate required, none presented'] : ['client certificate required, none presented', 'client certificate not trusted']));
  });

  it('an untrusted certificate is explained by the verification line before the abort', () => {
    const untrusted = failures(log(3), 'smtpd').find((s) => s.failure?.summary === 'client certificate not trusted');
    expect(untrusted?.failure?.evidence[0]).toMatch(/certificate verification failed for \S+: self-signed certificate$/);
    expect(untrusted?.failure?.explanation).toContain('(self-signed certificate)');
    expect(untrusted?.failure?.remedy).toContain('smtpd_tls_CAfile');
  });

  it('a client with the certificate the server trusts is served', () => {
    const trusted = readSessions(log(0)).sessions.filter((s) => s.lines.some((line) => line.includes(' Trusted TLS connection established from ')));
    expect(trusted.map((s) => [s.failure, s.tls?.protocol, s.queueIds.length])).toEqual([[undefined, 'TLSv1.3', 1]]);
  });

  it('a server that requires a client certificate runs at security level 1, where OpenSSL 3.0 cannot sign for TLS 1.0; one that only asks stays at 0', () => {
    const required = readSessions(log(7)).sessions.filter((s) => s.peer.addr !== '127.0.0.1');
    expect(required.map((s) => [s.failure?.class, s.failure?.opensslError?.code])).toEqual([['no-suitable-signature-algorithm', '0A000076']]);
    const asked = readSessions(log(8)).sessions.filter((s) => s.peer.addr !== '127.0.0.1');
    expect(asked.map((s) => [s.failure, s.tls?.protocol, s.tls?.cipher])).toEqual([[undefined, 'TLSv1', 'ECDHE-RSA-AES256-SHA']]);
  });

  it('the sending side reads the 421 as the destination\'s requirement: none presented, or not trusted', () => {
    const summaries = (n: number) => new Set(failures(log(n), 'smtp').map((s) => s.failure?.summary));
    expect(summaries(1)).toEqual(new Set(['destination requires a client certificate']));
    expect(summaries(5)).toEqual(new Set(['destination does not trust the client certificate']));
    expect(summaries(6)).toEqual(new Set(['destination requires a client certificate']));
    expect(failures(log(1), 'smtp')[0]?.failure?.remedy).toContain('smtp_tls_chain_files');
    // The sender whose certificate was trusted delivered over TLS.
    expect(readSessions(log(2)).sessions.filter((s) => s.side === 'smtp').map((s) => [s.failure, s.tls?.protocol])).toEqual([[undefined, 'TLSv1.3']]);
  });
});

describe('an Exim sender that rejects the certificate after the handshake, captured from the lab (Postfix 3.7, 3.5, 3.10)', () => {
  const { sessions } = readSessions(fixtureLines('lab-exim-sender.log'));
  const exim = sessions.filter((s) => s.peer.addr !== '127.0.0.1');

  it('is a failed session, not TLS, then a plaintext delivery: the downgrade the established line hides', () => {
    expect(exim.map((s) => [s.tls?.protocol, s.failure?.class ?? (s.queueIds.length > 0 ? 'plaintext' : 'none')])).toEqual([
      ['TLSv1.3', 'certificate-verification'], [undefined, 'plaintext'],
      ['TLSv1.3', 'certificate-verification'], [undefined, 'plaintext'],
      ['TLSv1.3', 'certificate-verification'], [undefined, 'plaintext'],
    ]);
    for (const session of exim.filter((s) => s.failure !== undefined)) {
      expect(session.failure?.summary).toBe('certificate rejected after the handshake');
      expect(session.failure?.explanation).toContain('as Exim with GnuTLS does');
      expect(session.failure?.evidence[0]).toMatch(/alert bad certificate:.*SSL alert number 42/);
    }
  });
});

describe('a list of next hops, captured from the lab (Postfix 3.5, 3.7, 3.10 sending)', () => {
  const outbound = readSessions(fixtureLines('lab-multiple-next-hops.log')).sessions.filter((s) => s.side === 'smtp');
  const at = (name: string) => outbound.filter((s) => s.peer.name === `${name}.dest.lab.test`);
  const outcome = (s: Session) => s.failure?.class ?? (s.tls ? `tls ${s.tls.protocol}` : 'plaintext');

  it('the line a server that is not the last gets when the client leaves it counts at that server, one session each', () => {
    // `QUEUEID: TLS is required, but host p-no-tls...[addr] refused to start TLS: 454 ...` is the only line of its attempt.
    expect(at('p-no-tls').map(outcome)).toEqual(['invalid-local-config', 'invalid-local-config', 'invalid-local-config']);
    expect(at('p-no-tls').map((s) => s.lines.length)).toEqual([1, 1, 1]);
    // `QUEUEID: host p-greylist...[addr] said: 450 ...` ends a TLS session whose server refused the recipient: no TLS failure.
    expect(at('p-greylist').map(outcome)).toEqual(['tls TLSv1.3', 'tls TLSv1.3', 'tls TLSv1.3']);
    expect(at('p-greylist').map((s) => s.lines.at(-1))).toEqual(Array(3).fill(expect.stringMatching(/: host p-greylist\.dest\.lab\.test\[[\d.]+\] said: 450 4\.3\.2 /)));
    expect(at('p-sslv3').map(outcome)).toEqual(['alert-protocol-version', 'alert-protocol-version', 'alert-protocol-version']);
    // Each message went on to the backup over TLS: none of them in plaintext.
    expect(outbound.filter((s) => s.peer.name.startsWith('backup')).map(outcome)).toEqual(Array(outbound.filter((s) => s.peer.name.startsWith('backup')).length).fill('tls TLSv1.3'));
    expect(outbound.some((s) => s.plaintextFallback === true)).toBe(false);
  });
});
