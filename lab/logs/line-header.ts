import type { LineHeader } from './types.ts';

/**
 * Where the parts of a syslog header sit in a line. The tracker reuses one instance for every line, so the hot
 * path never allocates for the header: it compares with `startsWith(x, offset)` instead of slicing.
 */
export interface HeaderScan {
  /**
   * 0: no timestamp, 1: classic `Mmm dd hh:mm:ss`, 2: RFC 3339, 3: `Www YYYY-MM-DD hh:mm:ss ZONE`
   * (`journalctl -o short-full`), 4: seconds since the epoch (`journalctl -o short-unix`), 5: classic with the
   * month named in another language (`journalctl` in a German or French locale: `Mär 08`, `janv. 07`).
   */
  tsKind: 0 | 1 | 2 | 3 | 4 | 5;
  tsStart: number;
  tsEnd: number;
  /** -1 when the line has no host. */
  hostStart: number;
  hostEnd: number;
  facStart: number;
  facEnd: number;
  progStart: number;
  /** Index of the `[` that opens the pid. */
  progEnd: number;
  /** Start of the daemon name after the last `/` of a Postfix program; -1 for other programs. */
  daemonStart: number;
  pid: number;
  msgStart: number;
}

export function newHeaderScan(): HeaderScan {
  return {
    tsKind: 0, tsStart: 0, tsEnd: 0, hostStart: -1, hostEnd: -1, facStart: -1, facEnd: -1,
    progStart: 0, progEnd: 0, daemonStart: -1, pid: 0, msgStart: 0,
  };
}

const SPACE = 32;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
export const FACILITY = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\.(?:emerg|alert|crit|err|error|warn|warning|notice|info|debug)$/;
/** A severity alone in the host's place (`%syslogseverity-text%` templates, as some containers log). */
export const SEVERITY = /^(?:emerg|alert|crit|err|error|warn|warning|notice|info|debug|EMERG|ALERT|CRIT|ERR|ERROR|WARN|WARNING|NOTICE|INFO|DEBUG)$/;
/** The longest severity word. */
export const MAX_SEVERITY = 7;

/** Whether a token of `length` characters starting with `code` may be a severity word: spares most host names the regex. */
export function maySeverity(code: number, length: number): boolean {
  if (length < 3 || length > MAX_SEVERITY) return false;
  const lower = code | 32;
  return lower === 97 || lower === 99 || lower === 100 || lower === 101 || lower === 105 || lower === 110 || lower === 119;
}

/** A header longer than this is not one: it saves scanning megabyte lines for `]: `. */
export const MAX_HEADER = 512;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `x`, `X`, `*`, `#` or `.`: what a pasted excerpt puts in place of a pid it hides (`postfix/smtp[xxxxx]: `). */
export function isRedactedPidChar(code: number): boolean {
  return code === 120 || code === 88 || code === 42 || code === 35 || code === 46;
}

/** Month number (1-12) of the three letters at `at`, or 0; compares codes so that no string is sliced. */
function monthAt(line: string, at: number): number {
  const a = line.charCodeAt(at);
  const b = line.charCodeAt(at + 1);
  const c = line.charCodeAt(at + 2);
  for (let m = 0; m < 12; m++) {
    if (MONTHS.charCodeAt(m * 3) === a && MONTHS.charCodeAt(m * 3 + 1) === b && MONTHS.charCodeAt(m * 3 + 2) === c) return m + 1;
  }
  return 0;
}

/** `Mmm dd hh:mm:ss` (day space-padded or zero-padded), checked by character codes. */
function classicStampAt(line: string, at: number): boolean {
  return line.length >= at + 15 &&
    line.charCodeAt(at + 3) === SPACE && line.charCodeAt(at + 6) === SPACE &&
    line.charCodeAt(at + 9) === 58 && line.charCodeAt(at + 12) === 58 &&
    isDigit(line.charCodeAt(at + 5)) && isDigit(line.charCodeAt(at + 7)) && isDigit(line.charCodeAt(at + 14)) &&
    monthAt(line, at) > 0;
}

