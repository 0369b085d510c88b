import { decodeOpensslError } from './openssl-error.ts';
import { anyPeerAt, namedPeerAt, peerAt } from './peer.ts';
import type { DeliveryStatus, DeliveryTlsProblem, Peer, TlsEvent, TlsTrust } from './types.ts';

// Sticky patterns run at the message offset (`lastIndex = at`), so no line is sliced before it matches.
// Older Postfix versions wrote no trust word.
const ESTABLISHED = /(?:(Anonymous|Untrusted|Trusted|Verified) )?TLS connection (established|reused) (from|to) /y;
const PROTOCOL_CIPHER = /(?: to (\S+))?: (\S+) with cipher (\S+) \((\d+)\/(\d+) bits\)/y;
const SUMMARY_SUFFIX = /\s*(key-exchange|server-signature|server-digest|client-signature|client-digest) (\S+)(?: \([^)]*\))?/y;
const DELIVERY = /to=<([^>]*)>,(?: orig_to=<[^>]*>,)? relay=([^,]*),(?: conn_use=\d+,)? delay=([\d.]+),(?: delays=[\d./]+,)?(?: dsn=([\d.]+),)? status=(\w+)(?: (.*))?$/y;
const REPEATED = /message repeated (\d+) times: \[ ?/y;
const TLSRPT = /TLSRPT: status=(success|failure), domain=([^,]*), receiving_mx=([^,]*?)\[([^\]]*)\](?:, failure_type=([^,]*))?(?:, failure_reason=(.*))?$/y;
const ALERT = /SSL3 alert (read|write):([a-z]+):(.*)$/y;
const VERSION = /daemon started -- version ([^\s,]+)/y;
/** What Postfix logs as info that it cannot load: CA data, or (2.x) a certificate and its key. */
const LOADS_AS_INFO = /^(?:Certificate Authority data|(?:RSA|DSA|ECDSA) certificate and key data)/;
const LOCAL_CONFIG = /cannot get .* from file|cannot load |do not match|does not match next certificate|error loading private keys and certificates|No server certs available|disabling TLS support|TLS won't be enabled|TLS context initialization failed|client TLS configuration problem|_tls_policy_maps, |Digest algorithm "[^"]*" not found|: non DNSSEC destination|: no TLSA records found|TLSA lookup error for |smtp_tls_wrappermode requires |^connect to private\/tlsproxy service: /;

const DELIVERY_STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['sent', 'deferred', 'bounced', 'expired', 'deliverable', 'undeliverable']);

function isQueueIdChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Length of the queue id that starts the message, or 0 when the message does not start with `QUEUEID: `. */
function queueIdLength(line: string, at: number): number {
  let i = at;
  const stop = Math.min(line.length, at + 21);
  while (i < stop && isQueueIdChar(line.charCodeAt(i))) i++;
  const length = i - at;
  return length >= 5 && line.charCodeAt(i) === 58 && line.charCodeAt(i + 1) === 32 ? length : 0;
}

const STARTTLS_REQUIRED = /Must issue a STARTTLS command first|STARTTLS is required to send mail/i;

/** A server's reply that it takes mail only over TLS (`530 5.7.0 Must issue a STARTTLS command first`). */
export function requiresStarttls(text: string): boolean {
  return STARTTLS_REQUIRED.test(text);
}

/** The TLS problem a delivery or reject text names, if any. */
export function deliveryTlsProblem(text: string): DeliveryTlsProblem | undefined {
  if (text.includes('Cannot start TLS')) return 'cannot-start-tls';
  if (text.includes('TLS is required, but was not offered')) return 'tls-required-not-offered';
  if (text.includes('TLS is required, but our TLS engine is unavailable')) return 'tls-not-available';
  if (text.includes('refused to start TLS') && !text.includes('TLS not available due to local problem')) return 'tls-required-not-offered';
  // smtpd.c with smtpd_tls_req_ccert = yes, in its abort line and in the 421 reply a client logs.
  if (text.includes('No client certificate presented') || text.includes('Client certificate not trusted')) return 'client-certificate-required';
  if (text.includes('Server certificate not')) return 'server-certificate-not-verified';
  if (text.includes('Server hostname not verified')) return 'server-certificate-not-verified';
  if (text.includes('TLS not available due to local problem')) return 'tls-not-available';
  if (/client TLS configuration problem|non DNSSEC destination|no TLSA records found|TLSA lookup error for /.test(text)) return 'tls-not-available';
  // The server takes mail only over TLS, and this client sent MAIL FROM without STARTTLS.
  if (requiresStarttls(text)) return 'tls-not-available';
  return undefined;
}

