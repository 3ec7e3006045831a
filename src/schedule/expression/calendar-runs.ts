import { MAX_YEAR, MIN_YEAR, MINUTE, wallFields, wallOf } from './calendar.js';
import { matchingDays } from './days.js';
import type { CalendarSpec } from './schedule.js';
import { instantOf, type TimeZone, wallAt } from './zone.js';

/**
 * Without a year field, the calendar repeats every 400 years (146,097 days, a whole number of weeks), so a spec
 * with no fire time in 400 years has none at all: the search stops there and returns what it found.
 */
const CYCLE_YEARS = 400;

const searchYears = (spec: CalendarSpec, from: number): readonly number[] => {
  if (spec.years !== null) return spec.years.filter((year) => year >= from);
  const years: number[] = [];
  for (let year = Math.max(from, MIN_YEAR); year <= Math.min(from + CYCLE_YEARS, MAX_YEAR); year++) years.push(year);
  return years;
};

/**
 * Up to `count` fire times strictly after `after`, ascending. Wall times are walked in order from the wall time of
 * `after`, month by month over the months and days that match, so a month or year that cannot match costs one step.
 * Earlier wall times need no look: their first occurrence is no later than `after`'s (see `instantOf`).
 */
export const calendarRuns = (spec: CalendarSpec, zone: TimeZone, after: number, count: number): number[] => {
  const runs: number[] = [];
  if (count <= 0) return runs;
  const start = wallFields(wallAt(zone, after));
  for (const year of searchYears(spec, start.year)) {
    for (const month of spec.months) {
      if (year === start.year && month < start.month) continue;
      const sameMonth = year === start.year && month === start.month;
      for (const day of matchingDays(spec, year, month)) {
        if (sameMonth && day < start.day) continue;
        const sameDay = sameMonth && day === start.day;
        for (const hour of spec.hours) {
          if (sameDay && hour < start.hour) continue;
          const sameHour = sameDay && hour === start.hour;
          for (const minute of spec.minutes) {
            if (sameHour && minute < start.minute) continue;
            const instant = instantOf(zone, wallOf(year, month, day, hour, minute));
            if (instant === null || instant <= after) continue;
            runs.push(instant);
            if (runs.length >= count) return runs;
          }
        }
      }
    }
  }
  return runs;
};

/** True iff `instant` is a fire time: on a whole minute, fields matching in the zone, and not a skipped repeat. */
export const calendarMatches = (spec: CalendarSpec, zone: TimeZone, instant: number): boolean => {
  if (instant % MINUTE !== 0) return false;
  const wall = wallAt(zone, instant);
  const { year, month, day, hour, minute } = wallFields(wall);
  const fieldsMatch =
    (spec.years === null || spec.years.includes(year)) &&
    spec.months.includes(month) &&
    spec.hours.includes(hour) &&
    spec.minutes.includes(minute) &&
    matchingDays(spec, year, month).includes(day);
  return fieldsMatch && instantOf(zone, wall) === instant;
};
