import { monthInfo } from './calendar.js';
import type { CalendarSpec, DaysOfMonth, DaysOfWeek } from './schedule.js';

const SUN = 0;
const SAT = 6;

/** The weekday (Mon-Fri) nearest to `day`, never leaving the month: 1W on a Saturday the 1st is Monday the 3rd. */
const nearestWeekday = (day: number, days: number, firstWeekday: number): number => {
  const weekday = (firstWeekday + day - 1) % 7;
  if (weekday === SAT) return day === 1 ? day + 2 : day - 1;
  if (weekday === SUN) return day === days ? day - 2 : day + 1;
  return day;
};

const monthDayMatcher = (rule: DaysOfMonth, days: number, firstWeekday: number): ((day: number) => boolean) => {
  const nearest =
    rule.nearestWeekday !== null && rule.nearestWeekday <= days
      ? nearestWeekday(rule.nearestWeekday, days, firstWeekday)
      : null;
  const lastWeekday = rule.lastWeekday ? nearestWeekday(days, days, firstWeekday) : null;
  return (day) =>
    rule.days.includes(day) || (rule.last && day === days) || day === nearest || day === lastWeekday;
};

const weekDayMatcher = (rule: DaysOfWeek, days: number, firstWeekday: number): ((day: number) => boolean) => (day) => {
  const weekday = (firstWeekday + day - 1) % 7;
  if (rule.weekdays.includes(weekday) && (rule.nth === 0 || Math.ceil(day / 7) === rule.nth)) return true;
  return rule.last.includes(weekday) && day + 7 > days;
};

/** The days of a month the spec's day fields select, ascending. */
export const matchingDays = (spec: CalendarSpec, year: number, month: number): number[] => {
  const { days, firstWeekday } = monthInfo(year, month);
  const { daysOfMonth, daysOfWeek } = spec;
  const byMonth = daysOfMonth === null ? null : monthDayMatcher(daysOfMonth, days, firstWeekday);
  const byWeek = daysOfWeek === null ? null : weekDayMatcher(daysOfWeek, days, firstWeekday);
  const selected: number[] = [];
  for (let day = 1; day <= days; day++) {
    const matched =
      byMonth === null && byWeek === null ? true : (byMonth?.(day) ?? false) || (byWeek?.(day) ?? false);
    if (matched) selected.push(day);
  }
  return selected;
};
