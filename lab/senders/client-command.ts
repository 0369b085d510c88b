import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LabError } from '../errors.ts';
import type { RawAction, SenderSpec } from '../scenario/schema.ts';
import { PROTOCOLS, protocolRank, type TlsProtocol } from '../scenario/tls-vocabulary.ts';

/** A command to run inside a sender container. */
export interface ClientCommand {
  argv: string[];
  env: Record<string, string>;
}

export interface MessageEnvelope {
  server: string;
  /** The server's port. Default: 25. */
  port?: number;
  heloName: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  timeoutSeconds: number;
  /** The certificates the receiver serves (PEM), for a sender that trusts them (`tls.trust: receiver`). */
  receiverCertificates?: string;
}

/** Where the s_client driver writes the receiver's certificates that a sender trusts. */
const TRUST_FILE = '/tmp/tlslab-trusted-receiver.pem';

const SWAKS_PROTOCOL: Record<TlsProtocol, string> = {
  SSLv3: 'sslv3',
  TLSv1: 'tlsv1',
  'TLSv1.1': 'tlsv1_1',
  'TLSv1.2': 'tlsv1_2',
  'TLSv1.3': 'tlsv1_3',
};

/** Protocols outside [min, max], which the client must not offer. */
function excludedProtocols(spec: SenderSpec): TlsProtocol[] {
  const min = spec.tls.minProtocol;
  const max = spec.tls.maxProtocol;
  return PROTOCOLS.filter(
    (p) => (min !== undefined && protocolRank(p) < protocolRank(min)) || (max !== undefined && protocolRank(p) > protocolRank(max)),
  );
}

export function swaksCommand(spec: SenderSpec, envelope: MessageEnvelope): ClientCommand {
  const argv = [
    'swaks',
    '--server', envelope.server,
    '--port', String(envelope.port ?? 25),
    '--ehlo', envelope.heloName,
    '--from', envelope.from,
    '--to', envelope.to,
    '--header', `Subject: ${envelope.subject}`,
    '--body', envelope.body,
    '--timeout', String(envelope.timeoutSeconds),
  ];
  if (spec.starttls === 'required') argv.push('--tls');
  if (spec.starttls === 'implicit') argv.push('--tls-on-connect');
  if (spec.starttls === 'optional') argv.push('--tls-optional-strict');
  if (spec.starttls !== 'none') {
    const excluded = excludedProtocols(spec);
    if (excluded.length > 0) argv.push('--tls-protocol', excluded.map((p) => `no_${SWAKS_PROTOCOL[p]}`).join(','));
    if (spec.tls.ciphers) argv.push('--tls-cipher', spec.tls.ciphers);
  }
  return { argv, env: {} };
}

const S_CLIENT_FLAG: Record<TlsProtocol, string> = {
  SSLv3: '-no_ssl3',
  TLSv1: '-no_tls1',
  'TLSv1.1': '-no_tls1_1',
  'TLSv1.2': '-no_tls1_2',
  'TLSv1.3': '-no_tls1_3',
};

/**
 * Drives one SMTP dialogue through `openssl s_client -starttls smtp`, answering each reply before
 * sending the next command (no pipelining, no sleeps), and prints it as `C:`/`S:` lines. Lines end
 * in a bare LF because `-crlf` makes s_client send CR LF; a CR of our own would reach the server as
 * a stray CR, which Postfix 3.9 and later refuse.
 */