function peerAfter(line: string, at: number): Peer | undefined {
  return peerAt(line, at)?.peer;
}

function withPeer<T extends TlsEvent>(peer: Peer | undefined, build: (peer: Peer) => T): T | undefined {
  return peer === undefined ? undefined : build(peer);
}

/** `lost connection after STARTTLS from host[addr]`, `timeout after DATA (0 bytes) from host[addr]`. */
function connectionLost(line: string, at: number, reason: 'lost' | 'timeout'): TlsEvent | undefined {
  const from = line.lastIndexOf(' from ');
  if (from < at) return undefined;
  const after = line.slice(at, from);
  return withPeer(anyPeerAt(line, from + 6)?.peer, (peer) => ({ kind: 'connection-lost', reason, after, peer }));
}

function disconnect(line: string, at: number): TlsEvent | undefined {
  const parsed = anyPeerAt(line, at);
  if (parsed === undefined) return undefined;
  const event: TlsEvent = { kind: 'disconnect', peer: parsed.peer };
  let cursor = parsed.end + 1;
  while (cursor < line.length) {
    let space = line.indexOf(' ', cursor);
    if (space < 0) space = line.length;
    const eq = line.indexOf('=', cursor);
    if (eq > cursor && eq < space) {
      event.commands ??= {};
      event.commands[line.slice(cursor, eq)] = line.slice(eq + 1, space);
    }
    cursor = space + 1;
  }
  return event;
}

function established(line: string, at: number): TlsEvent | undefined {
  ESTABLISHED.lastIndex = at;
  const head = ESTABLISHED.exec(line);
  if (head === null) return undefined;
  const parsed = head[3] === 'to' ? peerAt(line, ESTABLISHED.lastIndex) ?? namedPeerAt(line, ESTABLISHED.lastIndex) : anyPeerAt(line, ESTABLISHED.lastIndex);
  if (parsed === undefined) return undefined;
  PROTOCOL_CIPHER.lastIndex = parsed.end;
  const body = PROTOCOL_CIPHER.exec(line);
  if (body === null) return undefined;
  const event: Extract<TlsEvent, { kind: 'tls-established' }> = {
    kind: 'tls-established',
    trust: (head[1] ?? 'Unstated') as TlsTrust,
    reused: head[2] === 'reused',
    direction: head[3] === 'to' ? 'to' : 'from',
    peer: parsed.peer,
    protocol: body[2] ?? '',
    cipher: body[3] ?? '',
    bits: { used: Number(body[4]), total: Number(body[5]) },
  };
  if (body[1] !== undefined) event.sni = body[1];
  let cursor = PROTOCOL_CIPHER.lastIndex;
  while (cursor < line.length) {
    SUMMARY_SUFFIX.lastIndex = cursor;
    const part = SUMMARY_SUFFIX.exec(line);
    if (part === null) break;
    const value = part[2] ?? '';
    switch (part[1]) {
      case 'key-exchange': event.keyExchange = value; break;
      case 'server-signature': event.serverSignature = value; break;
      case 'server-digest': event.serverDigest = value; break;
      case 'client-signature': event.clientSignature = value; break;
      case 'client-digest': event.clientDigest = value; break;
    }
    cursor = SUMMARY_SUFFIX.lastIndex;
  }
  return event;
}

