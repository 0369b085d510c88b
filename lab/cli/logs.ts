import { parseArgs } from 'node:util';
import { LabError } from '../errors.ts';
import { analyzeLogs, SessionTracker, formatPeer, type AnalyzeReport, type ReadProgress, type Session, type LogHints } from '../logs/index.ts';
import { linesOf, skippedCopies, type SkippedCopy } from '../logs/analyze.ts';
import { postfixSeconds, starttlsTimeouts } from '../logs/hints.ts';
import { readingOrder } from '../logs/input-order.ts';
import { NOT_LOGGED, tlsNotLogged } from '../logs/classify.ts';
import { peerMatcher } from '../logs/peer-filter.ts';
import { sessionsOfUnattached, UnattachedWitness } from '../logs/unattached.ts';
import { parseTimeArgument, TIME_ARGUMENT_FORMS } from '../logs/time-argument.ts';
import { EXIT, type CliIo } from './io.ts';

const HELP = `Usage: tlslab logs <command> [options] [FILE...]

Read Postfix logs (2.6 to 3.10, any OpenSSL) and report TLS sessions. FILE may be gzip-compressed;
"-" or no FILE reads stdin.

Commands:
  analyze   per-peer TLS outcomes: attempts, protocols, ciphers, failures by class, plaintext deliveries
  parse     every session with its TLS result and, when it failed, the diagnosis and evidence

Options:
  --json                 print JSON instead of a table
  --since TIME           analyze: only sessions starting at or after TIME; lines without time pass.
                         TIME: ISO 8601 (2024-05-01T10:00:00Z; without a zone, local time like the
                         log's syslog stamps), a syslog stamp ("May  1 10:00", year as for --year),
                         a time before now (90m, 2h, 3d, 1w) or @SECONDS since the epoch
  --until TIME           analyze: only sessions starting at or before TIME
  --peer TEXT            only sessions whose peer name or address contains TEXT, or whose address is
                         in a network (192.0.2.0/24, 2001:db8::/32); alternatives separated by commas
  --failed               analyze: list only the peers with a failed session (the totals still count
                         every session); parse: only the failed sessions
  --top N                analyze: list only the N peers with the most attempts (after --failed)
  --year N               year of classic syslog stamps, which carry none (default: this year,
                         and last year for a date after tomorrow's)
  --postfix-version V    Postfix version, when the log does not say it
  --openssl-version V    OpenSSL version (e.g. 1.0.1e, 3.0.13); otherwise inferred from error formats
  --smtpd-starttls-timeout T, --smtp-starttls-timeout T
                         the server's values (e.g. 30s, 2m), when not the default 300s: Postfix 2.6-2.8
                         log a handshake's timeout as "-1", told by the time it took
  -h, --help             show this help
`;

const OPTIONS = {
  json: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  peer: { type: 'string' },
  failed: { type: 'boolean' },
  top: { type: 'string' },
  year: { type: 'string' },
  'postfix-version': { type: 'string' },
  'openssl-version': { type: 'string' },
  'smtpd-starttls-timeout': { type: 'string' },
  'smtp-starttls-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function write(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function parseTime(flag: string, value: string | undefined, year: number | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const time = parseTimeArgument(value, year === undefined ? {} : { year });
  if (time === undefined) throw new LabError('LAB_USAGE', `--${flag}: expected ${TIME_ARGUMENT_FORMS}; got "${value}"`);
  return time;
}

function parseYear(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}$/.test(value)) throw new LabError('LAB_USAGE', `--year: expected a four-digit year; got "${value}"`);
  return Number(value);
}

function parseTop(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new LabError('LAB_USAGE', `--top: expected a number of peers, 1 or more; got "${value}"`);
  return Number(value);
}