/** End of a classic stamp at `at`: after `hh:mm:ss`, or after its fraction (`journalctl -o short-precise`). */
function classicStampEnd(line: string, at: number): number {
  let end = at + 15;
  if (line.charCodeAt(end) === 46 && isDigit(line.charCodeAt(end + 1))) {
    end += 2;
    while (isDigit(line.charCodeAt(end))) end++;
  }
  return end;
}

/**
 * Month abbreviations of other locales, lower case and without their dot: journald writes its short stamps with
 * `%b` of the system's locale, where rsyslog's files keep English. These are glibc's (`abmon`, and Russian's
 * `ab_alt_mon` too) for German, French (and its older `avr`), Spanish, Italian, Portuguese, Dutch, Swedish, Danish,
 * Norwegian, Finnish, Polish, Czech, Hungarian, Romanian, Turkish, Russian and Ukrainian; where locales share an
 * abbreviation they share its month.
 */
const LOCALE_MONTHS: ReadonlyMap<string, number> = new Map([
  // English in lower case (`mar` of Spanish, Italian and Portuguese; `dec` of Dutch), then the other names.
  ...Array.from({ length: 12 }, (_, m): [string, number] => [MONTHS.slice(m * 3, m * 3 + 3).toLowerCase(), m + 1]),
  ...([
    ['janv', 'ene', 'gen', 'tammi', 'sty', 'led', 'ian', 'oca', 'янв', 'січ'],
    ['févr', 'fev', 'helmi', 'lut', 'úno', 'febr', 'şub', 'фев', 'лют'],
    ['mär', 'mars', 'mrt', 'maalis', 'bře', 'márc', 'мар', 'бер'],
    ['avril', 'avr', 'abr', 'april', 'huhti', 'kwi', 'dub', 'ápr', 'nis', 'апр', 'кві'],
    ['mai', 'mag', 'mei', 'maj', 'touko', 'kvě', 'máj', 'мая', 'май', 'тра'],
    ['juin', 'giu', 'juni', 'kesä', 'cze', 'čen', 'jún', 'iun', 'haz', 'июн', 'чер'],
    ['juil', 'lug', 'juli', 'heinä', 'lip', 'čec', 'júl', 'iul', 'tem', 'июл', 'лип'],
    ['août', 'ago', 'elo', 'sie', 'srp', 'ağu', 'авг', 'сер'],
    ['sept', 'set', 'syys', 'wrz', 'zář', 'szept', 'eyl', 'сен', 'вер'],
    ['okt', 'ott', 'out', 'loka', 'paź', 'říj', 'eki', 'окт', 'жов'],
    ['marras', 'lis', 'kas', 'ноя', 'лис'],
    ['dez', 'déc', 'dic', 'des', 'joulu', 'gru', 'pro', 'ara', 'дек', 'гру'],
  ].flatMap((names, m) => names.map((name): [string, number] => [name, m + 1]))),
]);
const MAX_LOCALE_MONTH = 6;

/** A letter of a month name: ASCII, Latin-1 (`ä`, `é`), Latin Extended-A (`ř`, `ź`, `ş`) or Cyrillic. */
function isMonthLetter(code: number): boolean {
  const lower = code | 32;
  return (lower >= 97 && lower <= 122) || (code >= 0xc0 && code <= 0x17f && code !== 0xd7 && code !== 0xf7) || (code >= 0x400 && code <= 0x4ff);
}

/** Month (1-12) of a `LOCALE_MONTHS` name at `at`, and the index after it and its dot; undefined for none. */
function localeMonthAt(line: string, at: number): { month: number; end: number } | undefined {
  let end = at;
  while (end - at <= MAX_LOCALE_MONTH && isMonthLetter(line.charCodeAt(end))) end++;
  if (end - at < 3 || end - at > MAX_LOCALE_MONTH) return undefined;
  const month = LOCALE_MONTHS.get(line.slice(at, end).toLowerCase());
  if (month === undefined) return undefined;
  return { month, end: line.charCodeAt(end) === 46 ? end + 1 : end };
}

