import { explain, type ExplainContext } from './failure-explanations.ts';
import { isoTimestamp, newHeaderScan, scanHeader } from './line-header.ts';
import { receivedAlert } from './openssl-error.ts';
import { generationOfVersion } from './versions.ts';
import type { Diagnosis, FailureClass, OpensslError, OpensslGeneration, Session, TlsEvent, LogHints } from './types.ts';

/**
 * The protocol and cipher a report gives a session whose STARTTLS succeeded by the command counters but that
 * logged no `TLS connection established` line: a TLS session, not a plaintext one.
 */
export const NOT_LOGGED = '(not logged)';

/**
 * Whether Postfix's command counters (3.0 and later: `starttls=1`, `starttls=1/2`, against `starttls=0/1`) say a
 * STARTTLS succeeded. Some versions count a STARTTLS whose handshake then failed as a success, so the counters
 * stand only where no line of the session tells of a failure (smtpd_tls_loglevel 0 logs no handshake at all).
 */
export function starttlsSucceeded(commands: Readonly<Record<string, string>> | undefined): boolean {
  const count = commands?.['starttls'];
  return count !== undefined && Number.parseInt(count, 10) >= 1;
}

/**
 * Whether a session counts as TLS with protocol and cipher `NOT_LOGGED`: it logged no established line and no
 * failure, and its counters say its STARTTLS succeeded.
 */
export function tlsNotLogged(established: boolean, failure: Diagnosis | undefined, commands: Readonly<Record<string, string>> | undefined): boolean {
  return !established && failure === undefined && starttlsSucceeded(commands);
}

/** Events that show a session tried TLS. */
export const TLS_ATTEMPT_KINDS: ReadonlySet<TlsEvent['kind']> = new Set([
  'tls-setup', 'tls-cipher-list', 'tls-state', 'tls-alert', 'tls-handshake-error', 'tls-library-problem', 'tls-established',
  'certificate-verification-failed', 'tls-hello-in-plaintext',
]);

/** Lines quoted as the evidence of `unknown`. */
export const UNKNOWN_EVIDENCE_LINES = 20;

/** Alerts that mean the peer rejected a certificate this side presented. */
/** The description of a certificate alert as the SSL state lines give it (`SSL3 alert write:fatal:unknown CA`). */
const CERTIFICATE_ALERT_SENT = /^(?:bad certificate|unknown ca|certificate unknown|certificate expired|certificate revoked|unsupported certificate)$/i;
const CERTIFICATE_ALERT = /alert (?:bad certificate|unknown ca|certificate unknown|certificate expired|certificate revoked|unsupported certificate|certificate required)/;
/**
 * Their numbers: no_certificate (SSLv3), bad_certificate, unsupported_certificate, certificate_revoked,
 * certificate_expired, certificate_unknown, unknown_ca, certificate_unobtainable, bad_certificate_status_response,
 * bad_certificate_hash_value, certificate_required.
 */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([41, 42, 43, 44, 45, 46, 48, 111, 113, 114, 116]);
const ALERT_PROTOCOL_VERSION = 70;
const ALERT_INAPPROPRIATE_FALLBACK = 86;
/**
 * Reasons this side gives for TLS bytes from the peer that break the protocol: a message out of order, lengths that
 * do not add up, a record too large, or one that fails its integrity check. 3.2+ adds `record layer failure` after
 * the record layer's own reason.
 */
const PROTOCOL_VIOLATION_REASONS: ReadonlySet<string> = new Set([
  'unexpected message', 'unexpected record', 'ccs received early', 'bad change cipher spec', 'bad record type',
  'length mismatch', 'length too short', 'bad length', 'bad packet length', 'packet length too long', 'data length too long',
  'record length mismatch', 'excessive message size', 'record layer failure',
  'decryption failed', 'decryption failed or bad record mac', 'bad record mac', 'block cipher pad is wrong',
  'bad key share', 'bad extension', 'missing sigalgs extension', 'unsupported compression algorithm', 'wrong signature type',
]);
const LOCAL_CONFIG_REASON = /no such file|system lib|pem routines|key values mismatch|ee key too small|ca md too weak|no certificate assigned|missing .*certificate|no private key|bad system config|no ciphers available|no cipher match|no protocols available/i;