/** The report with only the peers to list (`--failed`, `--top`), and how many it leaves out. */
function listedPeers(report: AnalyzeReport, failedOnly: boolean, top: number | undefined): AnalyzeReport & { peersOmitted?: number } {
  const kept = failedOnly ? report.peers.filter((peer) => Object.keys(peer.failures).length > 0) : report.peers;
  const peers = top === undefined ? kept : kept.slice(0, top);
  const omitted = report.peers.length - peers.length;
  return omitted === 0 ? report : { ...report, peers, peersOmitted: omitted };
}

const MB = 1024 * 1024;

/**
 * A status line on a terminal's stderr while a log is read (`maillog: 42% of 1024 MB, 85 MB/s`), at most a few
 * times a second, erased at the end; nothing when stderr is not a terminal.
 */
function readingStatus(io: CliIo): { update(progress: ReadProgress): void; finish(): void } {
  if (io.stderr.isTTY !== true) return { update: () => undefined, finish: () => undefined };
  const started = performance.now();
  let shownAt = 0;
  let shown = false;
  return {
    update(progress) {
      const now = performance.now();
      if (now - shownAt < 250 || progress.done) return;
      shownAt = now;
      const name = progress.source === '-' ? 'stdin' : progress.source.slice(progress.source.lastIndexOf('/') + 1);
      const rate = progress.bytes / MB / Math.max(0.001, (now - started) / 1000);
      const megabytes = (bytes: number): string => (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0);
      const amount = progress.total === undefined || progress.total === 0
        ? `${megabytes(progress.bytes)} MB`
        : `${Math.floor((100 * progress.bytes) / progress.total)}% of ${megabytes(progress.total)} MB`;
      io.stderr.write(`\r\x1b[2Kreading ${name}: ${amount}, ${rate.toFixed(0)} MB/s`);
      shown = true;
    },
    finish() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

function counts(record: Record<string, number | undefined>): string {
  const entries = Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== undefined);
  return entries.length === 0 ? '-' : entries.sort((a, b) => b[1] - a[1]).map(([key, n]) => `${key}:${n}`).join(' ');
}

function readOrderNote(order: readonly string[]): string {
  return `Read oldest first, by each file's first time stamp: ${order.join(', ')}`;
}

function copyNote({ file, of }: SkippedCopy): string {
  return `Not read: ${file}, as ${of} holds its lines (rsyslog writes a warning to mail.log and to mail.warn): each counts once`;
}

/** Peers named in the note on those whose every attempt failed. */
const MAX_STUCK_LISTED = 10;

function analyzeTable(report: AnalyzeReport & { peersOmitted?: number }): string {
  const { stats, versions, sessions } = report;
  const out: string[] = [];
  const version = [versions.postfix === undefined ? undefined : `Postfix ${versions.postfix}`,
    versions.postfixRange === undefined ? undefined : `Postfix ${versions.postfixRange} (inferred)`,
    versions.openssl === undefined ? undefined : `OpenSSL ${versions.openssl} (inferred)`].filter((v) => v !== undefined);
  out.push(`${stats.lines} lines (${stats.events} events, ${stats.unrecognised} unrecognised Postfix lines, ${stats.foreign} foreign)`);
  if (stats.lines > 0 && stats.events === 0 && stats.unrecognised === 0) {
    out.push('No line is a Postfix log line: give the lines as the log has them (syslog, journalctl, RFC 3339 or RFC 5424 stamps, docker logs, ' +
      'JSON records), or at least their Postfix messages ("connect from ...", "warning: TLS library problem: ...").');
  }
  if (report.reversed !== undefined) out.push(`Read turned round, as it lists the newest line first: ${report.reversed.join(', ')}`);
  if (report.readOrder !== undefined) out.push(readOrderNote(report.readOrder));
  for (const copy of report.copies ?? []) out.push(copyNote(copy));
  if (version.length > 0) out.push(version.join(', '));
  out.push(`${sessions.total} sessions: ${sessions.tls} TLS, ${sessions.failed} failed, ${sessions.plaintext} plaintext deliveries`);
  if (sessions.total === 0 && stats.events > 0) {
    out.push('No line names a connection (connect, disconnect, a peer): `tlslab logs parse` diagnoses the TLS failures logged outside sessions, ' +
      'as an excerpt of only "warning: TLS library problem: ..." lines has them.');
  }
  out.push(`Protocols: ${counts(report.protocols)}`);
  out.push(`Ciphers:   ${counts(report.ciphers)}`);
  const unlogged = report.protocols[NOT_LOGGED];
  if (unlogged !== undefined) {
    out.push(`${unlogged} TLS session(s) logged no protocol or cipher: their STARTTLS succeeded by the command counters, and no ` +
      '"TLS connection established" line was logged, as at smtpd_tls_loglevel = 0 (the default). Set smtpd_tls_loglevel and ' +
      'smtp_tls_loglevel to 1 to see them; at 0 the smtp client\'s TLS deliveries count as plaintext here, as its log cannot tell them apart.');
  }
  const counters = Number.parseInt(versions.postfix ?? '', 10) >= 3 || /^>=\s*3/.test(versions.postfixRange ?? '');
  if (sessions.tls === 0 && sessions.plaintext > 0 && !counters) {
    out.push('No session logged a TLS handshake, and no line has the command counters of Postfix 3.0 and later that would show a ' +
      'STARTTLS: at smtpd_tls_loglevel = 0 (the default) sessions over TLS log nothing of it and count as plaintext here, as the ' +
      'smtp client\'s do at smtp_tls_loglevel = 0 in every version. Set both to 1 to log them.');
  }
  out.push('');
  const rows = [['PEER', 'NAME', 'ATTEMPTS', 'TLS', 'PROTOCOLS', 'FAILURES', 'PLAINTEXT', 'LAST SEEN']];
  for (const peer of report.peers) {
    rows.push([peer.peer, peer.names[0] ?? '', String(peer.attempts), String(peer.tlsSuccesses), counts(peer.protocols),
      counts(peer.failures), String(peer.plaintextDeliveries), peer.lastSeen ?? '-']);
  }
  out.push(table(rows));
  if (report.peersOmitted !== undefined) out.push(`${report.peersOmitted} more peer(s) not listed (--failed, --top)`);
  const stuck = report.peers.filter((peer) => peer.everyAttemptFailed === true);
  if (stuck.length > 0) {
    const named = (peer: (typeof stuck)[number]) => (peer.names[0] === undefined || peer.names[0] === 'unknown' || peer.names[0] === peer.peer ? peer.peer : `${peer.names[0]}[${peer.peer}]`);
    const listed = stuck.slice(0, MAX_STUCK_LISTED).map((peer) => `${named(peer)} (${peer.attempts} attempts)`).join(', ');
    out.push('', `Failed TLS on every attempt and delivered nothing: ${listed}${stuck.length > MAX_STUCK_LISTED ? ` and ${stuck.length - MAX_STUCK_LISTED} more` : ''}. ` +
      'A sender that does not fall back to plaintext (Sendmail by default, a Postfix that requires TLS) keeps such mail queued and ' +
      'retries until it expires, days later, as this server\'s own client does where it requires TLS of a destination; a scanner looks ' +
      'the same. A fix must serve these peers, not only the ones that fall back.');
  }
  const failures = Object.entries(report.failures);
  if (failures.length > 0) {
    out.push('', 'Failure classes:');
    for (const [cls, info] of failures) {
      if (info === undefined) continue;
      out.push(`  ${cls} (${info.count}): ${info.summary}`, `    why: ${info.explanation}`, `    fix: ${info.remedy}`);
      for (const line of info.example) out.push(`    | ${line}`);
    }
  }
  if (report.setUpWarnings.length > 0) {
    out.push('', 'TLS set-up warnings (smtpd and smtp about their own settings; they touch every session of their process):');
    for (const w of report.setUpWarnings) {
      const explained = failures.find(([, info]) => info?.summary === w.summary);
      out.push(explained === undefined
        ? [`  ${w.side} (${w.count}): ${w.summary}`, `    why: ${w.explanation}`, `    fix: ${w.remedy}`].join('\n')
        : `  ${w.side} (${w.count}): ${w.summary} (see ${explained[0]} above)`, `    | ${w.example}`);
    }
  }
  return out.join('\n');
}

function sessionText(session: Session): string {
  const where = `${session.service}[${session.pid}]${session.host === undefined ? '' : `@${session.host}`}`;
  const when = session.start ?? 'no time';
  // tlsproxy, on smtpd's side, also makes the smtp client's connections: its lines say `to` for those.
  const outward = session.side === 'smtp' || session.events.some((e) => (e.kind === 'tls-established' || e.kind === 'tls-setup') && e.direction === 'to');
  const head = `#${session.ordinal} ${when} ${where} ${outward ? 'to' : 'from'} ${formatPeer(session.peer)}`;
  let result: string;
  if (session.failure !== undefined) result = `FAILED ${session.failure.class}: ${session.failure.summary}`;
  else if (session.tls !== undefined) result = `TLS ${session.tls.protocol} ${session.tls.cipher} (${session.tls.trust})`;
  else if (tlsNotLogged(false, session.failure, session.commands)) result = 'TLS, protocol and cipher not logged (STARTTLS succeeded by the command counters)';
  else if (session.starttls) result = 'TLS attempted, no verdict';
  else result = 'plaintext';
  const lines = [`${head}: ${result}${session.queueIds.length > 0 ? ` queue ${session.queueIds.join(',')}` : ''}`];
  if (session.failure !== undefined) lines.push(...diagnosisLines(session.failure));
  return lines.join('\n');
}

function diagnosisLines(failure: NonNullable<Session['failure']>): string[] {
  return [`    why: ${failure.explanation}`, `    fix: ${failure.remedy}`, ...failure.evidence.map((line) => `    | ${line}`)];
}

function unattachedText(session: Session): string {
  const failure = session.failure as NonNullable<Session['failure']>;
  const peer = session.peer.name === '' && session.peer.addr === '' ? '' : ` ${session.side === 'smtp' ? 'to' : 'from'} ${formatPeer(session.peer)}`;
  return [`- ${session.service}[${session.pid}]${session.host === undefined ? '' : `@${session.host}`}${peer}: FAILED ${failure.class}: ${failure.summary}`,
    ...diagnosisLines(failure)].join('\n');
}

async function parseCommand(
  files: string[], io: CliIo, json: boolean, year: number | undefined, hints: LogHints, peer: string | undefined, failedOnly: boolean,
): Promise<number> {
  const tracker = new SessionTracker({ ...(year === undefined ? {} : { year }), hints });
  const matches = peer === undefined ? undefined : peerMatcher(peer);
  const keep = (session: Session): boolean =>
    (matches === undefined || matches(session.peer.name, session.peer.addr)) && (!failedOnly || session.failure !== undefined);
  let first = true;
  if (json) io.stdout.write('{"sessions":[');
  const witness = new UnattachedWitness();
  const emit = (sessions: Session[]): void => {
    for (const session of sessions) {
      witness.failed(session, tracker.unattachedErrors);
      if (!keep(session)) continue;
      if (json) {
        io.stdout.write(`${first ? '' : ','}\n${JSON.stringify(session)}`);
        first = false;
      } else write(io, sessionText(session));
    }
  };
  const reversed: string[] = [];
  const { order, changed: reordered, copies } = await readingOrder(files, year);
  for (const file of order) {
    if (copies.has(file)) continue;
    for await (const batch of linesOf(file, { stdin: io.stdin }, reversed)) {
      for (const line of batch) emit(tracker.push(line));
    }
  }
  emit(tracker.end());
  const unattached = sessionsOfUnattached(witness.standalone(tracker.unattachedErrors), tracker.versions, hints).filter(keep);
  if (json) {
    const reading = `${reversed.length > 0 ? `,"reversed":${JSON.stringify(reversed)}` : ''}${reordered ? `,"readOrder":${JSON.stringify(order)}` : ''}` +
      `${copies.size > 0 ? `,"copies":${JSON.stringify(skippedCopies(copies))}` : ''}`;
    write(io, `\n],"unattached":${JSON.stringify(unattached)},"stats":${JSON.stringify(tracker.stats)},"versions":${JSON.stringify(tracker.versions)}${reading}}`);
  } else {
    if (unattached.length > 0) {
      write(io, 'TLS failures outside every session (no line of theirs names the connection; an excerpt that left out the connect line, or a process\'s own set-up problem):');
      for (const session of unattached) write(io, unattachedText(session));
    }
    write(io, `${tracker.stats.lines} lines, ${tracker.stats.unrecognised} unrecognised, ${tracker.stats.foreign} foreign`);
    if (reversed.length > 0) write(io, `Read turned round, as it lists the newest line first: ${reversed.join(', ')}`);
    if (reordered) write(io, readOrderNote(order));
    for (const copy of skippedCopies(copies)) write(io, copyNote(copy));
  }
  return EXIT.ok;
}

/** `tlslab logs analyze|parse ...`; argv is everything after `logs`. */
export async function logsCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    io.stderr.write(`tlslab logs: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, ...files] = positionals;
  if (values.help === true || command === 'help') {
    write(io, HELP);
    return EXIT.ok;
  }
  if (command !== 'analyze' && command !== 'parse') {
    io.stderr.write(`tlslab logs: ${command === undefined ? 'missing command' : `unknown command "${command}"`}\n\n${HELP}`);
    return EXIT.usage;
  }
  const year = parseYear(values.year);
  const hints: LogHints = {};
  if (values['postfix-version'] !== undefined) hints.postfixVersion = values['postfix-version'];
  if (values['openssl-version'] !== undefined) hints.opensslVersion = values['openssl-version'];
  const timeouts = starttlsTimeouts((name) => {
    const flag = name.replaceAll('_', '-') as 'smtpd-starttls-timeout' | 'smtp-starttls-timeout';
    const value = values[flag];
    if (value !== undefined && Number.isNaN(postfixSeconds(value))) throw new LabError('LAB_USAGE', `--${flag}: expected a Postfix time such as 300s, 5m or 30; got "${value}"`);
    return value;
  });
  if (timeouts !== undefined) hints.starttlsTimeout = timeouts;
  const resolved = files.map((file) => (file === '-' || file.startsWith('/') ? file : `${io.cwd}/${file}`));
  try {
    if (command === 'parse') {
      if (values.top !== undefined) throw new LabError('LAB_USAGE', '--top applies to analyze, which lists peers; parse lists sessions');
      return await parseCommand(resolved, io, values.json === true, year, hints, values.peer, values.failed === true);
    }
    const since = parseTime('since', values.since, year);
    const until = parseTime('until', values.until, year);
    if (since !== undefined && until !== undefined && since > until) {
      throw new LabError('LAB_USAGE', `--since ${since.toISOString()} is after --until ${until.toISOString()}: no session could pass`);
    }
    const top = parseTop(values.top);
    const status = readingStatus(io);
    let report: AnalyzeReport;
    try {
      report = await analyzeLogs(resolved, {
        stdin: io.stdin, hints, onProgress: (progress) => status.update(progress),
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(values.peer === undefined ? {} : { peer: values.peer }),
        ...(year === undefined ? {} : { year }),
      });
    } finally {
      status.finish();
    }
    const listed = listedPeers(report, values.failed === true, top);
    write(io, values.json === true ? JSON.stringify(listed, null, 2) : analyzeTable(listed));
    return EXIT.ok;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'Z_DATA_ERROR') {
      throw new LabError('LAB_INPUT_INVALID', `cannot read log: ${(error as Error).message}`, { context: { files: resolved }, cause: error });
    }
    throw error;
  }
}