/** Index of `dd hh:mm:ss` after a `LOCALE_MONTHS` name and one space at `at`, or -1. */
function localeStampDayAt(line: string, at: number): number {
  const name = localeMonthAt(line, at);
  if (name === undefined || line.charCodeAt(name.end) !== SPACE) return -1;
  const day = name.end + 1;
  const first = line.charCodeAt(day);
  return (first === SPACE || isDigit(first)) && isDigit(line.charCodeAt(day + 1)) && line.charCodeAt(day + 2) === SPACE &&
    isDigit(line.charCodeAt(day + 3)) && line.charCodeAt(day + 5) === 58 && line.charCodeAt(day + 8) === 58 && isDigit(line.charCodeAt(day + 10))
    ? day
    : -1;
}

/** End of a localized classic stamp at `at` (after its time, or its fraction). */
function localeStampEnd(line: string, at: number): number {
  return classicStampEnd(line, localeStampDayAt(line, at) - 4);
}

/** `YYYY-MM-DDThh:mm:ss...` up to the next space. */
function rfc3339StampAt(line: string, at: number): boolean {
  const sep = line.charCodeAt(at + 10);
  return isDigit(line.charCodeAt(at)) && isDigit(line.charCodeAt(at + 3)) && line.charCodeAt(at + 4) === 45 &&
    line.charCodeAt(at + 7) === 45 && (sep === 84 || sep === SPACE) && line.charCodeAt(at + 13) === 58;
}

const WEEKDAYS = 'MonTueWedThuFriSatSun';

/** `Www YYYY-MM-DD hh:mm:ss ZONE` (`journalctl -o short-full`): a weekday, a date and time, a zone word. */
function fullStampAt(line: string, at: number): boolean {
  if (line.charCodeAt(at + 3) !== SPACE || line.charCodeAt(at + 14) !== SPACE || line.charCodeAt(at + 23) !== SPACE) return false;
  const day = line.slice(at, at + 3);
  return WEEKDAYS.includes(day) && WEEKDAYS.indexOf(day) % 3 === 0 && rfc3339StampAt(line, at + 4) &&
    line.charCodeAt(at + 20) === 58 && isDigit(line.charCodeAt(at + 22)) && line.charCodeAt(at + 24) !== SPACE && at + 24 < line.length;
}

/** End of a short-full stamp: after its zone word. */
function fullStampEnd(line: string, at: number): number {
  const space = line.indexOf(' ', at + 24);
  return space < 0 ? line.length : space;
}

/** Ten digits of epoch seconds, an optional fraction, then a space (`journalctl -o short-unix`). */
function epochStampAt(line: string, at: number): boolean {
  for (let i = at; i < at + 10; i++) if (!isDigit(line.charCodeAt(i))) return false;
  return line.charCodeAt(at + 10) === SPACE || (line.charCodeAt(at + 10) === 46 && isDigit(line.charCodeAt(at + 11)));
}

function epochStampEnd(line: string, at: number): number {
  let end = at + 10;
  if (line.charCodeAt(end) === 46) {
    end++;
    while (isDigit(line.charCodeAt(end))) end++;
  }
  return end;
}

/** The kind of stamp at `at` (see `HeaderScan.tsKind`), 0 for none. */
export function stampKindAt(line: string, at: number): HeaderScan['tsKind'] {
  if (classicStampAt(line, at)) return 1;
  if (rfc3339StampAt(line, at)) return 2;
  if (fullStampAt(line, at)) return 3;
  if (epochStampAt(line, at)) return 4;
  return localeStampDayAt(line, at) >= 0 ? 5 : 0;
}

/** Index just after `<PRI>1 ` when the line is RFC 5424 syslog, else -1. */
export function rfc5424Start(line: string): number {
  if (line.charCodeAt(0) !== 60) return -1;
  const close = line.indexOf('>');
  if (close < 2 || close > 4) return -1;
  for (let i = 1; i < close; i++) if (!isDigit(line.charCodeAt(i))) return -1;
  return line.charCodeAt(close + 1) === 49 && line.charCodeAt(close + 2) === SPACE ? close + 3 : -1;
}

