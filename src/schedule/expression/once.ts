import { DateTime } from 'luxon';
import { InvalidInput } from '../../errors.js';
import { wallOf } from './calendar.js';
import type { OnceSchedule } from './schedule.js';
import { instantOf, type TimeZone } from './zone.js';

const AT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** `at(yyyy-mm-ddThh:mm:ss)`: one local date and time, read in the job's zone. It must exist on the calendar. */
export const parseOnce = (expression: string, inner: string): OnceSchedule => {
  const text = inner.trim();
  const match = AT.exec(text);
  const [year, month, day, hour, minute, second] = (match?.slice(1) ?? []).map(Number);
  // luxon refuses February 30th but reads 24:00:00 as the next midnight, so the fields must read back as written.
  const written = { year, month, day, hour, minute, second };
  const read = match === null ? null : DateTime.fromObject(written, { zone: 'utc' });
  const valid =
    read !== null &&
    read.isValid &&
    [read.year, read.month, read.day, read.hour, read.minute, read.second].join() === Object.values(written).join();
  if (!valid) throw new InvalidInput('schedule.at', text, 'a calendar date and time yyyy-mm-ddThh:mm:ss');
  return { kind: 'once', expression, at: text };
};

/**
 * The instant the schedule fires in `zone`, or null if never: an `at` in the spring-forward gap does not exist that
 * day and is skipped, one in the fall-back overlap fires at its first occurrence (see `instantOf`).
 */
export const onceInstant = (schedule: OnceSchedule, zone: TimeZone): number | null => {
  const [year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] = (AT.exec(schedule.at) ?? [])
    .slice(1)
    .map(Number);
  return instantOf(zone, wallOf(year, month, day, hour, minute, second));
};
