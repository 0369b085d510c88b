import { parseEvent } from './events.ts';
import { headerFromScan, newHeaderScan, scanHeader } from './line-header.ts';
import type { ParsedLine } from './types.ts';

/**
 * Split one log line into its syslog header and TLS event. Never throws: a line without a header has neither,
 * a Postfix line the parser does not know has a header and no event. Classic stamps get `year` (default: the
 * current year), since syslog omits it.
 */
export function parseLine(line: string, year = new Date().getFullYear()): ParsedLine {
  const scan = newHeaderScan();
  if (!scanHeader(line, scan)) return { raw: line };
  const parsed: ParsedLine = { raw: line, header: headerFromScan(line, scan, year), message: line.slice(scan.msgStart) };
  if (scan.daemonStart >= 0) {
    const event = parseEvent(line, scan.msgStart);
    if (event !== undefined) parsed.event = event;
  }
  return parsed;
}
