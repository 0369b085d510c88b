/** Postfix TLS log parser: lines to events, events to sessions, sessions to diagnoses and reports. */
export { parseLine } from './parse-line.ts';
export { SessionTracker, readSessions, type SessionTrackerOptions, type SessionsRead } from './sessions.ts';
export { readLogLines, readLogBatches, type ReadLogOptions } from './read-lines.ts';
export { classify } from './classify.ts';
export { decodeOpensslError } from './openssl-error.ts';
export { analyzeLogs, LogAnalyzer, type AnalyzeOptions, type AnalyzeReport, type PeerReport, type FailureClassReport, type ReadProgress } from './analyze.ts';
export { formatPeer } from './peer.ts';
export type {
  TlsEvent,
  TlsEventKind,
  Session,
  Diagnosis,
  FailureClass,
  MessageFate,
  OpensslError,
  OpensslGeneration,
  InferredVersions,
  LineHeader,
  ParsedLine,
  Peer,
  TrackerStats,
  LogHints,
} from './types.ts';
