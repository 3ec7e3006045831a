import { InvalidInput } from '../../errors.js';
import { calendarMatches } from './calendar-runs.js';
import { toInstant } from './instant.js';
import { onceInstant } from './once.js';
import { parseSchedule } from './parse.js';
import { rateMatches } from './rate.js';
import type { Schedule } from './schedule.js';
import { timeZone } from './zone.js';

/**
 * True iff `instant` is exactly a fire time: one `nextRuns` would return for an `after` just before it. So a cron
 * time matches only on a whole minute (seconds and milliseconds zero), and the second pass through a fall-back
 * overlap does not match. A rate schedule has no fire times without its start, so it needs `anchor` (the job's
 * start, as given to `nextRuns`) and refuses to answer without one; cron and `at` ignore it.
 */
export const matches = (
  expr: string | Schedule,
  instant: Date | string,
  tz = 'UTC',
  anchor?: Date | string,
): boolean => {
  const schedule = typeof expr === 'string' ? parseSchedule(expr) : expr;
  const at = toInstant(instant, 'instant');
  const zone = timeZone(tz);
  switch (schedule.kind) {
    case 'cron':
    case 'aws_cron':
      return calendarMatches(schedule.spec, zone, at);
    case 'rate':
      if (anchor === undefined) throw new InvalidInput('anchor', anchor, "the rate schedule's start instant");
      return rateMatches(schedule, toInstant(anchor, 'anchor'), at);
    case 'once':
      return onceInstant(schedule, zone) === at;
  }
};
