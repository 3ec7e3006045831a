import { DateTime } from 'luxon';

/**
 * A wall time is a local date and time in some zone, held as the milliseconds the same digits would read in UTC
 * (2026-03-08T02:30 local is Date.UTC(2026, 2, 8, 2, 30)). Calendar steps on it never meet a zone; `zone.ts` is the
 * one place a wall time becomes an instant, and applies the DST policy there.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Searches and `at(...)` stay inside four-digit years, so a search that never matches still ends. */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

export type MonthInfo = Readonly<{ days: number; firstWeekday: number; startWall: number }>;

// Month facts come from luxon once per month and are kept: a search touches the same few months many times.
const months = new Map<number, MonthInfo>();

/** Days in the month, weekday of its 1st (0 = SUN ... 6 = SAT) and the wall time of its first midnight. */
export const monthInfo = (year: number, month: number): MonthInfo => {
  const key = year * 12 + month - 1;
  const known = months.get(key);
  if (known !== undefined) return known;
  const first = DateTime.utc(year, month, 1);
  const info: MonthInfo = {
    days: first.daysInMonth ?? 31,
    firstWeekday: first.weekday % 7,
    startWall: first.toMillis(),
  };
  months.set(key, info);
  return info;
};

export const wallOf = (year: number, month: number, day: number, hour: number, minute: number, second = 0): number =>
  monthInfo(year, month).startWall + (day - 1) * DAY + hour * HOUR + minute * MINUTE + second * 1000;

export type WallFields = Readonly<{
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}>;

export const wallFields = (wall: number): WallFields => {
  const { year, month, day, hour, minute, second, millisecond } = DateTime.fromMillis(wall, { zone: 'utc' });
  return { year, month, day, hour, minute, second, millisecond };
};