const S_CLIENT_DRIVER = `
set -u
trap '' PIPE
if [ -n "\${TLSLAB_TRUST_PEM:-}" ]; then printf '%s\\n' "$TLSLAB_TRUST_PEM" > "$TLSLAB_TRUST_FILE" || exit 5; fi
coproc TLS { "$@" 2>&1; }
# Copies of the coprocess's pipes: bash closes its own when s_client exits (a failed handshake), and the
# output still unread in the pipe, the error line among it, would be lost.
exec {out}<&"\${TLS[0]}" {in}>&"\${TLS[1]}"
reply() { local line; while IFS= read -r -t "$TLSLAB_TIMEOUT" line <&"$out"; do line=\${line%$'\\r'}; case "$line" in [0-9][0-9][0-9]-*) echo "S: $line";; [0-9][0-9][0-9]*) echo "S: $line"; code=\${line:0:3}; last=$line; return 0;; *) echo "$line";; esac; done; return 1; }
# A write after s_client has gone (a failed handshake) fails; its error would only clutter the transcript.
send() { echo "C: $1"; printf '%s\\n' "$1" >&"$in" 2>/dev/null; }
# s_client prints its handshake summary, then the reply to the EHLO it sends after STARTTLS.
while IFS= read -r -t "$TLSLAB_TIMEOUT" line <&"$out"; do
  echo "$line"
  case "$line" in "    Verify return code"*|"Verify return code"*) break;; esac
done
# A NOOP first: lines left over from s_client's own EHLO are skipped until its reply arrives.
send NOOP
while reply; do case "$last" in "250 2.0.0 Ok"*) break;; esac; done
send "EHLO $TLSLAB_HELO"; reply || exit 3
for cmd in "MAIL FROM:<$TLSLAB_FROM>" "RCPT TO:<$TLSLAB_TO>" "DATA"; do
  send "$cmd"; reply || exit 3
  case "$code" in 2*|3*) ;; *) send QUIT; reply; exit 4;; esac
done
printf 'Subject: %s\\n\\n%s\\n.\\n' "$TLSLAB_SUBJECT" "$TLSLAB_BODY" >&"$in" 2>/dev/null; echo "C: <message>"
reply || exit 3
send QUIT; reply
exec {in}>&-
wait
`;

export function sClientCommand(spec: SenderSpec, envelope: MessageEnvelope, opensslBinary = 'openssl'): ClientCommand {
  const argv = ['bash', '-c', S_CLIENT_DRIVER, 's_client-driver', opensslBinary, 's_client', '-connect', `${envelope.server}:${envelope.port ?? 25}`];
  // Implicit TLS: the hello goes out at once, as from an SMTPS client (port 465, or pointed at a STARTTLS port).
  if (spec.starttls !== 'implicit') argv.push('-starttls', 'smtp');
  argv.push('-crlf', '-ign_eof', '-servername', envelope.server);
  for (const protocol of excludedProtocols(spec)) argv.push(S_CLIENT_FLAG[protocol]);
  if (spec.tls.ciphers) argv.push('-cipher', spec.tls.ciphers);
  if (spec.tls.ciphersuites) argv.push('-ciphersuites', spec.tls.ciphersuites);
  if (spec.tls.groups) argv.push('-groups', spec.tls.groups);
  if (spec.tls.fallbackScsv === true) argv.push('-fallback_scsv');
  const trustReceiver = spec.tls.verifyCertificate === true && spec.tls.trust === 'receiver';
  if (spec.tls.verifyCertificate === true) {
    argv.push('-verify_return_error');
    // -partial_chain: a certificate of the receiver's that a CA issued is trusted as it is, without that CA.
    if (trustReceiver) argv.push('-CAfile', TRUST_FILE, '-partial_chain');
    if (spec.tls.verifyHostname !== undefined) argv.push('-verify_hostname', spec.tls.verifyHostname);
    if (spec.tls.verifyAt !== undefined) argv.push('-attime', String(Math.floor(Date.parse(spec.tls.verifyAt) / 1000)));
  }
  if (trustReceiver && !envelope.receiverCertificates) {
    throw new LabError('LAB_SCENARIO_INVALID', `sender ${spec.name}: tls.trust is "receiver", but the receiver's certificates could not be read`);
  }
  return {
    argv,
    env: { ...(trustReceiver ? { TLSLAB_TRUST_PEM: envelope.receiverCertificates ?? '', TLSLAB_TRUST_FILE: TRUST_FILE } : {}), ...dialogueEnv(envelope) },
  };
}

/** The message and the dialogue's timeout, for the clients the lab drives through environment variables. */
function dialogueEnv(envelope: MessageEnvelope): Record<string, string> {
  return {
    TLSLAB_TIMEOUT: String(envelope.timeoutSeconds),
    TLSLAB_HELO: envelope.heloName,
    TLSLAB_FROM: envelope.from,
    TLSLAB_TO: envelope.to,
    TLSLAB_SUBJECT: envelope.subject,
    TLSLAB_BODY: envelope.body,
  };
}