/**
 * `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG` (RFC 5424, as rsyslog and syslog-ng forward it); `-` marks an
 * empty field. The program is APP, the pid PROCID (0 when it is not a number).
 */
function scanRfc5424(line: string, from: number, out: HeaderScan): boolean {
  const fields: number[] = [];
  let at = from;
  for (let k = 0; k < 5; k++) {
    const space = line.indexOf(' ', at);
    if (space < 0) return false;
    fields.push(at, space);
    at = space + 1;
  }
  const [tsStart = 0, tsEnd = 0, hostStart = 0, hostEnd = 0, progStart = 0, progEnd = 0, pidStart = 0, pidEnd = 0] = fields;
  if (progEnd - progStart < 1 || line.startsWith('- ', progStart)) return false;
  // Structured data: `-`, or `[...]` elements up to the next space outside brackets.
  let msgStart: number;
  if (line.charCodeAt(at) === 45) msgStart = at + 2;
  else {
    if (line.charCodeAt(at) !== 91) return false;
    let i = at;
    while (i < line.length && line.charCodeAt(i) === 91) {
      const close = line.indexOf(']', i);
      if (close < 0) return false;
      i = close + 1;
    }
    msgStart = i + 1;
  }
  if (line.charCodeAt(msgStart) === 0xfeff) msgStart++;
  out.tsKind = 0;
  out.tsStart = tsStart;
  out.tsEnd = tsStart;
  if (rfc3339StampAt(line, tsStart)) {
    out.tsKind = 2;
    out.tsEnd = tsEnd;
  }
  const hasHost = !(hostEnd - hostStart === 1 && line.charCodeAt(hostStart) === 45);
  out.hostStart = hasHost ? hostStart : -1;
  out.hostEnd = hasHost ? hostEnd : -1;
  out.facStart = -1;
  out.facEnd = -1;
  out.progStart = progStart;
  out.progEnd = progEnd;
  let pid = 0;
  for (let i = pidStart; i < pidEnd; i++) {
    const c = line.charCodeAt(i);
    if (!isDigit(c)) {
      pid = 0;
      break;
    }
    pid = pid * 10 + (c - 48);
  }
  out.pid = pid;
  out.msgStart = Math.min(msgStart, line.length);
  out.daemonStart = daemonStartOf(line, progStart, progEnd);
  return true;
}

/** The programs of Postfix, as the last part of the names its processes log under. */
export const POSTFIX_DAEMONS: ReadonlySet<string> = new Set([
  'smtpd', 'smtp', 'lmtp', 'tlsproxy', 'postscreen', 'dnsblog', 'qmgr', 'oqmgr', 'cleanup', 'pickup', 'local', 'virtual', 'pipe',
  'error', 'retry', 'discard', 'bounce', 'defer', 'trace', 'anvil', 'scache', 'tlsmgr', 'verify', 'proxymap', 'proxywrite',
  'master', 'showq', 'flush', 'spawn', 'postdrop', 'sendmail', 'postqueue', 'postsuper', 'postlog', 'postmap', 'postalias',
]);

/**
 * Where the daemon's name starts in the program `line[progStart, progEnd)`, or -1 when the program is not Postfix:
 * `postfix/smtpd`, `postfix-out/smtp`, and any other `syslog_name` before a Postfix program (`example.com/smtp`).
 */
export function daemonStartOf(line: string, progStart: number, progEnd: number): number {
  const slash = line.lastIndexOf('/', progEnd - 1);
  if (slash < progStart) return -1;
  if (line.startsWith('postfix', progStart)) return slash + 1;
  return POSTFIX_DAEMONS.has(line.slice(slash + 1, progEnd)) ? slash + 1 : -1;
}

/** No stamp, host or facility, the header's parts starting at `at`: the state `scanHeader` fills in. */
export function clearHeaderAt(out: HeaderScan, at: number): void {
  out.tsKind = 0;
  out.tsStart = at;
  out.tsEnd = at;
  out.hostStart = -1;
  out.hostEnd = -1;
  out.facStart = -1;
  out.facEnd = -1;
}