/** An alert about a certificate concerns the one its receiver sent: a client reading one was refused its own. */
function certificateAlertClass(side: 'smtpd' | 'smtp'): FailureClass {
  return side === 'smtp' ? 'client-certificate' : 'certificate-verification';
}

/**
 * The failure class an OpenSSL reason stands for. `wrong version number` depends on who logged it and when:
 * 1.1.0+ accepts any 3.x record version on the first record, so a server-side record-layer mismatch before the
 * server hello means the bytes were not TLS at all.
 */
function classOfError(error: OpensslError, side: 'smtpd' | 'smtp', generation: OpensslGeneration | undefined, pastServerHello: boolean): FailureClass {
  const reason = error.reason.toLowerCase();
  switch (reason) {
    case 'no shared cipher': return 'no-shared-cipher';
    case 'no suitable key share':
    case 'no shared groups': return 'no-shared-group';
    case 'unknown protocol': return 'unknown-protocol';
    case 'unsupported protocol': return 'unsupported-protocol';
    case 'version too low': return 'version-too-low';
    case 'http request':
    case 'https proxy request': return 'plaintext-after-starttls';
    case 'no suitable signature algorithm':
    case 'no shared signature algorithms':
    case 'legacy sigalg disallowed or unsupported': return 'no-suitable-signature-algorithm';
    case 'inappropriate fallback': return 'inappropriate-fallback';
    case 'unsafe legacy renegotiation disabled': return 'unsafe-legacy-renegotiation';
    case 'dh key too small': return 'dh-key-too-small';
    case 'unexpected eof while reading': return 'unexpected-eof';
    case 'certificate verify failed': return 'certificate-verification';
    case 'peer did not return a certificate': return 'client-certificate';
    case 'wrong version number': {
      const recordLayer = error.func === undefined || error.func.toLowerCase() === 'ssl3_get_record';
      const modern = generation === '1.1.x' || generation === '3.x';
      return side === 'smtpd' && modern && recordLayer && !pastServerHello ? 'plaintext-after-starttls' : 'wrong-version-number';
    }
  }
  const alert = receivedAlert(error);
  if (alert !== undefined) {
    if (alert === ALERT_PROTOCOL_VERSION) return 'alert-protocol-version';
    if (alert === ALERT_INAPPROPRIATE_FALLBACK) return 'inappropriate-fallback';
    return CERTIFICATE_ALERTS.has(alert) ? certificateAlertClass(side) : 'peer-aborted';
  }
  if (reason.endsWith('alert protocol version')) return 'alert-protocol-version';
  if (reason.endsWith('alert inappropriate fallback')) return 'inappropriate-fallback';
  if (CERTIFICATE_ALERT.test(reason)) return certificateAlertClass(side);
  if (reason.includes(' alert ')) return 'peer-aborted';
  if (PROTOCOL_VIOLATION_REASONS.has(reason)) return 'protocol-violation';
  if (LOCAL_CONFIG_REASON.test(reason) || error.library === 'system library' || error.library === 'PEM routines') return 'invalid-local-config';
  return 'unknown';
}

/**
 * Postfix 2.6 to 2.8 log the end of a failed handshake as its bare return code (`SSL_accept error from ...: -1`),
 * for a timeout as for a lost connection. A client that gives up does so within seconds, while
 * smtpd_starttls_timeout and smtp_starttls_timeout are 300 s by default: unless the caller gives the timeout, a wait
 * this long or longer between the session's start and that line was the timeout.
 */
const SILENT_TIMEOUT_SECONDS = 60;
/** Time stamps of whole seconds, and the STARTTLS a little after the session's start: a timeout's line comes this much early at most. */
const STAMP_SLACK_SECONDS = 1;

