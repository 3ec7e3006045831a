import * as t from 'io-ts';

export const ScheduleKind = t.keyof({ cron: null, aws_cron: null, rate: null, once: null }, 'ScheduleKind');
export type ScheduleKind = t.TypeOf<typeof ScheduleKind>;

export const RateUnit = t.keyof({ minutes: null, hours: null, days: null }, 'RateUnit');
export type RateUnit = t.TypeOf<typeof RateUnit>;

/** Day-of-month terms; any one matching selects the day. `nearestWeekday` is `15W`, `lastWeekday` is `LW`. */
export type DaysOfMonth = Readonly<{
  days: readonly number[];
  last: boolean;
  nearestWeekday: number | null;
  lastWeekday: boolean;
}>;

/**
 * Day-of-week terms, weekdays numbered 0 = SUN ... 6 = SAT whatever the source syntax. `nth` (1-5, 0 for none)
 * narrows `weekdays` to that occurrence in the month (`6#3`); `last` holds weekdays wanted on their last occurrence
 * in the month (`6L`).
 */
export type DaysOfWeek = Readonly<{ weekdays: readonly number[]; nth: number; last: readonly number[] }>;

/**
 * The fields of either cron form, expanded to sorted values. A null day field is unrestricted (`*` or `?`). When
 * both are restricted, a day matching either is selected (five-field cron only: the AWS form forbids it).
 * A null `years` means every year.
 */
export type CalendarSpec = Readonly<{
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: DaysOfMonth | null;
  months: readonly number[];
  daysOfWeek: DaysOfWeek | null;
  years: readonly number[] | null;
}>;

export type CronSchedule = Readonly<{ kind: 'cron'; expression: string; spec: CalendarSpec }>;
export type AwsCronSchedule = Readonly<{ kind: 'aws_cron'; expression: string; spec: CalendarSpec }>;
export type RateSchedule = Readonly<{ kind: 'rate'; expression: string; value: number; unit: RateUnit }>;
/** `at` is the local date and time `yyyy-mm-ddThh:mm:ss`, read in the job's zone when runs are computed. */
export type OnceSchedule = Readonly<{ kind: 'once'; expression: string; at: string }>;

/** A parsed schedule expression: plain data, so it can be kept, compared and printed. */
export type Schedule = CronSchedule | AwsCronSchedule | RateSchedule | OnceSchedule;
