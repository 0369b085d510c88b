import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessions } from '../../../lab/logs/index.ts';
import { checkExpectation } from '../../../lab/scenario/expectations.ts';
import { deriveMtaOutcome, deriveOutcome, type MessageFateView, type ServerSessionView } from '../../../lab/scenario/outcome.ts';
import { configWarnings, receiverLogHints } from '../../../lab/scenario/runner.ts';
import { defineScenario } from '../../../lab/scenario/load.ts';
import { getToolchain, loadToolchains } from '../../../lab/toolchains/registry.ts';
import { expectationSchema } from '../../../lab/scenario/schema.ts';
import { readSClientTranscript, readSwaksTranscript } from '../../../lab/senders/transcript.ts';

interface CapturedRun {
  receiverLog: string[];
  senders: { name: string; client: string; address: string; transcript: string }[];
}
const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/runs', name), 'utf8')) as CapturedRun;

/** Outcome of one captured sender, derived the way the runner does it. */
function outcomeOf(run: CapturedRun, name: string) {
  const sender = run.senders.find((s) => s.name === name)!;
  const { sessions, fates } = readSessions(run.receiverLog);
  const view = sender.client === 'openssl' ? readSClientTranscript(sender.transcript) : readSwaksTranscript(sender.transcript);
  const mine = (sessions as unknown as ServerSessionView[]).filter((s) => s.peer.addr === sender.address);
  return deriveOutcome(mine, fates as unknown as Map<string, MessageFateView[]>, view);
}

const quickstart = load('quickstart-bookworm.json');
const encrypt = load('encrypt-required-bookworm.json');