/** Seconds from the ISO time `start` to the stamp of `line`, read in the year of `start`; undefined without both. */
function secondsSince(start: string | undefined, line: string): number | undefined {
  if (start === undefined) return undefined;
  const scan = newHeaderScan();
  if (!scanHeader(line, scan)) return undefined;
  const at = isoTimestamp(line, scan, Number(start.slice(0, 4)));
  const seconds = at === undefined ? Number.NaN : (Date.parse(at) - Date.parse(start)) / 1000;
  return Number.isNaN(seconds) ? undefined : seconds;
}

/**
 * A handshake that ended without a library error: the peer went silent, or it hung up. `timeout` is this side's
 * STARTTLS timeout in seconds, when the caller knows it.
 */
function handshakeEnd(
  handshakeError: { detail: string; line: string }, start: string | undefined, timeout: number | undefined,
): { cls: FailureClass; extra: Partial<ExplainContext> } {
  if (/timed out/i.test(handshakeError.detail)) return { cls: 'timeout', extra: {} };
  if (/^-?\d+$/.test(handshakeError.detail.trim())) {
    const seconds = secondsSince(start, handshakeError.line);
    const threshold = timeout === undefined ? SILENT_TIMEOUT_SECONDS : Math.max(0, timeout - STAMP_SLACK_SECONDS);
    if (seconds !== undefined && seconds >= threshold) {
      return { cls: 'timeout', extra: { silentSeconds: Math.round(seconds), ...(timeout === undefined ? {} : { starttlsTimeout: timeout }) } };
    }
  }
  return { cls: 'unexpected-eof', extra: {} };
}

/** RFC 8460 result types that name a class; the others (validation_failure, the MTA-STS and DNSSEC types) say only that it failed. */
const TLSRPT_CLASSES: Readonly<Record<string, FailureClass>> = {
  starttls_not_supported: 'starttls-not-offered',
  certificate_host_mismatch: 'certificate-verification',
  certificate_not_trusted: 'certificate-verification',
  certificate_expired: 'certificate-verification',
  tlsa_invalid: 'certificate-verification',
};

/**
 * A TLSRPT failure type as Postfix's tlsrpt_wrapper.c names it: `certificate_expired`, or in its first snapshots
 * the library's constant, `TLSRPT_CERTIFICATE_EXPIRED`.
 */
function tlsrptType(failureType: string): string {
  const lower = failureType.toLowerCase();
  return lower.startsWith('tlsrpt_') ? lower.slice('tlsrpt_'.length) : lower;
}

/** Rank for picking the most telling of several library errors: known SSL reasons first. */
function errorRank(error: OpensslError, side: 'smtpd' | 'smtp'): number {
  const cls = classOfError(error, side, error.generation, false);
  if (cls === 'unknown') return 0;
  return error.library === 'SSL routines' ? 2 : 1;
}

/** A delivery or reject line of the session blames TLS (this can fail a session whose handshake succeeded). */
function namesTlsProblem(events: TlsEvent[]): boolean {
  for (const event of events) {
    if (event.kind === 'tls-not-available') return true;
    if ((event.kind === 'queue-delivery' || event.kind === 'reject' || event.kind === 'queue-tls-problem') && event.tlsProblem !== undefined) return true;
  }
  return false;
}

/** A certificate alert this side read from its peer, or undefined. */
function certificateAlert(event: TlsEvent): OpensslError | undefined {
  if (event.kind !== 'tls-library-problem' || event.error === undefined) return undefined;
  const alert = receivedAlert(event.error);
  return alert !== undefined && CERTIFICATE_ALERTS.has(alert) ? event.error : undefined;
}

/**
 * A peer that rejected a certificate once the handshake was over, as this side saw it: GnuTLS clients (Exim)
 * check the server's certificate after the handshake, so smtpd logs the session as established, then the
 * client's alert; in TLS 1.3 a server checks the client's certificate after the client's Finished, so smtp logs
 * the session as established, then the server's alert (`certificate required`).
 */
function certificateRejectedAfterHandshake(session: Session): boolean {
  // A session that logged its handshake as established has `tls`; a failed handshake ends the connection, so its alert came after.
  return session.tls !== undefined && session.events.some((event) => certificateAlert(event) !== undefined);
}

/** Set only during `classifyCountOnly`: classes whose explanation and evidence the caller will not read. */
let textNotNeeded: ((cls: FailureClass) => boolean) | undefined;

