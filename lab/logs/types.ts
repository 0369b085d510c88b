/** Shared types of the Postfix TLS log parser. */

/** OpenSSL error-string generation, as far as one error line tells it. */
export type OpensslGeneration = '1.0.1' | '1.0.2' | '1.0.x' | '1.1.x' | '3.x';

/** One OpenSSL error decoded from `warning: TLS library problem: ...`. */
export interface OpensslError {
  /** Packed error code, 8 hex digits, upper-case (`1408A0C1`, `0A0000C1`). */
  code: string;
  /** Library text, e.g. `SSL routines`. */
  library: string;
  /** Function name; undefined when the field is empty (OpenSSL 3.x). */
  func?: string;
  /** Reason text, e.g. `no shared cipher`. */
  reason: string;
  file?: string;
  line?: number;
  /** Leading thread id that Postfix ≤ 2.10 prints (it equals the process id). */
  pid?: number;
  /** Undefined when the line fits more than one generation (lower-case names shared by 1.0.2 and 1.1.x). */
  generation?: OpensslGeneration;
}

/** A `name[addr]` or `name[addr]:port` endpoint as Postfix logs it. */
export interface Peer {
  name: string;
  addr: string;
  port?: number;
}

/** The part of a syslog line before the message. */
export interface LineHeader {
  /** ISO 8601 time; classic syslog stamps have no year or zone, so they get the tracker's year and no offset. */
  timestamp?: string;
  /** Logging host, when the line kept it. */
  host?: string;
  /** `facility.severity` token written by busybox syslogd and some relays. */
  facility?: string;
  /** Program as logged: `postfix/smtpd`, `postfix-out/smtp`, `postfix/submission/smtpd`, `opendkim`. */
  program: string;
  /** Last path element of a Postfix program (`smtpd`, `smtp`, `cleanup`); undefined for other programs. */
  daemon?: string;
  pid?: number;
  /** True for `postfix*` programs. */
  postfix: boolean;
}

/** `Unstated`: the line has no trust word, as older Postfix versions wrote it. */
export type TlsTrust = 'Anonymous' | 'Untrusted' | 'Trusted' | 'Verified' | 'Unstated';
/** `deliverable` and `undeliverable` are the results of address verification probes (verify(8)), not deliveries. */
export type DeliveryStatus = 'sent' | 'deferred' | 'bounced' | 'expired' | 'rejected' | 'deliverable' | 'undeliverable';
/**
 * Problems the smtp client reports inside a delivery status text, and smtpd in a reject or abort line.
 * `smtps-without-wrapper-mode`: port 465, and the greeting never came (the client spoke plaintext to an SMTPS port).
 * `client-certificate-required`: the server (smtpd_tls_req_ccert = yes) got no client certificate, or one it does not
 * trust, and closed the session after a complete handshake.
 */
export type DeliveryTlsProblem =
  | 'cannot-start-tls' | 'tls-required-not-offered' | 'server-certificate-not-verified' | 'tls-not-available' | 'smtps-without-wrapper-mode'
  | 'client-certificate-required';

