import { parseEvent } from './events.ts';
import { asSyslogLine } from './json-lines.ts';
import { headerFromScan, newHeaderScan, scanHeader, stampYear } from './line-header.ts';
import type { ParsedLine } from './types.ts';

/**
 * Split one log line into its syslog header and TLS event. Never throws: a line without a header has neither,
 * a Postfix line the parser does not know has a header and no event. Classic stamps get `year`, since syslog omits
 * it (default: this year, or last year for a date after tomorrow's, see `stampYear`). A JSON log record is read as
 * the line it holds.
 */
export function parseLine(raw: string, year?: number): ParsedLine {
  const scan = newHeaderScan();
  const stamps = stampYear(year);
  const line = asSyslogLine(raw);
  if (!scanHeader(line, scan)) return { raw };
  const parsed: ParsedLine = { raw, header: headerFromScan(line, scan, stamps.year, stamps.latestDay), message: line.slice(scan.msgStart) };
  if (scan.daemonStart >= 0) {
    const event = parseEvent(line, scan.msgStart);
    if (event !== undefined) parsed.event = event;
  }
  return parsed;
}