function diagnose(ctx: ExplainContext, cls: FailureClass, evidence: string[], extra: Partial<ExplainContext> = {}): Diagnosis {
  if (textNotNeeded?.(cls) === true) return { class: cls, summary: '', explanation: '', remedy: '', evidence: [] };
  const full = { ...ctx, ...extra };
  const diagnosis: Diagnosis = { class: cls, ...explain(cls, full), evidence: [...new Set(evidence)] };
  if (full.error !== undefined) diagnosis.opensslError = full.error;
  if (full.generation !== undefined) diagnosis.generation = full.generation;
  return diagnosis;
}

/** Diagnosis from the most telling library error, with the handshake-error line and the other error lines as evidence. */
function fromError(
  ctx: ExplainContext, primary: { error: OpensslError; line: string } | undefined, evidenceBefore: string[], errorLines: string[], extraEvidence: string[],
): Diagnosis | undefined {
  if (primary === undefined) return undefined;
  const cls = classOfError(primary.error, ctx.side, ctx.generation, ctx.pastServerHello);
  const extra: Partial<ExplainContext> = { error: primary.error };
  if (cls === 'peer-aborted' || cls === 'certificate-verification' || (cls === 'client-certificate' && receivedAlert(primary.error) !== undefined)) extra.detail = `alert "${primary.error.reason}"`;
  if (cls === 'invalid-local-config') extra.detail = `${primary.error.library}: ${primary.error.reason}`;
  return diagnose(ctx, cls, [...evidenceBefore, ...errorLines, ...extraEvidence], extra);
}

interface Evidence {
  events: TlsEvent[];
  lines: string[];
}

/** The text of an event that a diagnosis quotes as its detail. @internal */
export function detailOf(event: TlsEvent): string | undefined {
  switch (event.kind) {
    case 'tls-protocol-list-invalid': return `Invalid TLS protocol list "${event.list}"`;
    case 'tls-local-config-problem': return event.text;
    case 'tls-not-available': return event.text;
    case 'queue-delivery': return event.detail;
    case 'queue-tls-problem': return event.detail;
    case 'reject': return event.detail;
    case 'certificate-verification-failed': return event.detail;
    case 'tls-alert': return `alert "${event.description}"`;
    default: return undefined;
  }
}

/** A set-up line that tells only that TLS is off, not why. */
function isConfigEffect(event: TlsEvent): boolean {
  return event.kind === 'tls-local-config-problem' && /^(?:Wrapper-mode request dropped|disabling TLS support\s*$)/.test(event.text);
}

/**
 * Diagnose a session: undefined when it did not fail at TLS (it succeeded, never tried, or is still open without
 * a verdict). Hints win over versions inferred from the session's own error lines.
 */
