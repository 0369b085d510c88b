import { bareMessageStart, BareLines, mayBeTableRow } from './bare-lines.ts';
import { parseEvent } from './events.ts';
import { asSyslogLine } from './json-lines.ts';
import { newHeaderScan, scanHeader, type HeaderScan } from './line-header.ts';

/** A wrapped log line is cut into at most this many pieces. */
const MAX_PIECES = 6;
/** Every piece but the last of a wrapped line is at least this long: wrapping cuts long lines. */
const MIN_PIECE = 30;

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', amp: '&', apos: "'", '#39': "'", nbsp: ' ' };

/**
 * A line copied from a web page's source keeps its HTML entities (`to=&lt;u@example.com&gt;`); one pasted into a
 * Markdown editor may come back with host names and addresses turned into links
 * (`[mail.example.com](http://mail.example.com/)[192.0.2.1]`), or with the part a report stresses in bold
 * (`...]: **warning: TLS library problem: ...**`). Postfix writes none of these.
 */
function unescaped(line: string): string {
  const decoded = line.includes('&') ? line.replace(/&(lt|gt|quot|amp|apos|#39|nbsp);/g, (_entity, name: string) => ENTITIES[name] ?? '') : line;
  const unlinked = decoded.includes('](') ? decoded.replace(/\[([^[\]\s()]+)\]\((?:https?:\/\/|mailto:)\1\/?\)/g, '$1') : decoded;
  return unlinked.includes('**') ? unlinked.replace(/\*\*(?=\S)([^*]+?)(?<=\S)\*\*/g, '$1') : unlinked;
}

const COLLAPSED_DAY = /\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]) (?=\d\d:\d\d:\d\d )/;

/**
 * Syslog pads a day below 10 with a space (`Feb  1 03:52:19`); a web page shows runs of spaces as one, and a line
 * copied from it comes back as `Feb 1 03:52:19`. The padding is given back when the line then has a header.
 */
function paddedDay(line: string, scan: HeaderScan): string {
  const match = COLLAPSED_DAY.exec(line);
  if (match === null || match.index > 64 || scanHeader(asSyslogLine(line), scan)) return line;
  const padded = `${line.slice(0, match.index)}${match[1]}  ${match[2]} ${line.slice(match.index + match[0].length)}`;
  return scanHeader(asSyslogLine(padded), scan) ? padded : line;
}

/**
 * What a report may put before a log line it quotes: comment marks of the script or config the line sits in
 * (`# `, `// `, `; `), a table's or a terminal box's bar (`| `), a list's bullet, and backticks; then perhaps a
 * string's opening quote (a test's or a program's literal: `"Jul 24 04:38:17 mail postfix/smtp[3]: ...",`).
 */
const DECORATION = /^[ \t]*(?:(?:#+|\/\/+|;+|\|+|[-*+•]|`+)[ \t]*)+(["']?)|^[ \t]*(["'])/;

/** The closing quote of a string literal, with what may follow it in a list or a call (`",`, `');`). */
const CLOSING_QUOTE: Readonly<Record<string, RegExp>> = { '"': /"[,;)\]]*\s*$/, "'": /'[,;)\]]*\s*$/ };

