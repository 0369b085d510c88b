const DIGITS = /^\d+$/;
const HEADER_END = /\]: /;

function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The syslog line a JSON log record stands for, or undefined when `line` is no such record:
 * - a record of `journalctl -o json`: `SECONDS.MICROS HOST IDENT[PID]: MESSAGE` (the stamp in epoch seconds, read as
 *   UTC), or the bare MESSAGE when the record names no identifier and pid;
 * - a record of Docker's json-file log (`{"log":"...\n","stream":"stdout","time":"..."}`): its line, after the
 *   record's time when the line has a header of its own, as `docker logs -t` would show it.
 */
export function syslogOfJsonLine(line: string): string | undefined {
  if (line.charCodeAt(0) !== 123) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const message = text(record, 'MESSAGE');
  if (message !== undefined) {
    const ident = text(record, 'SYSLOG_IDENTIFIER');
    const pid = text(record, 'SYSLOG_PID') ?? text(record, '_PID');
    if (ident === undefined || ident === '' || pid === undefined || !DIGITS.test(pid)) return message;
    const micros = text(record, '__REALTIME_TIMESTAMP');
    const stamp = micros !== undefined && DIGITS.test(micros) && micros.length === 16 ? `${micros.slice(0, 10)}.${micros.slice(10)} ` : '';
    const host = text(record, '_HOSTNAME');
    return `${stamp}${host === undefined || host === '' ? '' : `${host} `}${ident}[${pid}]: ${message}`;
  }
  const logged = text(record, 'log');
  if (logged === undefined) return undefined;
  const content = logged.endsWith('\n') ? logged.slice(0, logged.endsWith('\r\n') ? -2 : -1) : logged;
  const time = text(record, 'time');
  return time !== undefined && HEADER_END.test(content) ? `${time} ${content}` : content;
}

/** `line`, or the syslog line it holds when it is a JSON log record (see `syslogOfJsonLine`). */
export function asSyslogLine(line: string): string {
  return line.charCodeAt(0) === 123 ? syslogOfJsonLine(line) ?? line : line;
}