/** A container's name as `docker compose logs` puts it before each line: letters, digits, `_`, `.`, `-`. */
export function isServiceNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || isDigit(code) || code === 95 || code === 46 || code === 45;
}

/**
 * Where a line starts after its indent and the `> ` marks of a quote (Markdown, e-mail), which reports put before
 * the log lines they quote; no syslog line starts with `>`.
 */
export function afterQuote(line: string, at: number): number {
  let i = at;
  for (let c = line.charCodeAt(i); c === SPACE || c === 62; c = line.charCodeAt(i)) i++;
  return i;
}

/** The longest service name taken for `docker compose logs`' prefix; a longer word is not one. */
export const MAX_SERVICE_PREFIX = 64;

/** Where the line starts after `docker compose logs`' `service-1  | ` prefix, or `at` when it has none. */
export function afterComposePrefix(line: string, at: number): number {
  let i = at;
  while (i - at <= MAX_SERVICE_PREFIX && isServiceNameChar(line.charCodeAt(i))) i++;
  if (i === at || i - at > MAX_SERVICE_PREFIX || line.charCodeAt(i) !== SPACE) return at;
  while (line.charCodeAt(i) === SPACE) i++;
  if (line.charCodeAt(i) !== 124 || line.charCodeAt(i + 1) !== SPACE) return at;
  i += 2;
  while (line.charCodeAt(i) === SPACE) i++;
  return i;
}

/**
 * Find the syslog header of `line` and fill `out`. Returns false when the line has no `program[pid]: ` header
 * in a recognised position, which the tracker counts as foreign.
 */
export function scanHeader(line: string, out: HeaderScan): boolean {
  const rfc5424 = rfc5424Start(line);
  if (rfc5424 >= 0) return scanRfc5424(line, rfc5424, out);
  let at = 0;
  if (line.charCodeAt(0) === 60) {
    // An RFC 3164 `<PRI>` prefix survives in some raw captures.
    const close = line.indexOf('>');
    if (close < 0 || close > 5) return false;
    at = close + 1;
  }
  if (!scanSyslogHeader(line, at, out)) return false;
  if (stampKindAt(line, afterComposePrefix(line, out.msgStart)) === 0) return true;
  // A relay's line around a container's own: `... mailu-smtp[840]: Aug 26 08:06:18 mail postfix/smtp[381]: ...`, or
  // a line logged twice over (`mail | ... smtpd[5]: mail | ... smtpd[5]: connect from ...`). No Postfix message
  // starts with a time stamp: the inner header is the one Postfix wrote; without one, the outer header stands.
  Object.assign(OUTER, out);
  if (scanSyslogHeader(line, out.msgStart, out) && out.daemonStart >= 0) return true;
  Object.assign(out, OUTER);
  return true;
}

/** A pid hidden by the excerpt's author: its lines share pid 0, as if they were one process's. */
function redactedPid(line: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isRedactedPidChar(line.charCodeAt(i))) return false;
  return true;
}

/** Scratch for the outer header of a nested line (see `scanHeader`). */
const OUTER = newHeaderScan();

