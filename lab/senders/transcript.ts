import type { TlsProtocol } from '../scenario/tls-vocabulary.ts';

/** What the sending side saw, read from a client's transcript. */
export interface ClientView {
  connected: boolean;
  starttlsOffered: boolean;
  /** The server's reply to STARTTLS, e.g. "220 2.0.0 Ready to start TLS". */
  starttlsReply?: string;
  tls?: { protocol: string; cipher: string; bits?: number };
  /** The client-side TLS error, e.g. "error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported". */
  tlsError?: string;
  /** Queue id from "250 2.0.0 Ok: queued as X". */
  queuedAs?: string;
  /** The first reply that stopped the dialogue (4xx/5xx), if any. */
  rejection?: string;
}

const PROTOCOL_ALIASES: Record<string, TlsProtocol> = {
  SSLv3: 'SSLv3',
  TLSv1: 'TLSv1',
  'TLSv1.0': 'TLSv1',
  'TLSv1.1': 'TLSv1.1',
  'TLSv1.2': 'TLSv1.2',
  'TLSv1.3': 'TLSv1.3',
};

export function normaliseProtocol(text: string): TlsProtocol | undefined {
  return PROTOCOL_ALIASES[text.trim()];
}

/** Reads a swaks transcript (`-> ` client, `<- ` server, `~>`/`<~` inside TLS, `<**` errors). */
export function readSwaksTranscript(transcript: string): ClientView {
  const view: ClientView = { connected: false, starttlsOffered: false };
  let awaitingStarttlsReply = false;
  for (const raw of transcript.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^=== Connected to /.test(line)) view.connected = true;
    const reply = /^(<-|<~|<\*\*|<~\*)\s+(\d{3}[ -].*)$/.exec(line);
    if (reply) {
      const text = reply[2]!;
      if (/^250[ -]STARTTLS\b/i.test(text)) view.starttlsOffered = true;
      if (awaitingStarttlsReply) {
        view.starttlsReply = text;
        awaitingStarttlsReply = false;
      }
      const queued = /queued as ([0-9A-Za-z]+)/.exec(text);
      if (queued) view.queuedAs = queued[1]!;
      if (/^[45]\d\d /.test(text) && view.rejection === undefined) view.rejection = text;
      continue;
    }
    if (/^ (->|\*\*>) STARTTLS\s*$/.test(line)) awaitingStarttlsReply = true;
    const started = /^=== TLS started with cipher ([^:]+):([^:]+):(\d+)/.exec(line);
    if (started) {
      view.tls = { protocol: normaliseProtocol(started[1]!) ?? started[1]!, cipher: started[2]!, bits: Number(started[3]) };
      continue;
    }
    const failed = /^\*\*\* TLS startup failed \((?:connect\(\): )?(.*)\)\s*$/.exec(line);
    if (failed) view.tlsError = failed[1]!;
  }
  return view;
}

/**
 * Reads the transcript of the lab's s_client driver: s_client's own output, then the dialogue
 * lines it prints as `C: ` (client) and `S: ` (server).
 */
export function readSClientTranscript(transcript: string): ClientView {
  const view: ClientView = { connected: false, starttlsOffered: false };
  let protocol: string | undefined;
  let cipher: string | undefined;
  for (const raw of transcript.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^CONNECTED\(/.test(line)) view.connected = true;
    const newSession = /^New, (\S+) Cipher is (\S+)/.exec(line);
    if (newSession && newSession[2] !== '(NONE)') {
      cipher = newSession[2]!;
      if (normaliseProtocol(newSession[1]!.replace(/,$/, ''))) protocol ??= newSession[1]!.replace(/,$/, '');
    }
    const proto = /^\s*Protocol\s*(?:version)?\s*:\s*(\S+)/.exec(line);
    if (proto) protocol = proto[1]!;
    const suite = /^\s*(?:Cipher|Ciphersuite)\s*:\s*(\S+)/.exec(line);
    if (suite && suite[1] !== '0000' && suite[1] !== '(NONE)') cipher = suite[1]!;
    const error = /^[0-9A-F]*:?error:([0-9A-Fa-f]{8}:[^\n]*)$/.exec(line.replace(/^\d+:/, ''));
    if (error && view.tlsError === undefined) view.tlsError = `error:${error[1]!}`;
    const server = /^S: (\d{3}[ -].*)$/.exec(line);
    if (server) {
      const text = server[1]!;
      const queued = /queued as ([0-9A-Za-z]+)/.exec(text);
      if (queued) view.queuedAs = queued[1]!;
      if (/^[45]\d\d /.test(text) && view.rejection === undefined) view.rejection = text;
    }
    if (/^didn't find starttls in server response/.test(line)) view.starttlsOffered = false;
  }
  if (protocol && cipher) {
    view.tls = { protocol: normaliseProtocol(protocol) ?? protocol, cipher };
    view.starttlsOffered = true;
  }
  return view;
}

/**
 * Reads a transcript of `CONNECTED`, `C: ` and `S: ` lines, as the raw, Java and Go clients print them; `own` reads the
 * client's other lines.
 */
function readDialogue(transcript: string, own: (line: string, view: ClientView) => void = () => {}): ClientView {
  const view: ClientView = { connected: false, starttlsOffered: false };
  let awaitingStarttlsReply = false;
  for (const raw of transcript.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === 'CONNECTED') view.connected = true;
    if (line === 'C: STARTTLS') awaitingStarttlsReply = true;
    own(line, view);
    const server = /^S: (\d{3})([ -])(.*)$/.exec(line);
    if (!server) continue;
    const text = `${server[1]}${server[2]}${server[3]}`;
    if (/^250[ -]STARTTLS\b/i.test(text)) view.starttlsOffered = true;
    if (awaitingStarttlsReply && server[2] === ' ') {
      view.starttlsReply = text;
      awaitingStarttlsReply = false;
    }
    const queued = /queued as ([0-9A-Za-z]+)/.exec(text);
    if (queued) view.queuedAs = queued[1]!;
    if (/^[45]\d\d /.test(text) && view.rejection === undefined) view.rejection = text;
  }
  return view;
}

/** Reads the raw sender's transcript (`CONNECTED`, then `C: ` and `S: ` lines). It never has TLS. */
export function readRawTranscript(transcript: string): ClientView {
  return readDialogue(transcript);
}

/**
 * Reads the transcript of an application client (images/debian-java/SmtpClient.java, images/debian-go/smtp-client.go):
 * the dialogue, with `TLS: PROTOCOL SUITE` after a handshake and `TLS-ERROR: ` with the runtime's error after a
 * failed one.
 */
export function readAppTranscript(transcript: string): ClientView {
  return readDialogue(transcript, (line, view) => {
    const tls = /^TLS: (\S+) (\S+)$/.exec(line);
    if (tls) view.tls = { protocol: normaliseProtocol(tls[1]!) ?? tls[1]!, cipher: tls[2]! };
    const error = /^TLS-ERROR: (.*)$/.exec(line);
    if (error && view.tlsError === undefined) view.tlsError = error[1]!;
  });
}