/** The line without the marks a report put around it (see `DECORATION`), or the line itself without any. */
function withoutDecoration(line: string): string {
  const match = DECORATION.exec(line);
  if (match === null) return line;
  let rest = line.slice(match[0].length);
  const quote = match[1] || match[2];
  if (quote !== undefined && quote !== '') {
    const close = CLOSING_QUOTE[quote]?.exec(rest);
    if (close) rest = rest.slice(0, close.index);
    // A double-quoted literal (JSON, Go, JavaScript) escapes its quotes, backslashes and, in JSON, slashes.
    if (quote === '"') rest = rest.replace(/\\(["\\/])/g, '$1');
  } else rest = rest.replace(/`+\s*$/, '');
  return rest;
}

/** Whether the line has a syslog header with a time stamp. */
function isStamped(line: string, scan: HeaderScan): boolean {
  return scanHeader(asSyslogLine(line), scan) && scan.tsKind !== 0;
}

/**
 * The line without a report's marks around it, when they keep it from reading as a log line (or its time stamp
 * from being read) and it reads as one without them; else the line as it is.
 */
function undecorated(line: string, scan: HeaderScan): string {
  const rest = withoutDecoration(line);
  if (rest === line || rest.trim() === '' || isStamped(line, scan)) return line;
  const padded = paddedDay(rest, scan);
  if (isStamped(padded, scan)) return padded;
  return !startsLine(line, scan) && startsLine(padded, scan) ? padded : line;
}

/** A time stamp (classic, with its day's padding or without, or RFC 3339) after a space, where a merged line may go on. */
const INNER_STAMP = /(?<= )(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)/g;
/**
 * A library error after a space (not after a header, nor inside rsyslog's `message repeated 2 times: [ ...]`): the
 * message that most often follows another on a merged line.
 */
const INNER_LIBRARY_PROBLEM = /(?<!\]: |\[ )(?<= )warning: TLS library problem: /g;

/**
 * A line that holds several log lines, as a web page shows lines that were pasted as prose (a paragraph joins
 * them with spaces): cut before each inner time stamp that starts a header, or, for lines without their headers,
 * before each `warning: TLS library problem:` that follows other text (not in a console's table row). Every piece
 * must read as a log line, the first one too when cut at stamps (prose before a library error stays prose).
 */
function splitMerged(line: string, scan: HeaderScan): string[] {
  if (line.length < 2 * MIN_PIECE) return [line];
  // Cuts go after the line's own header (for a relay's line, after the inner one).
  const messageStart = scanHeader(asSyslogLine(line), scan) ? scan.msgStart : bareMessageStart(line);
  const readable = (piece: string): boolean => startsLine(paddedDay(piece, scan), scan);
  for (const inner of [INNER_STAMP, INNER_LIBRARY_PROBLEM]) {
    const cuts = [...line.matchAll(inner)].map((match) => match.index).filter((at) => at > messageStart);
    if (cuts.length === 0) continue;
    const pieces = [0, ...cuts].map((start, i) => line.slice(start, cuts[i] ?? line.length).trimEnd());
    const first = pieces[0] as string;
    if (inner === INNER_LIBRARY_PROBLEM && (first.trim() === '' || mayBeTableRow(line))) continue;
    if (pieces.every((piece, i) => (i === 0 && inner === INNER_LIBRARY_PROBLEM) || readable(piece))) return pieces;
  }
  return [line];
}

/** Whether the line is a Postfix line with a known message, with a header or bare. */
function isEvent(line: string, scan: HeaderScan): boolean {
  const text = asSyslogLine(line);
  if (scanHeader(text, scan)) return scan.daemonStart >= 0 && parseEvent(text, scan.msgStart) !== undefined;
  return new BareLines().read(text, scan) !== undefined;
}

/** The end of a delivery line (`status=deferred (...)`, `(...)`): a message when alone, and a wrapped line's rest as well. */
const DELIVERY_END = /^\s*(?:status=|\()/;

/** Whether the line has a syslog header of its own or is a message the parser knows: then it starts a line. */
function startsLine(line: string, scan: HeaderScan): boolean {
  return scanHeader(asSyslogLine(line), scan) || (!DELIVERY_END.test(line) && isEvent(line, scan));
}

/**
 * Mend the lines of an excerpt: HTML entities that a copy from a web page kept are decoded, links a Markdown editor
 * made of host names and addresses are undone, a day's padding that a web page collapsed is given back, comment marks,
 * bars, bullets and string quotes that a report put around a line are taken off, a line that holds several is cut
 * into them, and lines that a mail client, a forum or a terminal wrapped at a fixed width are joined again
 * (`warning: cannot get RSA certificate fro` / `m file "/etc/...": disabli` / `ng TLS support`). A line that is no
 * known message (or, when the pieces show a fixed width, one that is), followed by lines that neither have a header
 * nor are messages themselves, is joined with them when the whole then reads as a known message: without a
 * separator (a cut inside a word), else with a space.
 */
export function unwrapLines(input: readonly string[]): string[] {
  const scan = newHeaderScan();
  const lines = input.map((line) => undecorated(paddedDay(unescaped(line), scan), scan)).flatMap((line) => splitMerged(line, scan).map((piece) => paddedDay(piece, scan)));
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let end = i + 1;
    if (line.length >= MIN_PIECE) {
      while (end < lines.length && end - i < MAX_PIECES && (lines[end] as string).trim() !== '' && !startsLine(lines[end] as string, scan) &&
        (lines[end - 1] as string).length >= MIN_PIECE) end++;
    }
    // A first piece that reads as a message on its own is joined only when the pieces show a fixed width.
    const pieces = lines.slice(i, end);
    const fixedWidth = pieces.length >= 3 && pieces.slice(0, -1).every((piece) => piece.length === line.length);
    if (pieces.length > 1 && (fixedWidth || !isEvent(line, scan))) {
      const joined = [pieces.join(''), pieces.map((piece) => piece.trim()).join(' ')].find((candidate) => isEvent(candidate, scan));
      if (joined !== undefined) {
        out.push(joined);
        i = end - 1;
        continue;
      }
    }
    out.push(line);
  }
  return out;
}