/** `scanHeader` for a syslog (RFC 3164-like) header from index `from`. */
function scanSyslogHeader(line: string, from: number, out: HeaderScan): boolean {
  let at = afterQuote(line, from);
  at = afterComposePrefix(line, at);

  const end = line.indexOf(']: ', at);
  if (end < 0 || end - at > MAX_HEADER) return false;
  const open = line.lastIndexOf('[', end);
  if (open < at || open === end - 1) return false;
  let pid = 0;
  for (let i = open + 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (!isDigit(c)) {
      if (!redactedPid(line, open + 1, end)) return false;
      pid = 0;
      break;
    }
    pid = pid * 10 + (c - 48);
  }
  const progStart = line.lastIndexOf(' ', open) + 1;
  if (progStart < at || progStart === open) return false;

  clearHeaderAt(out, at);
  let cursor = at;
  if (progStart > at) {
    let kind = stampKindAt(line, at);
    if (kind === 0) {
      // `grep -H` / `zgrep` over several files puts `file:` before the stamp.
      const colon = line.indexOf(':', at);
      const space = line.indexOf(' ', at);
      if (colon > at && colon < progStart && (space < 0 || colon < space)) {
        kind = stampKindAt(line, colon + 1);
        if (kind !== 0) {
          at = colon + 1;
          out.tsStart = at;
          out.tsEnd = at;
        }
      }
    }
    if (kind === 1 || kind === 5) {
      out.tsKind = kind;
      out.tsEnd = kind === 1 ? classicStampEnd(line, at) : localeStampEnd(line, at);
    } else if (kind === 2) {
      // Searching from the time part also covers `2024-05-01 10:00:00`, whose date and time a space separates.
      const stampEnd = line.indexOf(' ', at + 11);
      if (stampEnd < 0 || stampEnd >= progStart) return false;
      out.tsKind = 2;
      out.tsEnd = stampEnd;
    } else if (kind !== 0) {
      const stampEnd = kind === 3 ? fullStampEnd(line, at) : epochStampEnd(line, at);
      if (stampEnd >= progStart) return false;
      out.tsKind = kind;
      out.tsEnd = stampEnd;
    }
    cursor = out.tsEnd;
    if (out.tsKind === 2) {
      // `docker logs -t` / `kubectl logs --timestamps` put their own stamp before the line's: the first one counts.
      const next = cursor + 1;
      if (classicStampAt(line, next)) cursor = classicStampEnd(line, next);
      else if (rfc3339StampAt(line, next)) {
        const innerEnd = line.indexOf(' ', next + 11);
        if (innerEnd > 0 && innerEnd < progStart) cursor = innerEnd;
      }
    }
    if (out.tsKind !== 0) {
      // socklog writes `facility.severity: ` and the message as /dev/log got it, with its own stamp and no host; the
      // logger (svlogd, s6-log) puts its stamp first, which counts.
      let token = cursor;
      while (line.charCodeAt(token) === SPACE) token++;
      // The token ends in `:` before its space, within the length of the longest facility.severity.
      const colon = line.indexOf(' ', token) - 1;
      if (colon > token && colon - token <= 16 && colon < progStart && line.charCodeAt(colon) === 58 && FACILITY.test(line.slice(token, colon))) {
        let next = colon + 2;
        while (line.charCodeAt(next) === SPACE) next++;
        if (classicStampAt(line, next)) {
          out.facStart = token;
          out.facEnd = colon;
          cursor = classicStampEnd(line, next);
        }
      }
    }
    // At most two tokens remain: host and facility.severity, either may be missing.
    let firstStart = -1;
    let firstEnd = -1;
    let secondStart = -1;
    let secondEnd = -1;
    while (cursor < progStart) {
      while (cursor < progStart && line.charCodeAt(cursor) === SPACE) cursor++;
      if (cursor >= progStart) break;
      const tokenEnd = line.indexOf(' ', cursor);
      const stop = tokenEnd < 0 || tokenEnd > progStart ? progStart : tokenEnd;
      if (firstStart < 0) {
        firstStart = cursor;
        firstEnd = stop;
      } else if (secondStart < 0) {
        secondStart = cursor;
        secondEnd = stop;
      } else return false;
      cursor = stop;
    }
    if (secondStart >= 0) {
      out.hostStart = firstStart;
      out.hostEnd = firstEnd;
      out.facStart = secondStart;
      out.facEnd = secondEnd;
    } else if (firstStart >= 0) {
      // Only a dotted token can be `facility.severity`; the cheap checks spare the regexes for plain host names.
      const dot = line.indexOf('.', firstStart);
      const length = firstEnd - firstStart;
      if ((dot > firstStart && dot < firstEnd && length <= 16 && FACILITY.test(line.slice(firstStart, firstEnd))) ||
        (maySeverity(line.charCodeAt(firstStart), length) && SEVERITY.test(line.slice(firstStart, firstEnd)))) {
        out.facStart = firstStart;
        out.facEnd = firstEnd;
      } else {
        out.hostStart = firstStart;
        out.hostEnd = firstEnd;
      }
    }
  }

  out.progStart = progStart;
  out.progEnd = open;
  out.pid = pid;
  out.msgStart = end + 3;
  out.daemonStart = daemonStartOf(line, progStart, open);
  return true;
}