/** `SSL_accept:...` state, `SSL_accept error from ...`, and the `SSL_connect` twins. */
function sslStateOrError(line: string, at: number, side: 'accept' | 'connect'): TlsEvent | undefined {
  const nameEnd = at + (side === 'accept' ? 10 : 11);
  const sep = line.charCodeAt(nameEnd);
  if (sep === 58) {
    const state = line.slice(nameEnd + 1);
    return { kind: 'tls-state', side, state, error: state.startsWith('error in ') };
  }
  const prefix = side === 'accept' ? ' error from ' : ' error to ';
  if (!line.startsWith(prefix, nameEnd)) return undefined;
  const peerStart = nameEnd + prefix.length;
  const parsed = side === 'connect' ? peerAt(line, peerStart) ?? namedPeerAt(line, peerStart) : anyPeerAt(line, peerStart);
  if (parsed === undefined || !line.startsWith(': ', parsed.end)) return undefined;
  return { kind: 'tls-handshake-error', side, peer: parsed.peer, detail: line.slice(parsed.end + 2) };
}

function warning(line: string, at: number): TlsEvent | undefined {
  if (line.startsWith('TLS library problem: ', at)) {
    const text = line.slice(at + 21);
    const error = decodeOpensslError(text);
    return error === undefined ? { kind: 'tls-library-problem', text } : { kind: 'tls-library-problem', text, error };
  }
  const invalid = line.indexOf('Invalid TLS protocol list "', at);
  if (invalid >= 0) {
    const listStart = invalid + 27;
    const listEnd = line.indexOf('"', listStart);
    if (listEnd < 0) return undefined;
    const event: Extract<TlsEvent, { kind: 'tls-protocol-list-invalid' }> = {
      kind: 'tls-protocol-list-invalid',
      side: line.includes('aborting TLS session', listEnd) ? 'client' : 'server',
      list: line.slice(listStart, listEnd),
    };
    const peer = invalid > at ? peerAfter(line, at) : undefined;
    if (peer !== undefined) event.peer = peer;
    return event;
  }
  const text = line.slice(at);
  // A DH parameter file that cannot be read leaves TLS on, with Postfix's own group: nothing fails.
  if (LOCAL_CONFIG.test(text) && !text.endsWith('-- using compiled-in defaults')) return { kind: 'tls-local-config-problem', text };
  return undefined;
}

function delivery(line: string, at: number, queueId: string): TlsEvent | undefined {
  DELIVERY.lastIndex = at;
  const match = DELIVERY.exec(line);
  if (match === null) return undefined;
  const status = match[5] ?? '';
  if (!DELIVERY_STATUSES.has(status)) return undefined;
  const relay = match[2] ?? '';
  let detail = match[6] ?? '';
  if (detail.startsWith('(') && detail.endsWith(')')) detail = detail.slice(1, -1);
  const event: Extract<TlsEvent, { kind: 'queue-delivery' }> = {
    kind: 'queue-delivery', queueId, recipient: match[1] ?? '', relay, status: status as DeliveryStatus, detail,
    delay: Number(match[3]), dsn: match[4] ?? '',
  };
  const relayPeer = peerAt(relay, 0)?.peer;
  if (relayPeer !== undefined) event.relayPeer = relayPeer;
  if (status !== 'sent') {
    // An SMTPS server says nothing until the client's hello, so a plaintext client waits for a greeting in vain.
    const smtps = relayPeer?.port === 465 && / while receiving the initial server greeting/.test(detail);
    const problem = deliveryTlsProblem(detail) ?? (smtps ? 'smtps-without-wrapper-mode' : undefined);
    if (problem !== undefined) event.tlsProblem = problem;
  }
  return event;
}

/** `NOQUEUE: reject: RCPT from host[addr]: 554 ...` and its queued twin; `NOQUEUE: abort: TLS from host[addr]: ...`. */
function reject(line: string, at: number, queueId: string | undefined): TlsEvent | undefined {
  const stageEnd = line.indexOf(' ', at);
  if (stageEnd < 0) return undefined;
  const event: Extract<TlsEvent, { kind: 'reject' }> = { kind: 'reject', stage: line.slice(at, stageEnd), detail: '' };
  if (queueId !== undefined) event.queueId = queueId;
  let detailStart = stageEnd + 1;
  if (line.startsWith('from ', stageEnd + 1)) {
    const parsed = peerAt(line, stageEnd + 6);
    if (parsed !== undefined) {
      event.peer = parsed.peer;
      detailStart = parsed.end + 2;
    }
  }
  event.detail = line.slice(detailStart);
  const problem = deliveryTlsProblem(event.detail);
  if (problem !== undefined) event.tlsProblem = problem;
  return event;
}