/** Where the Java client's classes are (images/debian-java). */
const JAVA_CLASSPATH = '/usr/local/lib/tlslab/java';

/**
 * The lab's application clients, which take the same environment and print the same transcript: Java
 * (images/debian-java/SmtpClient.java), JSSE as JavaMail uses it, and Go (images/debian-go/smtp-client.go), crypto/tls
 * as Go mailers use it. Each keeps its runtime's defaults, or takes the protocols of [minProtocol, maxProtocol] (Java
 * re-enables them in the JDK's security properties where it disables them). Each verifies only with
 * `verifyCertificate`, against the system CA bundle or the receiver's certificates: Java checks the chain alone, as
 * JavaMail does, unless `verifyHostname` names a host; Go checks the chain and the server's name (or `verifyHostname`).
 */
export const APP_CLIENTS = {
  java: { argv: ['java', '-cp', JAVA_CLASSPATH, 'SmtpClient'], protocols: PROTOCOLS, runtime: 'the JDK\'s', toolchain: 'Java, such as debian-bookworm-java' },
  // Go has had no SSLv3 since 1.14.
  go: { argv: ['tlslab-go-smtp'], protocols: PROTOCOLS.filter((p) => p !== 'SSLv3'), runtime: 'Go\'s crypto/tls', toolchain: 'Go, such as debian-trixie-go' },
} as const;

export type AppClient = keyof typeof APP_CLIENTS;

export function isAppClient(client: string): client is AppClient {
  return Object.hasOwn(APP_CLIENTS, client);
}

export function appClientCommand(runtime: AppClient, spec: SenderSpec, envelope: MessageEnvelope): ClientCommand {
  const min = spec.tls.minProtocol;
  const max = spec.tls.maxProtocol;
  const protocols = min === undefined && max === undefined ? [] : APP_CLIENTS[runtime].protocols.filter((p) => !excludedProtocols(spec).includes(p));
  const verify = spec.tls.verifyCertificate === true;
  const trustReceiver = verify && spec.tls.trust === 'receiver';
  if (trustReceiver && !envelope.receiverCertificates) {
    throw new LabError('LAB_SCENARIO_INVALID', `sender ${spec.name}: tls.trust is "receiver", but the receiver's certificates could not be read`);
  }
  return {
    argv: [...APP_CLIENTS[runtime].argv],
    env: {
      TLSLAB_SERVER: envelope.server,
      TLSLAB_PORT: String(envelope.port ?? 25),
      TLSLAB_STARTTLS: spec.starttls,
      TLSLAB_PROTOCOLS: protocols.join(','),
      ...(verify ? { TLSLAB_VERIFY: '1' } : {}),
      ...(trustReceiver ? { TLSLAB_TRUST_PEM: envelope.receiverCertificates ?? '' } : {}),
      ...(verify && spec.tls.verifyHostname !== undefined ? { TLSLAB_VERIFY_HOSTNAME: spec.tls.verifyHostname } : {}),
      ...dialogueEnv(envelope),
    },
  };
}

/** The raw sender's script (raw-driver.sh): SMTP up to STARTTLS, then one misbehaviour. */
const RAW_DRIVER = readFileSync(path.join(import.meta.dirname, 'raw-driver.sh'), 'utf8');

/** `implicit`: misbehave at once, where a wrapper-mode server awaits a ClientHello, rather than after STARTTLS. */
export function rawCommand(action: RawAction, envelope: MessageEnvelope, implicit = false): ClientCommand {
  return {
    argv: ['bash', '-c', RAW_DRIVER, 'raw-driver'],
    env: {
      TLSLAB_SERVER: envelope.server,
      TLSLAB_PORT: String(envelope.port ?? 25),
      ...(implicit ? { TLSLAB_IMPLICIT: '1' } : {}),
      TLSLAB_TIMEOUT: String(envelope.timeoutSeconds),
      TLSLAB_HELO: envelope.heloName,
      TLSLAB_ACTION: action,
    },
  };
}
