export { matches } from './matches.js';
export { nextRuns, type NextRunsOptions } from './next-runs.js';
export { parseSchedule } from './parse.js';
export { rateInterval } from './rate.js';
export {
  type AwsCronSchedule,
  type CalendarSpec,
  type CronSchedule,
  type DaysOfMonth,
  type DaysOfWeek,
  type OnceSchedule,
  RateUnit,
  type RateSchedule,
  type Schedule,
  ScheduleKind,
} from './schedule.js';