export function classify(session: Session, hints: LogHints = {}): Diagnosis | undefined {
  if (session.tls !== undefined && !namesTlsProblem(session.events) && !certificateRejectedAfterHandshake(session)) return undefined;
  const own: Evidence = { events: session.events, lines: session.eventLines ?? session.lines };
  const context: Evidence = session.processContext ?? { events: [], lines: [] };
  const side = session.side;

  let established = false;
  let pastServerHello = false;
  let cipherList: string | undefined;
  let primary: { error: OpensslError; line: string } | undefined;
  let primaryRank = -1;
  const errorLines: string[] = [];
  let handshakeError: { detail: string; line: string } | undefined;
  let alertRead: { event: TlsEvent; line: string } | undefined;
  let alertWritten: { description: string; line: string } | undefined;
  let helloFailed: string | undefined;
  let certFailure: { event: TlsEvent; line: string } | undefined;
  let connectionLost: { event: Extract<TlsEvent, { kind: 'connection-lost' }>; line: string } | undefined;
  let tlsProblem: { event: TlsEvent; problem: string; line: string } | undefined;
  let localConfig: { event: TlsEvent; line: string } | undefined;
  let tlsHello: string | undefined;
  let tlsrpt: { event: Extract<TlsEvent, { kind: 'tlsrpt-result' }>; line: string } | undefined;
  let sniUnmatched: string | undefined;
  let rejectedAfterHandshake: { error: OpensslError; line: string } | undefined;

  for (let i = 0; i < own.events.length; i++) {
    const event = own.events[i];
    const line = own.lines[i] ?? '';
    if (event === undefined) continue;
    switch (event.kind) {
      case 'tls-established': established = true; break;
      case 'tls-cipher-list': cipherList = event.cipherList; break;
      case 'tls-state':
        if (/write server hello|read server hello/.test(event.state)) pastServerHello = true;
        if (event.error && / read client hello/.test(event.state)) helloFailed ??= line;
        break;
      case 'tls-library-problem':
        errorLines.push(line);
        if (session.tls !== undefined && rejectedAfterHandshake === undefined) {
          const error = certificateAlert(event);
          if (error !== undefined) rejectedAfterHandshake = { error, line };
        }
        if (event.error !== undefined) {
          const rank = errorRank(event.error, side);
          if (rank > primaryRank) {
            primary = { error: event.error, line };
            primaryRank = rank;
          }
        }
        break;
      case 'tls-handshake-error': handshakeError ??= { detail: event.detail, line }; break;
      case 'tls-alert':
        if (event.direction === 'read') alertRead ??= { event, line };
        else if (event.level === 'fatal') alertWritten ??= { description: event.description, line };
        break;
      case 'certificate-verification-failed': certFailure ??= { event, line }; break;
      case 'connection-lost': connectionLost ??= { event, line }; break;
      case 'queue-delivery':
      case 'reject':
      case 'queue-tls-problem':
        if (event.tlsProblem !== undefined) tlsProblem ??= { event, problem: event.tlsProblem, line };
        break;
      case 'tls-not-available': tlsProblem ??= { event, problem: 'tls-not-available', line }; break;
      case 'tls-protocol-list-invalid':
      case 'tls-local-config-problem':
        // The cause over its effect: a missing file over `Wrapper-mode request dropped` or a bare `disabling TLS support`.
        if (localConfig === undefined || (isConfigEffect(localConfig.event) && !isConfigEffect(event))) localConfig = { event, line };
        break;
      case 'tls-hello-in-plaintext': tlsHello ??= line; break;
      case 'tlsrpt-result': if (event.status === 'failure') tlsrpt ??= { event, line }; break;
      case 'tls-sni-unmatched': sniUnmatched ??= event.name; break;
      default: break;
    }
  }

  const generation = (hints.opensslVersion === undefined ? undefined : generationOfVersion(hints.opensslVersion)) ??
    primary?.error.generation ?? hints.inferredOpenssl;
  const ctx: ExplainContext = { side, pastServerHello };
  if (side === 'smtp' && session.peer.port !== undefined) ctx.port = session.peer.port;
  if (generation !== undefined) ctx.generation = generation;
  if (hints.postfixVersion !== undefined) ctx.postfixVersion = hints.postfixVersion;
  if (cipherList !== undefined) ctx.cipherList = cipherList;
  if (sniUnmatched !== undefined) ctx.sniUnmatched = sniUnmatched;
  // TLS before any command: `lost connection after CONNECT` once the handshake went wrong, or a wrapper-mode tag.
  if (side === 'smtpd' && ((connectionLost?.event.after === 'CONNECT' && (handshakeError !== undefined || primary !== undefined)) || /\/(?:smtps|submissions)\/smtpd$/.test(session.service))) ctx.wrapperMode = true;

  const before = handshakeError === undefined ? [] : [handshakeError.line];
  // The process's set-up error names the cause; the session's own line (a dropped wrapper-mode request) its effect.
  const configEvent = context.events.map((event, i) => ({ event, line: context.lines[i] ?? '' }))
    .find(({ event }) => event.kind === 'tls-protocol-list-invalid' || event.kind === 'tls-local-config-problem') ?? localConfig;
  if (tlsProblem !== undefined) {
    const detail = detailOf(tlsProblem.event);
    const extra: Partial<ExplainContext> = detail === undefined ? {} : { detail };
    // The check that failed (`untrusted issuer ...`, `num=65:no matching DANE TLSA records`, smtpd's `self-signed
    // certificate` of a client's) says more than the deferral or the abort that followed it.
    const checked = certFailure === undefined ? undefined : detailOf(certFailure.event);
    const checkedFirst = [...(certFailure === undefined ? [] : [certFailure.line]), tlsProblem.line];
    switch (tlsProblem.problem) {
      case 'tls-required-not-offered': return diagnose(ctx, 'starttls-not-offered', [tlsProblem.line], extra);
      case 'server-certificate-not-verified': return diagnose(ctx, 'certificate-verification', checkedFirst, checked === undefined ? extra : { detail: checked });
      case 'client-certificate-required': {
        const untrusted = /Client certificate not trusted/.test(detail ?? '');
        return diagnose(ctx, 'client-certificate', checkedFirst, {
          clientCertificate: untrusted ? 'untrusted' : 'missing', ...(untrusted && checked !== undefined ? { detail: checked } : extra),
        });
      }
      case 'tls-not-available': return diagnose(ctx, 'invalid-local-config', [tlsProblem.line], extra);
      case 'smtps-without-wrapper-mode':
        return diagnose(ctx, 'invalid-local-config', [tlsProblem.line], { detail: `SMTPS wrappermode (TCP port 465) is off for this delivery: ${detail ?? ''}` });
      default: {
        const byError = fromError(ctx, primary, before, errorLines, [tlsProblem.line]);
        if (byError !== undefined) return byError;
        // The client's own certificate alert after its failed check: it ended the handshake over the certificate.
        if (certFailure !== undefined && alertWritten !== undefined && CERTIFICATE_ALERT_SENT.test(alertWritten.description)) {
          return diagnose(ctx, 'certificate-verification', [certFailure.line, alertWritten.line, tlsProblem.line], checked === undefined ? extra : { detail: checked });
        }
        // The client's own settings, e.g. smtp_tls_connection_reuse without a tlsproxy service to connect to.
        if (handshakeError === undefined && configEvent !== undefined) {
          const configDetail = detailOf(configEvent.event);
          return diagnose(ctx, 'invalid-local-config', [configEvent.line, tlsProblem.line], configDetail === undefined ? {} : { detail: configDetail });
        }
        if (handshakeError === undefined) return diagnose(ctx, 'unknown', [tlsProblem.line], extra);
        const end = handshakeEnd(handshakeError, session.start, hints.starttlsTimeout?.[side]);
        return diagnose(ctx, end.cls, [handshakeError.line, tlsProblem.line], { ...extra, ...end.extra });
      }
    }
  }
  if (rejectedAfterHandshake !== undefined) {
    const { error, line } = rejectedAfterHandshake;
    return diagnose(ctx, certificateAlertClass(side), [line, ...(connectionLost === undefined ? [] : [connectionLost.line])], {
      error, detail: `alert "${error.reason}"`, rejectedAfterHandshake: true,
    });
  }
  if (established) return undefined;
  if (tlsHello !== undefined) return diagnose(ctx, 'implicit-tls', [tlsHello, ...(connectionLost === undefined ? [] : [connectionLost.line])]);

  const triedTls = session.starttls || session.commands?.['starttls'] !== undefined || connectionLost !== undefined;
  if (configEvent !== undefined && (triedTls || session.queueIds.length === 0)) {
    const detail = detailOf(configEvent.event);
    const evidence = [...context.lines, configEvent.line, ...(localConfig === undefined ? [] : [localConfig.line]), ...(connectionLost === undefined ? [] : [connectionLost.line])];
    return diagnose(ctx, 'invalid-local-config', evidence, detail === undefined ? {} : { detail });
  }

  const byError = fromError(ctx, primary, before, errorLines, []);
  if (byError !== undefined) return byError;
  // An smtp client at a level that does not verify logs the failed verification and goes on over TLS: a delivery
  // without a TLS problem after it means that the handshake completed.
  if (side === 'smtp' && certFailure !== undefined && handshakeError === undefined && alertRead === undefined && session.queueIds.length > 0) return undefined;
  if (certFailure !== undefined) {
    const detail = detailOf(certFailure.event);
    return diagnose(ctx, 'certificate-verification', [certFailure.line], detail === undefined ? {} : { detail });
  }
  // At smtpd_tls_loglevel 2, with the library's line cut from an excerpt: OpenSSL 1.0.x's server answers a client
  // hello it shares no cipher suite with by a handshake_failure alert, in the state `error in SSLv3 read client hello`.
  if (side === 'smtpd' && alertRead === undefined && alertWritten?.description === 'handshake failure' && helloFailed !== undefined) {
    return diagnose(ctx, 'no-shared-cipher', [alertWritten.line, helloFailed, ...(handshakeError === undefined ? [] : [handshakeError.line])]);
  }
  if (alertRead !== undefined) {
    const detail = detailOf(alertRead.event) ?? '';
    const cls: FailureClass = /protocol version/.test(detail) ? 'alert-protocol-version'
      : /inappropriate fallback/.test(detail) ? 'inappropriate-fallback'
      : CERTIFICATE_ALERT.test(detail) ? certificateAlertClass(side) : 'peer-aborted';
    return diagnose(ctx, cls, [alertRead.line, ...(handshakeError === undefined ? [] : [handshakeError.line])], { detail });
  }
  if (connectionLost?.event.reason === 'timeout' && connectionLost.event.after.startsWith('STARTTLS')) {
    return diagnose(ctx, 'timeout', [connectionLost.line]);
  }
  if (handshakeError !== undefined && alertWritten !== undefined && primary === undefined) {
    return diagnose(ctx, 'unknown', [alertWritten.line, handshakeError.line], { alertSent: alertWritten.description });
  }
  if (handshakeError !== undefined) {
    const end = handshakeEnd(handshakeError, session.start, hints.starttlsTimeout?.[side]);
    return diagnose(ctx, end.cls, [handshakeError.line, ...(connectionLost === undefined ? [] : [connectionLost.line])], end.extra);
  }
  if (connectionLost !== undefined && connectionLost.event.after.startsWith('STARTTLS')) {
    // Postfix logs the handshake's end (`SSL_accept error`) before this line: without it, the line alone tells
    // that the peer hung up after its STARTTLS, not why.
    return diagnose(ctx, 'unexpected-eof', [connectionLost.line], session.starttls ? {} : { handshakeUnlogged: true });
  }
  // Postfix 3.10 reports to TLSRPT what went wrong, in RFC 8460's words: the last word when no other line says it.
  if (tlsrpt !== undefined) {
    const { failureType = '', failureReason } = tlsrpt.event;
    const detail = `TLSRPT failure_type=${failureType}${failureReason === undefined ? '' : `, failure_reason=${failureReason}`}`;
    const type = tlsrptType(failureType);
    return diagnose(ctx, TLSRPT_CLASSES[type] ?? 'unknown', [tlsrpt.line], { detail, tlsrptType: type });
  }
  if (session.starttls && session.complete) {
    // No line tells of a failure, and the counters say the handshake completed: TLS at smtpd_tls_loglevel 0.
    if (starttlsSucceeded(session.commands)) return undefined;
    // Lines from the first TLS attempt on (when lines match events one for one): what came before STARTTLS says
    // nothing about TLS.
    const first = own.lines.length === own.events.length ? Math.max(0, own.events.findIndex((event) => TLS_ATTEMPT_KINDS.has(event.kind))) : 0;
    return diagnose(ctx, 'unknown', own.lines.slice(first, first + UNKNOWN_EVIDENCE_LINES));
  }
  return undefined;
}

/**
 * `classify`, for callers that only count a class once they have its example (the analyzer): for classes where
 * `skipText(cls)` is true the diagnosis has the right class and empty texts and evidence, which saves composing
 * them. @internal
 */
export function classifyCountOnly(session: Session, hints: LogHints, skipText: (cls: FailureClass) => boolean): Diagnosis | undefined {
  textNotNeeded = skipText;
  try {
    return classify(session, hints);
  } finally {
    textNotNeeded = undefined;
  }
}
