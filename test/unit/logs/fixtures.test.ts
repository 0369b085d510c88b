import { describe, expect, it } from 'vitest';
import { parseLine, readSessions } from '../../../lab/logs/index.ts';
import { fixtureLines } from './fixture-files.ts';

/** Per-line kinds, run-length encoded: `kind*n`. `foreign` = other program, `unrecognised` = Postfix line without event. */
function kinds(lines: string[]): string[] {
  const all = lines.map((line) => {
    const parsed = parseLine(line);
    if (parsed.header === undefined) return 'no-header';
    return parsed.header.postfix ? (parsed.event?.kind ?? 'unrecognised') : 'foreign';
  });
  const encoded: string[] = [];
  let i = 0;
  while (i < all.length) {
    let j = i;
    while (all[j] === all[i]) j++;
    encoded.push(j - i > 1 ? `${all[i]}*${j - i}` : `${all[i]}`);
    i = j;
  }
  return encoded;
}

const SEED_KINDS = [
    'connect', 'tls-setup', 'tls-handshake-error', 'tls-library-problem', 'connection-lost', 'disconnect',
    'tls-engine-init', 'connect', 'tls-setup', 'tls-cipher-list', 'tls-state', 'tls-alert', 'tls-state',
    'tls-handshake-error', 'tls-library-problem', 'connection-lost', 'disconnect', 'connect', 'tls-setup',
    'tls-cipher-list', 'tls-state*12', 'tls-established', 'queue-client', 'queue-message-id', 'foreign*3',
    'queue-from', 'disconnect', 'queue-delivery', 'connect', 'tls-setup', 'tls-cipher-list', 'tls-state*2',
    'tls-handshake-error', 'tls-library-problem', 'connection-lost', 'disconnect', 'tls-engine-init', 'connect',
    'tls-setup', 'tls-cipher-list', 'tls-state*2', 'tls-handshake-error', 'tls-library-problem', 'connection-lost',
    'disconnect', 'connect', 'queue-client',
];

const REAL_2_6_6_KINDS = [
    'unrecognised', 'daemon-started', 'unrecognised', 'tls-engine-init', 'connect', 'tls-setup', 'tls-cipher-list',
    'tls-state', 'tls-alert', 'tls-state', 'tls-handshake-error', 'tls-library-problem', 'connection-lost',
    'disconnect', 'unrecognised', 'daemon-started', 'unrecognised', 'tls-engine-init', 'connect', 'tls-setup',
    'tls-cipher-list', 'tls-state*2', 'tls-handshake-error', 'tls-library-problem', 'connection-lost', 'disconnect',
    'connect', 'tls-setup', 'tls-cipher-list', 'tls-state*2', 'tls-handshake-error', 'tls-library-problem',
    'connection-lost', 'disconnect', 'connect', 'tls-setup', 'tls-cipher-list', 'tls-state*13', 'tls-established',
    'connection-lost', 'disconnect', 'unrecognised', 'daemon-started', 'unrecognised', 'tls-engine-init', 'connect',
    'tls-setup', 'tls-cipher-list', 'tls-state*7', 'tls-alert', 'tls-state', 'tls-handshake-error',
    'tls-library-problem', 'connection-lost', 'disconnect', 'connect', 'tls-setup', 'tls-cipher-list',
    'tls-state*12', 'tls-established', 'connection-lost', 'disconnect', 'connect', 'tls-setup', 'tls-cipher-list',
    'tls-state*13', 'tls-established', 'connection-lost', 'disconnect', 'unrecognised', 'daemon-started',
    'unrecognised', 'tls-engine-init', 'connect', 'tls-setup', 'tls-cipher-list', 'tls-state*13', 'tls-established',
    'connection-lost', 'disconnect', 'connect', 'tls-setup', 'tls-cipher-list', 'tls-state', 'tls-alert',
    'tls-state', 'tls-handshake-error', 'tls-library-problem', 'connection-lost', 'disconnect', 'connect',
    'tls-setup', 'tls-cipher-list', 'tls-state*13', 'tls-established', 'connection-lost', 'disconnect',
    'unrecognised', 'daemon-started', 'unrecognised', 'tls-engine-init', 'tls-protocol-list-invalid', 'connect',
    'connection-lost', 'queue-message-id', 'disconnect', 'queue-from', 'unrecognised', 'queue-delivery',
    'queue-removed',
];