/** `latestDay` when every month and day can be of the given year. */
export const ANY_DAY = 1232;

/**
 * The year of classic stamps, which carry none: the given one, or this year. Without a given year, a stamp later than
 * tomorrow (`latestDay`, as month * 100 + day) cannot be of this year and is last year's: a log read in January
 * holds December's lines.
 */
export function stampYear(year?: number, now = new Date()): { year: number; latestDay: number } {
  if (year !== undefined) return { year, latestDay: ANY_DAY };
  const tomorrow = new Date(now.getTime() + 86_400_000);
  if (tomorrow.getFullYear() !== now.getFullYear()) return { year: now.getFullYear(), latestDay: ANY_DAY };
  return { year: now.getFullYear(), latestDay: (tomorrow.getMonth() + 1) * 100 + tomorrow.getDate() };
}

/**
 * Turn the raw stamp of a scan into ISO 8601; classic stamps get `year` (the year before for a month and day after
 * `latestDay`, see `stampYear`) and stay zone-less (local time).
 */
export function isoTimestamp(line: string, scan: HeaderScan, year: number, latestDay = ANY_DAY): string | undefined {
  if (scan.tsKind === 0) return undefined;
  if (scan.tsKind === 2) {
    const raw = line.slice(scan.tsStart, scan.tsEnd);
    return raw.charCodeAt(10) === SPACE ? `${raw.slice(0, 10)}T${raw.slice(11)}` : raw;
  }
  if (scan.tsKind === 3) {
    // The zone is a name (CEST, EST...) that maps to no fixed offset, so the time stays local like a classic stamp;
    // UTC is the exception.
    const at = scan.tsStart;
    const zone = line.slice(at + 24, scan.tsEnd);
    return `${line.slice(at + 4, at + 14)}T${line.slice(at + 15, at + 23)}${zone === 'UTC' || zone === 'GMT' ? 'Z' : ''}`;
  }
  if (scan.tsKind === 4) {
    const seconds = Number(line.slice(scan.tsStart, scan.tsStart + 10));
    const fraction = line.slice(scan.tsStart + 10, scan.tsEnd);
    return `${new Date(seconds * 1000).toISOString().slice(0, 19)}${fraction}Z`;
  }
  // Classic: the day and time follow the month name and a space (four characters on for an English name).
  const name = scan.tsKind === 5 ? localeMonthAt(line, scan.tsStart) : undefined;
  const dayAt = name === undefined ? scan.tsStart + 4 : name.end + 1;
  const month = name === undefined ? monthAt(line, scan.tsStart) : name.month;
  const dayTens = line.charCodeAt(dayAt);
  const day = `${dayTens === SPACE ? '0' : String.fromCharCode(dayTens)}${line.charAt(dayAt + 1)}`;
  const yearOfStamp = month * 100 + Number(day) > latestDay ? year - 1 : year;
  return `${yearOfStamp}-${month < 10 ? '0' : ''}${month}-${day}T${line.slice(dayAt + 3, scan.tsEnd)}`;
}

/** Build the public header object from a scan. */
export function headerFromScan(line: string, scan: HeaderScan, year: number, latestDay = ANY_DAY): LineHeader {
  const program = line.slice(scan.progStart, scan.progEnd);
  const header: LineHeader = { program, pid: scan.pid, postfix: scan.daemonStart >= 0 };
  const timestamp = isoTimestamp(line, scan, year, latestDay);
  if (timestamp !== undefined) header.timestamp = timestamp;
  if (scan.hostStart >= 0) header.host = line.slice(scan.hostStart, scan.hostEnd);
  if (scan.facStart >= 0) header.facility = line.slice(scan.facStart, scan.facEnd);
  if (scan.daemonStart >= 0) header.daemon = line.slice(scan.daemonStart, scan.progEnd);
  return header;
}
