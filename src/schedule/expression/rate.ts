import { InvalidInput } from '../../errors.js';
import { DAY, HOUR, MINUTE } from './calendar.js';
import type { RateSchedule, RateUnit } from './schedule.js';

/**
 * Rate intervals are fixed durations, as EventBridge Scheduler has them: `rate(1 day)` is 24 hours, so across a DST
 * change a daily rate moves an hour on the wall clock rather than stretching the day to 23 or 25 hours.
 */
export const rateInterval = (schedule: RateSchedule): number =>
  schedule.value * { minutes: MINUTE, hours: HOUR, days: DAY }[schedule.unit];

// Bounds the interval (a million days is some 2,700 years) so anchor + k * interval stays an exact integer.
const MAX_VALUE = 1_000_000;
const UNITS: Readonly<Record<string, RateUnit>> = {
  minute: 'minutes', minutes: 'minutes', hour: 'hours', hours: 'hours', day: 'days', days: 'days',
};

/** `rate(value unit)`: value a whole number from 1, unit singular for 1 and plural from 2 (`rate(1 hour)`). */
export const parseRate = (expression: string, inner: string): RateSchedule => {
  const text = inner.trim();
  const [value = '', unit = '', extra] = text.split(/\s+/);
  if (extra !== undefined || unit === '') {
    throw new InvalidInput('schedule.rate', text, 'a value and a unit, as in rate(5 minutes)');
  }
  if (!/^[1-9]\d*$/.test(value) || Number(value) > MAX_VALUE) {
    throw new InvalidInput('schedule.rate', text, `a positive whole number (at most ${MAX_VALUE}) and a unit`);
  }
  const plural = UNITS[unit];
  if (plural === undefined) throw new InvalidInput('schedule.rate', text, 'minute(s), hour(s) or day(s)');
  const amount = Number(value);
  const singular = plural.slice(0, -1);
  if (amount === 1 && unit !== singular) {
    throw new InvalidInput('schedule.rate', text, `1 ${singular} (singular for 1)`);
  }
  if (amount > 1 && unit !== plural) {
    throw new InvalidInput('schedule.rate', text, `${amount} ${plural} (plural from 2)`);
  }
  return { kind: 'rate', expression, value: amount, unit: plural };
};

/**
 * Runs of a rate schedule are anchor + k * interval for whole k >= 0: they never drift, however late they are
 * asked for. The anchor (the job's start) is itself the first run, so a job starting in the future fires first at
 * its start. Up to `count` runs strictly after `after`.
 */
export const rateRuns = (schedule: RateSchedule, anchor: number, after: number, count: number): number[] => {
  const interval = rateInterval(schedule);
  const first = after < anchor ? 0 : Math.floor((after - anchor) / interval) + 1;
  return Array.from({ length: Math.max(count, 0) }, (_, index) => anchor + (first + index) * interval);
};

/** True iff `instant` is one of the runs from `anchor`. */
export const rateMatches = (schedule: RateSchedule, anchor: number, instant: number): boolean =>
  instant >= anchor && (instant - anchor) % rateInterval(schedule) === 0;