describe('fixture files', () => {

  it('recognises every line of the seed case', () => {
    expect(kinds(fixtureLines('seed-maillog.log'))).toEqual(SEED_KINDS);
  });

  it('recognises every line of the real 2.6.6 / 1.0.1e log', () => {
    expect(kinds(fixtureLines('postfix-2.6.6-openssl-1.0.1e.log'))).toEqual(REAL_2_6_6_KINDS);
  });

  it('every line of both files keeps its host and pid, and time when it had one', () => {
    for (const line of [...fixtureLines('seed-maillog.log'), ...fixtureLines('postfix-2.6.6-openssl-1.0.1e.log')]) {
      const header = parseLine(line, 2018).header;
      expect(header?.host, line).toBe(line.startsWith('server1') ? 'server1' : line.split(' ')[3]);
      expect(header?.pid, line).toBe(Number(/\[(\d+)\]: /.exec(line)?.[1]));
      expect(header?.timestamp === undefined, line).toBe(line.startsWith('server1'));
    }
  });
});

describe('sessions of the seed case (Postfix 2.6.6, OpenSSL 1.0.1e-fips)', () => {
  const read = readSessions(fixtureLines('seed-maillog.log'), { year: 2018 });

  it('finds six smtpd sessions with their outcomes', () => {
    expect(read.sessions.map((s) => [s.peer.addr, s.tls?.protocol ?? null, s.failure?.class ?? null, s.complete, s.queueIds])).toEqual([
      ['209.85.167.44', null, 'no-shared-cipher', true, []],
      ['209.85.167.47', null, 'no-shared-cipher', true, []],
      ['209.85.208.171', 'TLSv1.2', null, true, ['66BB15DC6']],
      ['198.245.84.110', null, 'unknown-protocol', true, []],
      ['198.245.84.99', null, 'unknown-protocol', true, []],
      ['107.174.30.57', null, null, false, ['4F6D0629C']],
    ]);
    expect(read.stats).toEqual({ lines: 62, events: 59, unrecognised: 0, foreign: 3 });
  });

  it('reads the 1.0.1 generation from the upper-case function names and Postfix <= 2.10 from the pid field', () => {
    expect(read.versions.openssl).toBe('1.0.1');
    expect(read.versions.postfixRange).toBe('<=2.10');
    expect(read.versions.postfix).toBeUndefined();
  });

  it('says so when the formats of a log bound the version from both sides', () => {
    const withCounters = 'x postfix/smtpd[9]: disconnect from a[192.0.2.1] ehlo=1 quit=1 commands=2';
    const withPid = 'x postfix/smtpd[8]: warning: TLS library problem: 8:error:1408A0C1:SSL routines:ssl3_get_client_hello:no shared cipher:s3_srvr.c:1435:';
    const both = '>=3.0 and <=2.10: lines of more than one version';
    expect(readSessions([...fixtureLines('seed-maillog.log'), withCounters]).versions.postfixRange).toBe(both);
    expect(readSessions([withCounters, withPid]).versions.postfixRange).toBe(both);
  });

  it('explains unknown protocol as a disabled highest version, not as an SSLv3 client', () => {
    const failure = read.sessions[3]?.failure;
    expect(failure?.generation).toBe('1.0.1');
    expect(failure?.opensslError?.line).toBe(647);
    expect(failure?.explanation).toContain('does NOT mean the client speaks SSLv3');
    expect(failure?.explanation).toContain('highest version the client offered is disabled');
    expect(failure?.evidence).toEqual([
      'server1 postfix/smtpd[28167]: SSL_accept error from mta3.email.secretescapes.com[198.245.84.110]: -1',
      'server1 postfix/smtpd[28167]: warning: TLS library problem: 28167:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:647:',
    ]);
  });

  it('keeps the cipher list of the failed Gmail session in the explanation', () => {
    expect(read.sessions[1]?.failure?.explanation).toContain('"ALL:+RC4:@STRENGTH:!aNULL:!LOW:!EXP:!MEDIUM:!ADH:!AECDH:!MD5:!DSS:!ECDSA:!CAMELLIA128:!3DES:!CAMELLIA256:!RSA+AES:!eNULL"');
  });

  it('links the queue id of the TLS session to its delivery', () => {
    expect(read.fates.get('66BB15DC6')).toEqual([{
      queueId: '66BB15DC6', recipient: 'myinbox', relay: 'dovecot', dsn: '2.0.0', status: 'sent', detail: 'delivered via dovecot service',
      timestamp: '2018-08-23T23:39:52',
      line: 'Aug 23 23:39:52 server1 postfix/pipe[6425]: 66BB15DC6: to=<myinbox>, relay=dovecot, delay=0.48, delays=0.29/0.01/0/0.18, dsn=2.0.0, status=sent (delivered via dovecot service)',
    }]);
  });
});