/** One recognised Postfix line; `kind` names the line's form. */
export type TlsEvent =
  | { kind: 'daemon-started'; version: string }
  | { kind: 'tls-engine-init'; side: 'server' | 'client' }
  | { kind: 'connect'; peer: Peer }
  | { kind: 'disconnect'; peer: Peer; commands?: Record<string, string> }
  /**
   * tlsproxy's `CONNECT from [addr]:port` (a client of postscreen) or `CONNECT to [addr]:port` (a server, for smtp with
   * smtp_tls_connection_reuse), and its `DISCONNECT [addr]:port`; postscreen logs the same forms.
   */
  | { kind: 'proxy-connect'; direction: 'from' | 'to'; peer: Peer }
  | { kind: 'proxy-disconnect'; peer: Peer }
  | { kind: 'connection-lost'; reason: 'lost' | 'timeout'; after: string; peer: Peer }
  /** `improper command pipelining after CONNECT from X: \026\003...`: a TLS hello where an SMTP command belongs. */
  | { kind: 'tls-hello-in-plaintext'; after: string; peer: Peer }
  | { kind: 'tls-setup'; direction: 'from' | 'to'; peer: Peer }
  | { kind: 'tls-cipher-list'; peer: Peer; cipherList: string }
  | { kind: 'tls-state'; side: 'accept' | 'connect'; state: string; error: boolean }
  | { kind: 'tls-alert'; direction: 'read' | 'write'; level: string; description: string }
  | { kind: 'tls-handshake-error'; side: 'accept' | 'connect'; peer: Peer; detail: string }
  | { kind: 'tls-library-problem'; text: string; error?: OpensslError }
  | {
      kind: 'tls-established';
      direction: 'from' | 'to';
      trust: TlsTrust;
      reused: boolean;
      peer: Peer;
      sni?: string;
      protocol: string;
      cipher: string;
      bits?: { used: number; total: number };
      keyExchange?: string;
      serverSignature?: string;
      serverDigest?: string;
      clientSignature?: string;
      clientDigest?: string;
    }
  | { kind: 'tls-protocol-list-invalid'; side: 'server' | 'client'; list: string; peer?: Peer }
  | { kind: 'tls-local-config-problem'; text: string }
  | { kind: 'certificate-verification-failed'; peer: Peer; detail: string }
  /** Postfix 3.4+ with tls_server_sni_maps: the name a client asked for by SNI has no chain of its own. */
  | { kind: 'tls-sni-unmatched'; name: string; peer: Peer }
  /** rsyslog's `message repeated N times: [ <message>]`: the process's message before, again. */
  | { kind: 'message-repeated'; times: number; message: string }
  /** Postfix 3.10's TLSRPT line (smtp): the handshake's result as reported under RFC 8460. */
  | { kind: 'tlsrpt-result'; status: 'success' | 'failure'; domain: string; peer: Peer; failureType?: string; failureReason?: string }
  | { kind: 'starttls-discarded'; keywords: string }
  | { kind: 'tls-not-available'; text: string }
  | { kind: 'queue-client'; queueId: string; peer: Peer }
  | { kind: 'queue-message-id'; queueId: string; messageId: string }
  | { kind: 'queue-from'; queueId: string; sender: string; expired: boolean }
  | {
      kind: 'queue-delivery';
      queueId: string;
      recipient: string;
      relay: string;
      relayPeer?: Peer;
      delay?: number;
      dsn?: string;
      status: DeliveryStatus;
      detail: string;
      tlsProblem?: DeliveryTlsProblem;
    }
  | { kind: 'queue-removed'; queueId: string }
  /**
   * `QUEUEID: Cannot start TLS: handshake failure`: the smtp client gives up TLS for this message on this connection.
   * `peer`: the server the text names (`TLS is required, but host mx[addr] refused to start TLS: ...`).
   */
  | { kind: 'queue-tls-problem'; queueId: string; detail: string; tlsProblem: DeliveryTlsProblem; peer?: Peer }
  /**
   * `QUEUEID: lost connection with mx[addr] while ...` (or `conversation with ... timed out while ...`) without a
   * recipient: the smtp client ends this attempt and tries again at once, with another server or in plaintext.
   */
  | { kind: 'queue-attempt-failed'; queueId: string; detail: string; peer?: Peer }
  /**
   * `QUEUEID: host mx[addr] said: 450 ...` (or `refused to talk to me: ...`) without a recipient: a server of several
   * answered with an error that names no TLS problem, and the smtp client goes on to the next one.
   */
  | { kind: 'queue-server-reply'; queueId: string; detail: string; peer: Peer }
  /** `NOQUEUE: reject: RCPT from ...`, and smtpd's `NOQUEUE: abort: TLS from ...` (stage `TLS`). */
  | { kind: 'reject'; queueId?: string; stage: string; peer?: Peer; detail: string; tlsProblem?: DeliveryTlsProblem };

export type TlsEventKind = TlsEvent['kind'];

/** A line split into header and event; `event` is undefined for lines the parser does not know. */
export interface ParsedLine {
  raw: string;
  header?: LineHeader;
  /** The message after `program[pid]: `. */
  message?: string;
  event?: TlsEvent;
}