const STATUS_FRAGMENT = /status=(?:deferred|bounced|undeliverable|expired) \((.+)\)\s*$/y;
const DETAIL_FRAGMENT = /\((.+)\)\s*$/y;

/**
 * What an excerpt keeps of a delivery line when it quotes only its end: `status=deferred (DETAIL)`, or DETAIL in its
 * parentheses, when DETAIL names a TLS problem. The queue id went with the rest.
 */
function deliveryFragment(line: string, at: number): TlsEvent | undefined {
  const pattern = line.charCodeAt(at) === 40 ? DETAIL_FRAGMENT : STATUS_FRAGMENT;
  pattern.lastIndex = at;
  const detail = pattern.exec(line)?.[1];
  const tlsProblem = detail === undefined ? undefined : deliveryTlsProblem(detail);
  return detail === undefined || tlsProblem === undefined ? undefined : { kind: 'queue-tls-problem', queueId: '', detail, tlsProblem };
}

const NAMED_HOST = /\bhost (?=[^\s[\]]+\[)/;

/** The event, with the server its text names as `host mx[addr]`, if it names one. */
function withNamedHost<T extends Extract<TlsEvent, { kind: 'queue-tls-problem' }>>(event: T, detail: string): T {
  const host = NAMED_HOST.exec(detail);
  const peer = host === null ? undefined : peerAfter(detail, host.index + 5);
  if (peer !== undefined) event.peer = peer;
  return event;
}

/** `lost connection with mx[addr] while ...`, `conversation with mx[addr] timed out while ...` (the peer at `peerStart`). */
function attemptFailed(line: string, rest: number, peerStart: number, queueId: string): TlsEvent {
  const event: Extract<TlsEvent, { kind: 'queue-attempt-failed' }> = { kind: 'queue-attempt-failed', queueId, detail: line.slice(rest) };
  const peer = peerAfter(line, peerStart);
  if (peer !== undefined) event.peer = peer;
  return event;
}

/**
 * `host mx[addr] said: REPLY (in reply to ... command)` or `host mx[addr] refused to talk to me: REPLY`: the smtp
 * client's reason for leaving a server that is not the last it may try (smtp_trouble.c). A reply that names a TLS
 * problem is one, as in a deferral's reason.
 */
function serverReply(line: string, rest: number, queueId: string): TlsEvent | undefined {
  const parsed = peerAt(line, rest + 5);
  if (parsed === undefined || !(line.startsWith(' said: ', parsed.end) || line.startsWith(' refused to talk to me: ', parsed.end))) return undefined;
  const detail = line.slice(rest);
  const tlsProblem = deliveryTlsProblem(detail);
  if (tlsProblem !== undefined) return { kind: 'queue-tls-problem', queueId, detail, tlsProblem, peer: parsed.peer };
  return { kind: 'queue-server-reply', queueId, detail, peer: parsed.peer };
}

function queueLine(line: string, at: number, idLength: number): TlsEvent | undefined {
  const queueId = line.slice(at, at + idLength);
  const rest = at + idLength + 2;
  switch (line.charCodeAt(rest)) {
    case 99: // c
      if (line.startsWith('client=', rest)) {
        return withPeer(peerAfter(line, rest + 7), (peer) => ({ kind: 'queue-client', queueId, peer }));
      }
      if (line.startsWith('conversation with ', rest)) return attemptFailed(line, rest, rest + 18, queueId);
      break;
    case 108: // l
      if (line.startsWith('lost connection with ', rest)) return attemptFailed(line, rest, rest + 21, queueId);
      break;
    case 104: // h
      if (line.startsWith('host ', rest)) return serverReply(line, rest, queueId);
      break;
    case 67: // C
      if (line.startsWith('Cannot start TLS', rest)) return { kind: 'queue-tls-problem', queueId, detail: line.slice(rest), tlsProblem: 'cannot-start-tls' };
      break;
    case 83: // S: `Server certificate not trusted` and the like, when the smtp client gives up on one server of several
    case 84: { // T: `TLS is required, but was not offered by host ...`
      if (!line.startsWith('Server ', rest) && !line.startsWith('TLS is required', rest)) break;
      const detail = line.slice(rest);
      const tlsProblem = deliveryTlsProblem(detail);
      if (tlsProblem !== undefined) return withNamedHost({ kind: 'queue-tls-problem', queueId, detail, tlsProblem }, detail);
      break;
    }
    case 109: // m
      if (line.startsWith('message-id=', rest)) return { kind: 'queue-message-id', queueId, messageId: line.slice(rest + 11) };
      if (line.startsWith('milter-reject: ', rest)) return reject(line, rest + 15, queueId);
      break;
    case 102: // f
      if (line.startsWith('from=<', rest)) {
        const close = line.indexOf('>', rest + 6);
        if (close < 0) return undefined;
        return { kind: 'queue-from', queueId, sender: line.slice(rest + 6, close), expired: line.includes('status=expired', close) };
      }
      break;
    case 116: // t
      if (line.startsWith('to=<', rest)) return delivery(line, rest, queueId);
      break;
    case 114: // r
      if (line.startsWith('removed', rest) && line.length === rest + 7) return { kind: 'queue-removed', queueId };
      if (line.startsWith('reject: ', rest)) return reject(line, rest + 8, queueId);
      break;
  }
  if (line.includes('TLS not available due to local problem', rest)) return { kind: 'tls-not-available', text: line.slice(rest) };
  return undefined;
}

/**
 * `improper command pipelining after CONNECT from X[addr]: BYTES`, when BYTES (escaped as Postfix prints them) open a
 * TLS handshake record: `\026\003`. Other pipelining is no TLS event.
 */
function tlsHelloInPlaintext(line: string, at: number): TlsEvent | undefined {
  const from = line.indexOf(' from ', at);
  if (from < 0) return undefined;
  const parsed = peerAt(line, from + 6);
  if (parsed === undefined || !line.startsWith(': \\026\\003', parsed.end)) return undefined;
  return { kind: 'tls-hello-in-plaintext', after: line.slice(at, from), peer: parsed.peer };
}

function peerPrefixed(line: string, at: number): TlsEvent | undefined {
  const parsed = peerAt(line, at);
  if (parsed === undefined || !line.startsWith(': TLS cipher list "', parsed.end)) return undefined;
  const listStart = parsed.end + 19;
  const listEnd = line.lastIndexOf('"');
  if (listEnd < listStart) return undefined;
  return { kind: 'tls-cipher-list', peer: parsed.peer, cipherList: line.slice(listStart, listEnd) };
}

function certificateFailure(line: string, at: number, prefixLength: number): TlsEvent | undefined {
  const parsed = peerAt(line, at + prefixLength) ?? namedPeerAt(line, at + prefixLength);
  if (parsed === undefined) return undefined;
  const detail = line.startsWith(': ', parsed.end) ? line.slice(parsed.end + 2) : '';
  return { kind: 'certificate-verification-failed', peer: parsed.peer, detail };
}

/**
 * `TLSRPT: status=failure, domain=D, receiving_mx=NAME[ADDR], failure_type=T[, failure_reason=R]` (or
 * `status=success` without the failure fields): Postfix 3.10's smtp client logs what it reports under RFC 8460.
 */
function tlsrptResult(line: string, at: number): TlsEvent | undefined {
  TLSRPT.lastIndex = at;
  const match = TLSRPT.exec(line);
  if (match === null) return undefined;
  const event: TlsEvent = { kind: 'tlsrpt-result', status: match[1] === 'success' ? 'success' : 'failure', domain: match[2] ?? '', peer: { name: match[3] ?? '', addr: match[4] ?? '' } };
  if (match[5] !== undefined) event.failureType = match[5];
  if (match[6] !== undefined) event.failureReason = match[6];
  return event;
}

/** `TLS SNI NAME from PEER not matched, using default chain` (tls_server.c, Postfix 3.4 and later). */
function sniUnmatched(line: string, at: number): TlsEvent | undefined {
  const from = line.indexOf(' from ', at + 8);
  const tail = ' not matched, using default chain';
  if (from < 0 || !line.endsWith(tail)) return undefined;
  const name = line.slice(at + 8, from);
  if (name === '' || name.includes(' ')) return undefined;
  const peer = anyPeerAt(line, from + 6, line.length - tail.length)?.peer;
  return peer === undefined ? undefined : { kind: 'tls-sni-unmatched', name, peer };
}

/** tlsproxy's (and postscreen's) `CONNECT from [addr]:port[ to [addr]:port]` and `CONNECT to [addr]:port`. */
function proxyConnect(line: string, at: number): TlsEvent | undefined {
  const direction = line.startsWith('from ', at) ? 'from' : line.startsWith('to ', at) ? 'to' : undefined;
  if (direction === undefined) return undefined;
  return withPeer(anyPeerAt(line, at + direction.length + 1)?.peer, (peer) => ({ kind: 'proxy-connect', direction, peer }));
}

/**
 * tlsproxy's `TLS handshake failed for service=smtp peer=[addr]:port`: the handshake it made for a service failed. For
 * smtp and lmtp tlsproxy is the client (smtp_tls_connection_reuse); the library errors before it say why.
 */
function proxyHandshakeFailed(line: string, at: number): TlsEvent | undefined {
  const serviceStart = at + 33;
  const space = line.indexOf(' ', serviceStart);
  if (space < 0 || !line.startsWith(' peer=', space)) return undefined;
  const service = line.slice(serviceStart, space);
  const side = service === 'smtp' || service === 'lmtp' ? 'connect' : 'accept';
  return withPeer(anyPeerAt(line, space + 6)?.peer, (peer) => ({ kind: 'tls-handshake-error', side, peer, detail: 'TLS handshake failed' }));
}

/** A deferral's reason, quoted without the delivery line or the parentheses around it (as a bounce gives it). */
function quotedReason(line: string, at: number): TlsEvent | undefined {
  const detail = line.slice(at);
  const tlsProblem = deliveryTlsProblem(detail);
  return tlsProblem === undefined ? undefined : { kind: 'queue-tls-problem', queueId: '', detail, tlsProblem };
}

/**
 * Recognise the Postfix message that starts at index `at` of `line`. Cheap first-character and prefix checks
 * decide which pattern runs, because most lines of a busy log match one of the first few prefixes.
 */
export function parseEvent(line: string, at: number): TlsEvent | undefined {
  switch (line.charCodeAt(at)) {
    case 99: // c
      if (line.startsWith('connect from ', at)) {
        return withPeer(anyPeerAt(line, at + 13)?.peer, (peer) => ({ kind: 'connect', peer }));
      }
      if (line.startsWith('certificate verification failed for ', at)) return certificateFailure(line, at, 36);
      if (line.startsWith('client certificate verification failed for ', at)) return certificateFailure(line, at, 43);
      // Logged as info, not as a warning (tls_misc.c, tls_certkey.c of 2.x), next to the library errors that say why.
      if (line.startsWith('cannot load ', at) && LOADS_AS_INFO.test(line.slice(at + 12))) return { kind: 'tls-local-config-problem', text: line.slice(at) };
      break;
    case 100: // d
      if (line.startsWith('disconnect from ', at)) return disconnect(line, at + 16);
      if (line.startsWith('daemon started -- version ', at)) {
        VERSION.lastIndex = at;
        const match = VERSION.exec(line);
        return match?.[1] === undefined ? undefined : { kind: 'daemon-started', version: match[1] };
      }
      if (line.startsWith('discarding EHLO keywords: ', at)) return { kind: 'starttls-discarded', keywords: line.slice(at + 26) };
      break;
    case 108: // l
      if (line.startsWith('lost connection after ', at)) return connectionLost(line, at + 22, 'lost');
      break;
    case 116: // t
      if (line.startsWith('timeout after ', at)) return connectionLost(line, at + 14, 'timeout');
      // A delivery whose queue id an excerpt cut off (Postfix always logs one).
      if (line.startsWith('to=<', at)) return delivery(line, at, '');
      break;
    case 115: // s
      if (line.startsWith('setting up TLS connection ', at)) {
        const direction = line.startsWith('from ', at + 26) ? 'from' : line.startsWith('to ', at + 26) ? 'to' : undefined;
        if (direction === undefined) return undefined;
        const peerStart = at + 26 + direction.length + 1;
        const peer = direction === 'to' ? peerAfter(line, peerStart) ?? namedPeerAt(line, peerStart)?.peer : anyPeerAt(line, peerStart)?.peer;
        return withPeer(peer, (named) => ({ kind: 'tls-setup', direction, peer: named }));
      }
      if (line.startsWith('server certificate verification failed for ', at)) return certificateFailure(line, at, 43);
      if (line.startsWith('status=', at)) return deliveryFragment(line, at);
      break;
    case 40: // (
      return deliveryFragment(line, at);
    case 67: // C
      if (line.startsWith('CONNECT ', at)) return proxyConnect(line, at + 8);
      if (line.startsWith('Cannot start TLS', at)) return { kind: 'queue-tls-problem', queueId: '', detail: line.slice(at), tlsProblem: 'cannot-start-tls' };
      // tls_verify.c names the certificate by its depth: `CA` for an issuer's, `server` or `client` for the peer's.
      if (line.startsWith('CA certificate verification failed for ', at)) return certificateFailure(line, at, 39);
      break;
    case 83: // S
      if (line.startsWith('SSL_accept', at)) return sslStateOrError(line, at, 'accept');
      if (line.startsWith('SSL_connect', at)) return sslStateOrError(line, at, 'connect');
      if (line.startsWith('Server certificate not ', at) || line.startsWith('Server hostname not verified', at)) return quotedReason(line, at);
      // Logged as info, not as a warning: the smtp client talks to port 465 without wrapper mode.
      if (line.startsWith('SMTPS wrappermode (TCP port 465) requires setting', at)) return { kind: 'tls-local-config-problem', text: line.slice(at) };
      if (line.startsWith('SSL3 alert ', at)) {
        ALERT.lastIndex = at;
        const match = ALERT.exec(line);
        if (match === null) return undefined;
        return { kind: 'tls-alert', direction: match[1] === 'read' ? 'read' : 'write', level: match[2] ?? '', description: match[3] ?? '' };
      }
      break;
    case 119: // w
      if (line.startsWith('warning: ', at)) return warning(line, at + 9);
      break;
    case 68: // D
      if (line.startsWith('DISCONNECT ', at)) return withPeer(anyPeerAt(line, at + 11)?.peer, (peer) => ({ kind: 'proxy-disconnect', peer }));
      break;
    case 65: case 85: case 84: case 86: // A U T V
      if (line.startsWith('TLSRPT: status=', at)) return tlsrptResult(line, at);
      if (line.startsWith('TLS handshake failed for service=', at)) return proxyHandshakeFailed(line, at);
      if (line.startsWith('TLS SNI ', at)) return sniUnmatched(line, at);
      if (line.startsWith('TLS is required, but ', at)) return quotedReason(line, at);
      if (line.startsWith(' TLS connection ', line.indexOf(' ', at)) || line.startsWith('TLS connection ', at)) return established(line, at);
      break;
    case 105: // i
      if (line.startsWith('improper command pipelining after ', at)) return tlsHelloInPlaintext(line, at + 34);
      if (line.startsWith('initializing the server-side TLS engine', at)) return { kind: 'tls-engine-init', side: 'server' };
      if (line.startsWith('initializing the client-side TLS engine', at)) return { kind: 'tls-engine-init', side: 'client' };
      break;
    case 78: // N
      if (line.startsWith('NOQUEUE: reject: ', at)) return reject(line, at + 17, undefined);
      if (line.startsWith('NOQUEUE: abort: ', at)) return reject(line, at + 16, undefined);
      break;
    case 109: // m
      // rsyslog's RepeatedMsgReduction (on in Ubuntu's rsyslog.conf) folds a process's repeats of the message it just
      // logged into `message repeated 2 times: [ <message>]`. The same line logged twice over folds this way too
      // (`connect from` after `connect from`): a repeat tells nothing new.
      if (line.startsWith('message repeated ', at) && line.endsWith(']')) {
        REPEATED.lastIndex = at;
        const match = REPEATED.exec(line);
        if (match !== null) return { kind: 'message-repeated', times: Number(match[1]), message: line.slice(REPEATED.lastIndex, -1) };
      }
      break;
  }
  const idLength = queueIdLength(line, at);
  if (idLength > 0) return queueLine(line, at, idLength);
  return peerPrefixed(line, at);
}