describe('outcomes from real receiver logs and transcripts', () => {
  it('TLS: protocol and cipher from the server, message delivered', () => {
    const outcome = outcomeOf(quickstart, 'modern');
    expect(outcome.observed).toEqual({ kind: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256 });
    expect(outcome.fate.status).toBe('delivered');
    expect(outcome.evidence.some((l) => l.includes('TLS connection established'))).toBe(true);
  });

  it('handshake failure: the server error line, the class, and the client error', () => {
    const outcome = outcomeOf(quickstart, 'tls10-only');
    expect(outcome.observed).toMatchObject({
      kind: 'handshake-failed',
      failureClass: 'peer-aborted',
      clientError: 'error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported',
    });
    expect(outcome.observed.kind === 'handshake-failed' && outcome.observed.serverError).toMatch(
      /warning: TLS library problem: error:0A000438:SSL routines::tlsv1 alert internal error:.*SSL alert number 80:$/,
    );
    expect(outcome.fate).toEqual({ status: 'not-sent' });
  });

  // Debian's Postfix 3.5 with a protocol list it cannot read: TLS off, 454 to STARTTLS.
  it('against a server whose TLS is off: s_client\'s failed handshake takes the set-up problem as its class; swaks was refused', () => {
    const tlsOff = load('tls-off-bullseye.json');
    expect(outcomeOf(tlsOff, 'tls10-only').observed).toMatchObject({
      kind: 'handshake-failed',
      failureClass: 'invalid-local-config',
      serverError: expect.stringContaining('warning: Invalid TLS protocol list ">=TLSv1.2": disabling TLS support'),
      clientError: expect.stringContaining('wrong version number'),
    });
    expect(outcomeOf(tlsOff, 'modern-tls13').observed).toEqual({ kind: 'refused', reply: 'STARTTLS: 454 4.7.0 TLS not available due to local problem' });
    expect(outcomeOf(tlsOff, 'no-starttls').observed).toEqual({ kind: 'plaintext' });
  });

  it('plaintext delivery', () => {
    const outcome = outcomeOf(quickstart, 'no-starttls');
    expect(outcome.observed).toEqual({ kind: 'plaintext' });
    expect(outcome.fate.status).toBe('delivered');
  });

  it('refused by the server', () => {
    const outcome = outcomeOf(encrypt, 'plaintext-only');
    expect(outcome.observed).toEqual({ kind: 'refused', reply: '530 5.7.0 Must issue a STARTTLS command first' });
    expect(outcome.fate.status).toBe('rejected');
  });

  it('s_client sender over TLS 1.2 with ECDSA', () => {
    expect(outcomeOf(encrypt, 'sclient-tls12').observed).toEqual({ kind: 'tls', protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', bits: 128 });
  });

  it('says so when the receiver saw nothing', () => {
    const outcome = deriveOutcome([], new Map(), { connected: false, starttlsOffered: false });
    expect(outcome.observed).toEqual({ kind: 'unknown', reason: 'the sender could not connect' });
  });

  it('an empty captured log has no configuration warnings; real ones are quoted once', () => {
    expect(configWarnings(quickstart.receiverLog)).toEqual([]);
    const log = [
      'Aug 23 21:56:15 server1 postfix/smtpd[18103]: warning: Invalid TLS protocol list "TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3": disabling TLS support',
      'Aug 23 21:56:16 server1 postfix/smtpd[18104]: warning: Invalid TLS protocol list "TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3": disabling TLS support',
      'Aug 23 21:56:16 server1 postfix/smtpd[18104]: warning: TLS library problem: error:0A000438:SSL routines::tlsv1 alert internal error:',
      // Peer name checks against a DNS server that answered late: about the peer, not the configuration.
      'Aug 23 21:56:17 server1 postfix/smtpd[18104]: warning: hostname mta.lab does not resolve to address 192.168.1.9: Temporary failure in name resolution',
      'Aug 23 21:56:17 server1 postfix/smtpd[18104]: warning: 192.168.1.9: address not listed for hostname mta.lab',
      'Aug 23 21:56:17 server1 postfix/smtpd[18104]: warning: 192.168.1.9: hostname mta.lab verification failed: Name or service not known',
      // Process start-up races, which come and go with the machine's load.
      'Aug 23 21:56:18 server1 postfix/master[1]: warning: master_wakeup_timer_event: service pickup(public/pickup): Resource temporarily unavailable',
      'Aug 23 21:56:18 server1 postfix/master[1]: warning: process /usr/lib/postfix/sbin/smtpd pid 150 exit status 1',
      'Aug 23 21:56:18 server1 postfix/master[1]: warning: /usr/lib/postfix/sbin/smtpd: bad command startup -- throttling',
      'Aug 23 21:56:18 server1 postfix/smtp[200]: warning: problem talking to server private/tlsmgr: Connection refused',
      'Aug 23 21:56:18 server1 postfix/qmgr[90]: warning: premature end-of-input on private/smtp socket while reading input attribute name',
      // A queue file's time ahead of the clock (a container's file system under load).
      'Aug 23 21:56:18 server1 postfix/postqueue[60]: warning: file system clock is 1 seconds ahead of local clock',
      'Aug 23 21:56:18 server1 postfix/postqueue[60]: warning: resetting file time stamps - this hurts performance',
    ];
    expect(configWarnings(log)).toEqual(['warning: Invalid TLS protocol list "TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3": disabling TLS support']);
    // A file under a directory named private is the configuration's.
    const key = 'Aug 23 21:56:19 server1 postfix/smtpd[18105]: warning: cannot get RSA private key from file /etc/ssl/private/mail.key: disabling TLS support';
    expect(configWarnings([key])).toEqual(['warning: cannot get RSA private key from file /etc/ssl/private/mail.key: disabling TLS support']);
  });
});

describe('outcomes of a sending MTA', () => {
  it('take the client\'s own failure when the server saw a clean handshake (an unverified certificate)', () => {
    const clientLog = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-outbound-verify-bookworm.log'), 'utf8').split('\n');
    const own = (readSessions(clientLog).sessions as unknown as ServerSessionView[]).filter((s) => s.side === 'smtp');
    // What the destination logged: a TLS 1.3 session the client ended after its certificate check.
    const server = readSessions([
      'Nov 29 05:52:09 dest postfix/smtpd[90]: connect from unknown[192.168.224.3]',
      'Nov 29 05:52:09 dest postfix/smtpd[90]: Anonymous TLS connection established from unknown[192.168.224.3]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Nov 29 05:52:09 dest postfix/smtpd[90]: disconnect from unknown[192.168.224.3] ehlo=2 starttls=1 quit=1 commands=4',
    ]).sessions as unknown as ServerSessionView[];
    const delivery = { attempts: [{ status: 'deferred', detail: '(Server certificate not verified)' }] };
    const outcome = deriveMtaOutcome(server, new Map(), delivery, own);
    expect(outcome.observed).toMatchObject({ kind: 'handshake-failed', failureClass: 'certificate-verification' });
    expect(outcome.observed.kind === 'handshake-failed' && outcome.observed.clientError).toMatch(/^certificate verification failed for 192\.168\.\d+\.\d+\[[\d.]+\]:25: self-signed certificate$/);
    expect(outcome.fate).toMatchObject({ status: 'deferred', detail: '(Server certificate not verified)' });
    // Without the client's view, the same delivery stays unexplained.
    expect(deriveMtaOutcome(server, new Map(), delivery).observed.kind).toBe('unknown');
  });
});

describe('outcomes of a sending MTA refused for not using STARTTLS', () => {
  it('are the reply, not a failed handshake: there was none', () => {
    const detail = 'host dest[192.0.2.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)';
    const own = (readSessions([
      `Nov 30 11:47:23 mx postfix/smtp[519]: 37F04BD6180: to=<u@dest.example>, relay=dest[192.0.2.25]:25, delay=0.35, delays=0.04/0.01/0.25/0.05, dsn=5.7.0, status=bounced (${detail})`,
    ]).sessions as unknown as ServerSessionView[]).filter((s) => s.side === 'smtp');
    expect(own[0]?.failure?.class).toBe('invalid-local-config');
    const server = readSessions([
      'Nov 30 11:47:23 dest postfix/smtpd[163]: connect from unknown[192.0.2.2]',
      'Nov 30 11:47:23 dest postfix/smtpd[163]: disconnect from unknown[192.0.2.2] ehlo=1 mail=0/1 quit=1 commands=2/3',
    ]).sessions as unknown as ServerSessionView[];
    const outcome = deriveMtaOutcome(server, new Map(), { attempts: [{ status: 'bounced', detail: `(${detail})` }] }, own);
    expect(outcome.observed).toEqual({ kind: 'refused', reply: `(${detail})` });
    // Exim words the same refusal its own way.
    const exim = 'R=smarthost T=remote_smtp_smarthost H=192.0.2.25 [192.0.2.25]: SMTP error from remote mail server after pipelined end of data: 530 5.7.0 Must issue a STARTTLS command first';
    expect(deriveMtaOutcome(server, new Map(), { attempts: [{ status: 'bounced', detail: exim }] }).observed).toEqual({ kind: 'refused', reply: exim });
    expect(deriveMtaOutcome(server, new Map(), { attempts: [{ status: 'deferred', detail: 'connect to dest[192.0.2.25]:25: Connection refused' }] }).observed.kind).toBe('unknown');
  });
});

describe('a server that refuses after a complete handshake (smtpd_tls_req_ccert)', () => {
  const detail = 'host dest[192.0.2.25] refused to talk to me: 421 4.7.1 dest.example Error: No client certificate presented';
  const server = readSessions([
    'Dec 01 11:49:10 dest postfix/smtpd[139]: connect from unknown[192.0.2.2]',
    'Dec 01 11:49:10 dest postfix/smtpd[139]: Anonymous TLS connection established from unknown[192.0.2.2]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
    'Dec 01 11:49:10 dest postfix/smtpd[139]: NOQUEUE: abort: TLS from unknown[192.0.2.2]: No client certificate presented',
    'Dec 01 11:49:10 dest postfix/smtpd[139]: disconnect from unknown[192.0.2.2] ehlo=1 starttls=1 commands=2',
  ]).sessions as unknown as ServerSessionView[];
  const refused = { kind: 'refused', afterTls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, failureClass: 'client-certificate' };

  it('is refused with the class, not TLS and not a failed handshake: for a client that reads the reply', () => {
    const outcome = deriveOutcome(server, new Map(), { connected: true, starttlsOffered: true, tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' }, rejection: '421 4.7.1 dest.example Error: No client certificate presented' });
    expect(outcome.observed).toMatchObject({ ...refused, reply: '421 4.7.1 dest.example Error: No client certificate presented' });
    expect(outcome.fate.status).toBe('rejected');
  });

  it('for a sending MTA, from the server\'s sessions or from its own', () => {
    const delivery = { attempts: [{ status: 'deferred', detail: `(${detail})` }] };
    expect(deriveMtaOutcome(server, new Map(), delivery).observed).toMatchObject({ ...refused, reply: `(${detail})` });
    const own = (readSessions([
      'Dec 01 11:49:10 mx postfix/smtp[173]: Untrusted TLS connection established to dest[192.0.2.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      `Dec 01 11:49:10 mx postfix/smtp[173]: 1414B3241C9: to=<sink@dest.example>, relay=dest[192.0.2.25]:25, delay=0.05, delays=0.02/0.01/0.01/0, dsn=4.7.1, status=deferred (${detail})`,
    ]).sessions as unknown as ServerSessionView[]).filter((s) => s.side === 'smtp');
    expect(own[0]?.failure?.summary).toBe('destination requires a client certificate');
    expect(deriveMtaOutcome([], new Map(), delivery, own).observed).toMatchObject({ ...refused, reply: `(${detail})` });
  });

  it('and the expectation may name the class', () => {
    const observed = { kind: 'refused' as const, reply: detail, failureClass: 'client-certificate' };
    const fate = { status: 'deferred' as const };
    expect(checkExpectation(expectationSchema.parse({ outcome: 'refused', failureClass: 'client-certificate', reply: 'No client certificate' }), observed, fate).held).toBe(true);
    expect(checkExpectation(expectationSchema.parse({ outcome: 'refused', failureClass: 'no-shared-cipher' }), observed, fate).mismatch)
      .toBe('expected failure class no-shared-cipher, got client-certificate');
  });
});

describe('a sending MTA that falls back to plaintext', () => {
  const failed: ServerSessionView = {
    side: 'smtpd', peer: { name: 'mta', addr: '192.0.2.7' }, starttls: true, complete: true, queueIds: [], lines: ['… no shared cipher'],
    failure: { class: 'no-shared-cipher', summary: 'no shared cipher', explanation: '', remedy: '', evidence: [] },
  };
  const plain: ServerSessionView = { side: 'smtpd', peer: { name: 'mta', addr: '192.0.2.7' }, starttls: false, complete: true, queueIds: ['R1'], lines: ['… client=mta'] };
  const fates = new Map<string, MessageFateView[]>([['R1', [{ queueId: 'R1', status: 'sent', detail: 'delivered', line: '… R1: to=<u@x>, status=sent' }]]]);
  const sent = { status: 'sent', detail: '(250 2.0.0 Ok: queued as R1)' };

  it('after a deferral that names TLS', () => {
    const delivery = { attempts: [{ status: 'deferred', detail: '(Cannot start TLS: handshake failure)' }, sent], final: sent, receiverQueueId: 'R1' };
    expect(deriveMtaOutcome([failed, plain], fates, delivery).observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
  });

  it('counts the retries that failed as the one before, and names each other one', () => {
    const deferred = { status: 'deferred', detail: '(Cannot start TLS: handshake failure)' };
    const refused = { status: 'deferred', detail: '(host mx said: 421 4.3.2 try later)' };
    const delivery = { attempts: [deferred, deferred, refused, deferred, sent], final: sent, receiverQueueId: 'R1' };
    expect(deriveMtaOutcome([failed, plain], fates, delivery).path).toBe(
      'deferred: Cannot start TLS: handshake failure (2 times), deferred: host mx said: 421 4.3.2 try later, deferred: Cannot start TLS: handshake failure, then delivered in plaintext on retry 4');
  });

  it('at once, without a deferral, when the failed handshake is in the sessions', () => {
    const delivery = { attempts: [sent], final: sent, receiverQueueId: 'R1' };
    expect(deriveMtaOutcome([failed, plain], fates, delivery).observed).toEqual({ kind: 'plaintext', afterTlsFailure: true });
    expect(deriveMtaOutcome([plain], fates, delivery).observed).toEqual({ kind: 'plaintext' });
  });
});

describe('expectations', () => {
  const tls13 = { kind: 'tls', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } as const;
  const delivered = { status: 'delivered' } as const;
  const expectation = (value: unknown) => expectationSchema.parse(value);

  it('holds when protocol is one of the list and the message was delivered', () => {
    expect(checkExpectation(expectation({ outcome: 'tls', protocol: ['TLSv1.2', 'TLSv1.3'] }), tls13, delivered)).toEqual({ held: true });
  });

  it('names the difference when it does not hold', () => {
    expect(checkExpectation(expectation({ outcome: 'tls', protocol: 'TLSv1.2' }), tls13, delivered)).toEqual({
      held: false,
      mismatch: 'expected protocol TLSv1.2, negotiated TLSv1.3',
    });
    expect(checkExpectation(expectation({ outcome: 'tls', cipher: 'AES128-GCM-SHA256' }), tls13, delivered).mismatch).toBe(
      'expected cipher AES128-GCM-SHA256, negotiated TLS_AES_256_GCM_SHA384',
    );
    expect(checkExpectation(expectation({ outcome: 'plaintext' }), tls13, delivered).mismatch).toBe('expected plaintext, observed TLS TLSv1.3 TLS_AES_256_GCM_SHA384');
    expect(checkExpectation(expectation({ outcome: 'tls' }), tls13, { status: 'deferred', detail: 'x' }).mismatch).toBe('expected the message to be delivered, it was deferred (x)');
  });

  it('tells a message that ended at the backup from one the destination took', () => {
    const viaBackup = { ...tls13, via: 'mx2' } as const;
    expect(checkExpectation(expectation({ outcome: 'tls', via: 'mx2' }), viaBackup, delivered)).toEqual({ held: true });
    expect(checkExpectation(expectation({ outcome: 'tls' }), viaBackup, delivered).mismatch).toBe('expected TLS, observed TLS TLSv1.3 TLS_AES_256_GCM_SHA384 via backup mx2');
    expect(checkExpectation(expectation({ outcome: 'tls', via: 'mx2' }), tls13, delivered).mismatch).toBe('expected TLS via backup mx2, observed TLS TLSv1.3 TLS_AES_256_GCM_SHA384');
    expect(checkExpectation(expectation({ outcome: 'plaintext', via: 'mx2' }), { kind: 'plaintext', via: 'mx2' }, delivered)).toEqual({ held: true });
  });

  it('fails whatever the expectation when a message has no final fate', () => {
    const failed = { kind: 'handshake-failed' } as const;
    expect(checkExpectation(expectation({ outcome: 'handshake-failed' }), failed, { status: 'queued', queueId: 'ABC123' })).toEqual({
      held: false,
      mismatch: "the message's fate is unknown: queued as ABC123 with no final status before the deadline",
    });
  });

  it('matches server errors and failure classes', () => {
    const failed = { kind: 'handshake-failed', serverError: 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:', failureClass: 'no-shared-cipher' } as const;
    const notSent = { status: 'not-sent' } as const;
    expect(checkExpectation(expectation({ outcome: 'handshake-failed', serverError: 'No Shared Cipher', failureClass: 'no-shared-cipher' }), failed, notSent)).toEqual({ held: true });
    expect(checkExpectation(expectation({ outcome: 'handshake-failed', failureClass: 'unknown-protocol' }), failed, notSent).mismatch).toBe(
      'expected failure class unknown-protocol, got no-shared-cipher',
    );
  });
});

describe('reading the receiver\'s log', () => {
  it('tells the parser the versions of the receiver\'s toolchain and the STARTTLS timeouts the scenario sets', async () => {
    const toolchains = await loadToolchains();
    const sender = { name: 'p', starttls: 'none', expect: { outcome: 'plaintext' } } as const;
    const scenario = defineScenario({ name: 'hints', receiver: { toolchain: 'postfix-2.6.6-openssl-1.0.1e', mainCf: { smtpd_starttls_timeout: '5s' } }, senders: [sender] });
    expect(receiverLogHints(scenario, getToolchain(toolchains, 'postfix-2.6.6-openssl-1.0.1e')))
      .toEqual({ postfixVersion: '2.6.6', opensslVersion: '1.0.1e', starttlsTimeout: { smtpd: 5 } });
    const stock = defineScenario({ name: 'stock', receiver: {}, senders: [sender] });
    expect(receiverLogHints(stock, getToolchain(toolchains, stock.receiver.toolchain))).toEqual({ postfixVersion: '3.7', opensslVersion: '3.0' });
  });
});
