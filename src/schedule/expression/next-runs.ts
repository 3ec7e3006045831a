import { InvalidInput } from '../../errors.js';
import { calendarRuns } from './calendar-runs.js';
import { toInstant } from './instant.js';
import { onceInstant } from './once.js';
import { parseSchedule } from './parse.js';
import { rateRuns } from './rate.js';
import type { Schedule } from './schedule.js';
import { timeZone } from './zone.js';

// Bounds the answer's size: a rate schedule has runs without end.
const MAX_COUNT = 100_000;

export type NextRunsOptions = Readonly<{
  /** Runs are strictly after this instant. The caller passes the clock in: nothing here reads it. */
  after: Date | string;
  /** IANA zone the expression is read in; rate schedules ignore it. Default UTC. */
  tz?: string | undefined;
  /** How many runs to return at most; fewer when the schedule has no more. Default 1. */
  count?: number | undefined;
  /** A rate schedule's start: its runs are anchor + k * interval. Default `after`. */
  anchor?: Date | string | undefined;
}>;

/** The next `count` fire times strictly after `after`, ascending, under EventBridge's DST policy (see `zone.ts`). */
export const nextRuns = (expr: string | Schedule, options: NextRunsOptions): Date[] => {
  const schedule = typeof expr === 'string' ? parseSchedule(expr) : expr;
  const after = toInstant(options.after, 'after');
  const zone = timeZone(options.tz ?? 'UTC');
  const count = options.count ?? 1;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_COUNT) {
    throw new InvalidInput('count', count, `a whole number from 0 to ${MAX_COUNT}`);
  }
  let runs: number[];
  switch (schedule.kind) {
    case 'cron':
    case 'aws_cron':
      runs = calendarRuns(schedule.spec, zone, after, count);
      break;
    case 'rate': {
      const anchor = options.anchor === undefined ? after : toInstant(options.anchor, 'anchor');
      runs = rateRuns(schedule, anchor, after, count);
      break;
    }
    case 'once': {
      const at = onceInstant(schedule, zone);
      runs = at !== null && at > after && count > 0 ? [at] : [];
      break;
    }
  }
  return runs.map((instant) => new Date(instant));
};