export type FailureClass =
  | 'no-shared-cipher'
  | 'no-shared-group'
  | 'unknown-protocol'
  | 'unsupported-protocol'
  | 'version-too-low'
  | 'wrong-version-number'
  | 'alert-protocol-version'
  | 'inappropriate-fallback'
  | 'no-suitable-signature-algorithm'
  | 'unsafe-legacy-renegotiation'
  | 'peer-aborted'
  | 'certificate-verification'
  | 'client-certificate'
  | 'dh-key-too-small'
  | 'unexpected-eof'
  | 'timeout'
  | 'plaintext-after-starttls'
  | 'protocol-violation'
  | 'implicit-tls'
  | 'starttls-not-offered'
  | 'invalid-local-config'
  | 'unknown';

/** Why a TLS session failed, in words a postmaster can act on. */
export interface Diagnosis {
  class: FailureClass;
  /** One line, e.g. `no shared cipher`. */
  summary: string;
  /** Plain words, specific to the OpenSSL generation and Postfix version when known. */
  explanation: string;
  /** What would make the handshake succeed. */
  remedy: string;
  opensslError?: OpensslError;
  generation?: OpensslGeneration;
  /** Raw log lines the diagnosis rests on. */
  evidence: string[];
}

/** What became of one recipient of one queued message. */
export interface MessageFate {
  queueId: string;
  recipient: string;
  relay?: string;
  dsn?: string;
  status: DeliveryStatus;
  detail: string;
  line: string;
  timestamp?: string;
}

/** One SMTP connection as seen by one Postfix process. */
export interface Session {
  /** Position of the session's first line among all sessions of the input (0-based). */
  ordinal: number;
  side: 'smtpd' | 'smtp';
  service: string;
  pid: number;
  host?: string;
  peer: Peer;
  start?: string;
  end?: string;
  events: TlsEvent[];
  /** Raw lines in order (only lines with an event when the tracker runs with `keepLines: 'events'`). */
  lines: string[];
  /** The raw line of each event, index for index with `events`. */
  eventLines?: string[];
  /** TLS set-up problems the same process logged before this session (e.g. `Invalid TLS protocol list`). */
  processContext?: { events: TlsEvent[]; lines: string[] };
  /** A TLS handshake was attempted. */
  starttls: boolean;
  tls?: {
    trust: TlsTrust;
    protocol: string;
    cipher: string;
    bits?: { used: number; total: number };
    keyExchange?: string;
    serverSignature?: string;
  };
  failure?: Diagnosis;
  queueIds: string[];
  /** Saw `disconnect` (smtpd) or a delivery line (smtp). */
  complete: boolean;
  /** Per-command counters of the Postfix ≥ 3.0 disconnect summary, e.g. `{ ehlo: '1', starttls: '0/1' }`. */
  commands?: Record<string, string>;
  /** Why an incomplete session was closed. */
  closedBy?: 'disconnect' | 'delivery' | 'pid-reuse' | 'new-connection' | 'evicted' | 'end-of-input';
  /** Outbound only: this session is a plaintext retry after a failed handshake in the same process. */
  plaintextFallback?: boolean;
}

export interface TrackerStats {
  lines: number;
  events: number;
  /** Postfix lines the parser does not know (kept, never fatal). */
  unrecognised: number;
  /** Lines of other programs (opendkim, dovecot, kernel ...) and lines without a program header. */
  foreign: number;
}

/** What the log reveals about the versions that wrote it. */
export interface InferredVersions {
  /** Exact Postfix version, from `daemon started -- version X`. */
  postfix?: string;
  /** Range implied by formats when the version was not logged, e.g. `<=2.10`, `>=2.11`, `>=3.4`. */
  postfixRange?: string;
  /** Most precise OpenSSL generation the error formats reveal. */
  openssl?: OpensslGeneration;
  /** The raw lines each inference rests on (first seen only). */
  evidence: string[];
}

/** Facts about the logging server given by the caller; versions given win over inference. */
export interface LogHints {
  postfixVersion?: string;
  opensslVersion?: string;
  /** Generation inferred from other lines of the log; used only when the session's own lines do not tell. */
  inferredOpenssl?: OpensslGeneration;
  /** smtpd_starttls_timeout and smtp_starttls_timeout in seconds, when known: they tell a timeout that Postfix 2.6-2.8 log as `-1`. */
  starttlsTimeout?: { smtpd?: number; smtp?: number };
}
