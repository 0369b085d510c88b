import type { Expectation } from './schema.ts';
import type { MessageFate, Observed } from './outcome.ts';

/** What a container's toolchain says of itself, as opposed to what its file declares. */
export interface SelfReport {
  role: 'receiver' | 'sender' | 'destination';
  toolchain: string;
  image: string;
  declared: { postfix: string | null; tls: string };
  /** `postconf -dh mail_version`, when the image has Postfix. */
  mailVersion?: string;
  /** The TLS library Postfix's smtpd is actually linked against. */
  linkedTls?: string;
  linkedLibrary?: string;
  opensslCommand?: string;
  clientTls?: string;
  /** A sending MTA other than Postfix, e.g. "Exim 4.96", and the TLS library it runs. */
  mtaVersion?: string;
  mtaTls?: string;
  /** Protocol methods the openssl command offers (from `s_client -help`), e.g. SSLv3 … TLSv1.3. */
  protocols?: string[];
  /** How many suites `openssl ciphers 'ALL:COMPLEMENTOFALL[:@SECLEVEL=0]'` lists. */
  cipherCount?: number;
  /** Representative suite families present in that list, e.g. RC4, 3DES, DHE, ECDHE, AESGCM. */
  cipherClasses?: string[];
  /** Declared and reported versions disagree. */
  mismatches: string[];
}

export interface SenderResult {
  /** inbound: a sender delivering to the receiver; outbound: the receiver delivering to a destination. */
  direction: 'inbound' | 'outbound';
  name: string;
  description?: string;
  toolchain: string;
  client: string;
  delivery: 'client' | 'mta';
  profile?: string;
  /** The sending side's address: the sender's, or for outbound the receiver's. */
  address: string;
  /** outbound: the destination's address, which the receiver's smtp lines name. */
  peerAddress?: string;
  expect: Expectation;
  expected: string;
  observed: Observed;
  fate: MessageFate;
  /** For a real MTA: every attempt in order and how it ended. */
  path?: string;
  held: boolean;
  mismatch?: string;
  /** Release tarballs without a matching pinned checksum that this result's stacks were built from. */
  unverifiedSources?: string[];
  /** The receiver's log lines for this sender's sessions. */
  evidence: string[];
  /** The client's own transcript. */
  transcript: string;
  exitCode: number;
  durationMs: number;
}

export interface ScenarioTimings {
  imagesMs: number;
  receiverReadyMs: number;
  sendersMs: number;
  logsMs: number;
  teardownMs: number;
  totalMs: number;
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  file?: string;
  runId: string;
  passed: boolean;
  receiver: {
    toolchain: string;
    image: string;
    greeting?: string;
    /** Postfix's warnings about its own configuration, quoted as it printed them. */
    configWarnings: string[];
    log: string[];
  };
  senders: SenderResult[];
  /** The receiver, as the Postfix under test, sending to each destination. */
  outbound: SenderResult[];
  /** Expected configuration warnings that Postfix did not print. */
  missingWarnings: string[];
  /** What the lab changed to keep the run short, e.g. retry timers of sending MTAs. */
  notes: string[];
  selfReports: SelfReport[];
  timings: ScenarioTimings;
  /** Set when the scenario could not run to the end; its expectations then count as failed. */
  error?: { code: string; message: string };
}

export interface RunReport {
  runId: string;
  startedAt: string;
  passed: boolean;
  scenarios: ScenarioResult[];
}