describe('sessions of the real 2.6.6 / 1.0.1e log', () => {
  const read = readSessions(fixtureLines('postfix-2.6.6-openssl-1.0.1e.log'), { year: 2018 });

  it('classifies each client in order', () => {
    expect(read.sessions.map((s) => [s.host, s.tls === undefined ? null : `${s.tls.protocol} ${s.tls.cipher}`, s.failure?.class ?? null])).toEqual([
      ['b96aa2733c29', null, 'no-shared-cipher'],
      ['191342aa2e50', null, 'unknown-protocol'],
      ['191342aa2e50', null, 'unknown-protocol'],
      ['191342aa2e50', 'TLSv1.2 DHE-RSA-AES256-GCM-SHA384', null],
      ['203178e66e62', null, 'wrong-version-number'],
      ['203178e66e62', 'SSLv3 DHE-RSA-AES256-SHA', null],
      ['203178e66e62', 'TLSv1.2 DHE-RSA-AES256-GCM-SHA384', null],
      ['45ff087accdb', 'TLSv1 DHE-RSA-AES256-SHA', null],
      ['45ff087accdb', null, 'wrong-version-number'],
      ['45ff087accdb', 'TLSv1.2 DHE-RSA-AES256-GCM-SHA384', null],
      ['82aea62a6e2b', null, 'invalid-local-config'],
    ]);
    expect(read.stats).toEqual({ lines: 177, events: 166, unrecognised: 11, foreign: 0 });
    expect(read.versions.postfix).toBe('2.6.6');
  });

  it('tells the SSLv3-hello rejection apart from a mid-handshake record mismatch', () => {
    expect(read.sessions[8]?.failure?.explanation).toContain('SSLv3 hello while SSLv3 is disabled and TLS 1.0 is enabled');
    expect(read.sessions[4]?.failure?.explanation).toContain('After the server hello');
  });

  it('blames the invalid protocol list for the session after it, citing both lines', () => {
    const failure = read.sessions[10]?.failure;
    expect(failure?.summary).toBe('invalid TLS protocol list');
    expect(failure?.explanation).toContain('knows only SSLv2, SSLv3 and TLSv1');
    expect(failure?.evidence).toEqual([
      'Nov 29 02:29:21 82aea62a6e2b mail.warn postfix/smtpd[81]: warning: Invalid TLS protocol list "TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3": disabling TLS support',
      'Nov 29 02:29:21 82aea62a6e2b mail.info postfix/smtpd[81]: lost connection after UNKNOWN from 88d9b1fda1a6.labnet[172.18.0.3]',
    ]);
  });

  it('keeps every raw line of a session in order', () => {
    const session = read.sessions[0];
    expect(session?.lines.length).toBe(10);
    expect(session?.lines[0]).toContain('connect from ca9f4a31b58d.labnet');
    expect(session?.lines[9]).toContain('disconnect from ca9f4a31b58d.labnet');
    expect(session?.start).toBe('2018-11-29T02:28:45');
  });
});
