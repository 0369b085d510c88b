import { describe, expect, it } from 'vitest';
import { parseTimeArgument } from '../../../lab/logs/time-argument.ts';

const now = new Date(2024, 4, 10, 12, 0, 0);
const at = (text: string, year?: number) => parseTimeArgument(text, { now, ...(year === undefined ? {} : { year }) })?.getTime();

describe('parseTimeArgument', () => {
  it.each([
    ['2024-05-01T10:00:00Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T10:00:00.250Z', Date.UTC(2024, 4, 1, 10, 0, 0, 250)],
    ['2024-05-01T10:00:00+02:00', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00:00+0200', Date.UTC(2024, 4, 1, 8)],
    ['2024-05-01T10:00-05', Date.UTC(2024, 4, 1, 15)],
    // Without a zone: local time, as the log's classic stamps are read.
    ['2024-05-01 10:00', new Date(2024, 4, 1, 10).getTime()],
    ['2024-05-01', new Date(2024, 4, 1).getTime()],
    ['2024-02-29T23:59:60', new Date(2024, 1, 29, 23, 59, 60).getTime()],
  ])('ISO 8601 %s', (text, expected) => {
    expect(at(text)).toBe(expected);
  });

  it('reads a syslog stamp in the year the log\'s own stamps would have', () => {
    expect(at('May  1 10:00:00')).toBe(new Date(2024, 4, 1, 10).getTime());
    expect(at('may 1 10:00')).toBe(new Date(2024, 4, 1, 10).getTime());
    expect(at('Apr 23')).toBe(new Date(2024, 3, 23).getTime());
    // After tomorrow: last year's, unless --year says which.
    expect(at('Dec 24 18:00:00')).toBe(new Date(2023, 11, 24, 18).getTime());
    expect(at('Dec 24 18:00:00', 2022)).toBe(new Date(2022, 11, 24, 18).getTime());
    expect(at('Dec 24 2020 18:00:00')).toBe(new Date(2020, 11, 24, 18).getTime());
  });

  it('reads a time before now and seconds since the epoch', () => {
    expect(at('90m')).toBe(now.getTime() - 90 * 60_000);
    expect(at('2h')).toBe(now.getTime() - 2 * 3_600_000);
    expect(at('3d ago')).toBe(now.getTime() - 3 * 86_400_000);
    expect(at('1w')).toBe(now.getTime() - 7 * 86_400_000);
    expect(at('@1714557600')).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it.each(['Aug 23 19:00 yesterday', 'Aug 32 19:00', 'Foo 1 10:00', '2024-02-30', '2024-13-01T00:00:00Z', '2024-05-01T24:00', '2024-05-01T10:00:00+19:00', '2024-05-01T10:00:00+01:75', 'yesterday', '', '2h later', '1714557600'])(
    'refuses %j rather than guess',
    (text) => {
      expect(parseTimeArgument(text, { now })).toBeUndefined();
    },
  );
});
