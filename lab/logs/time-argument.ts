import { ANY_DAY, stampYear } from './line-header.ts';

/** The forms `parseTimeArgument` takes, for a usage error. */
export const TIME_ARGUMENT_FORMS = 'an ISO 8601 time (2024-05-01T10:00:00Z, 2024-05-01 10:00, 2024-05-01), a syslog stamp (May  1 10:00:00), ' +
  'a time before now (90m, 2h, 3d, 1w) or @SECONDS since the epoch';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const SYSLOG = /^([a-z]{3})\s+(\d{1,2})(?:\s+(\d{4}))?(?:\s+(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/i;
const BEFORE_NOW = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)(?:\s+ago)?$/i;
const EPOCH = /^@(\d+(?:\.\d+)?)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export interface TimeArgumentOptions {
  /** The year of a syslog stamp without one, as `--year` gives it for the log's stamps. */
  year?: number;
  now?: Date;
}

/** Whether the date and time exist: no 31 April, no 25:00 (a leap second passes). */
function validParts(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function milliseconds(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
}

/**
 * A time an admin gives to filter a log by, read the way the log's own stamps are read: an ISO 8601 time with a
 * zone is that instant; one without (and a syslog stamp) is local time, as classic syslog stamps are. A syslog
 * stamp without a year takes `year`, else this year (last year for a date after tomorrow, as for the log's
 * stamps). Undefined for any other text, rather than a guess: `Date.parse("Aug 23 19:00")` is in 2001.
 */
export function parseTimeArgument(text: string, options: TimeArgumentOptions = {}): Date | undefined {
  const value = text.trim();
  const now = options.now ?? new Date();
  const before = BEFORE_NOW.exec(value);
  if (before !== null) return new Date(now.getTime() - Number(before[1]) * (UNIT_MS[(before[2] as string).toLowerCase()] as number));
  const epoch = EPOCH.exec(value);
  if (epoch !== null) return new Date(Number(epoch[1]) * 1000);

  let year: number;
  let month: number;
  let day: number;
  let time: (string | undefined)[];
  let zone: string | undefined;
  const iso = ISO.exec(value);
  if (iso !== null) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    time = iso.slice(4, 8);
    zone = iso[8];
  } else {
    const stamp = SYSLOG.exec(value);
    const monthIndex = stamp === null ? -1 : MONTHS.indexOf((stamp[1] as string).toLowerCase());
    if (stamp === null || monthIndex < 0) return undefined;
    month = monthIndex + 1;
    day = Number(stamp[2]);
    if (stamp[3] !== undefined) year = Number(stamp[3]);
    else {
      const rule = stampYear(options.year, now);
      year = rule.latestDay !== ANY_DAY && month * 100 + day > rule.latestDay ? rule.year - 1 : rule.year;
    }
    time = stamp.slice(4, 8);
  }
  const [hour, minute, second] = time.slice(0, 3).map((part) => (part === undefined ? 0 : Number(part))) as [number, number, number];
  if (!validParts(year, month, day, hour, minute, second)) return undefined;
  const ms = milliseconds(time[3]);
  if (zone === undefined) return new Date(year, month - 1, day, hour, minute, second, ms);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (zone.toUpperCase() === 'Z') return new Date(utc);
  const digits = zone.replace(':', '');
  const minutes = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
  const offset = Number(digits.slice(1, 3)) * 60 + minutes;
  if (minutes > 59 || offset > 18 * 60) return undefined;
  return new Date(utc - (zone.startsWith('-') ? -offset : offset) * 60_000);
}
