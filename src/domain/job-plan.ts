import { instantOf, type Instant } from '../events/index.js';
import { nextRuns, parseSchedule, rateInterval, type Schedule } from '../schedule/expression/index.js';
import type { Job, JobState } from './job.js';

/*
 * When a job fires. Pure: the caller passes `now`. The schedule expressions are a leaf of pure time arithmetic (they
 * import nothing of ours but errors.ts), used here as a library.
 */

export interface FiringOptions {
  /** A fire time found this late or later is missed, and its job's misfire policy decides. */
  readonly graceMs: number;
  /** fire_all runs at most this many missed fire times; older ones beyond are skipped (catch_up_limit). */
  readonly catchUpLimit: number;
}
export const defaultFiring: FiringOptions = { graceMs: 60_000, catchUpLimit: 100 };

export type PlannedRun = Readonly<{ scheduledFor: Instant; trigger: 'schedule' | 'misfire' }>;
export type PlannedSkip = Readonly<{
  reason: 'misfire' | 'overlap' | 'catch_up_limit';
  first: Instant;
  through: Instant;
  count: number;
}>;
export type Firing = Readonly<{ runs: readonly PlannedRun[]; skipped: PlannedSkip | null }>;

const parsed = new Map<string, Schedule>();
const scheduleOf = (expression: string): Schedule => {
  let schedule = parsed.get(expression);
  if (schedule === undefined) {
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(expression, (schedule = parseSchedule(expression)));
  }
  return schedule;
};

/** The original's ScheduleType (an AWS cron is a cron); null for an expression the grammar refuses. */
export const scheduleTypeOf = (expression: string): 'cron' | 'rate' | 'once' | null => {
  try {
    const kind = scheduleOf(expression).kind;
    return kind === 'aws_cron' ? 'cron' : kind;
  } catch {
    return null;
  }
};

/** Up to `count` fire times of the job strictly after `after` (ms), ascending. */
const firesAfter = (job: Job, after: number, count: number): number[] =>
  nextRuns(scheduleOf(job.schedule), { after: new Date(after), tz: job.timezone, anchor: job.anchor, count }).map(
    (d) => d.getTime(),
  );

const MAX_PAGE = 10_000;
/**
 * Visits the fire times in (after, through] in order until `visit` says stop. Pages grow from a few: most calls want
 * one or two fire times, a few count a long outage's thousands.
 */
const eachFire = (job: Job, after: number, through: number, visit: (t: number) => boolean): void => {
  for (let from = after, page = 4; ; page = Math.min(page * 4, MAX_PAGE)) {
    const fires = firesAfter(job, from, page);
    for (const t of fires) if (t > through || !visit(t)) return;
    const last = fires[fires.length - 1];
    if (fires.length < page || last === undefined) return;
    from = last;
  }
};

/** Up to `max` fire times in (after, through]. */
const firesIn = (job: Job, after: number, through: number, max: number): number[] => {
  const out: number[] = [];
  if (max > 0) eachFire(job, after, through, (t) => out.push(t) < max);
  return out;
};

/** How many fire times lie in (after, through]: arithmetic for a rate, counted for a calendar. */
const countFires = (job: Job, after: number, through: number): number => {
  const schedule = scheduleOf(job.schedule);
  if (schedule.kind === 'rate') {
    const interval = rateInterval(schedule);
    const anchor = Date.parse(job.anchor);
    const first = after < anchor ? 0 : Math.floor((after - anchor) / interval) + 1;
    const last = through < anchor ? -1 : Math.floor((through - anchor) / interval);
    return Math.max(0, last - first + 1);
  }
  let count = 0;
  eachFire(job, after, through, () => ((count += 1), true));
  return count;
};

const active = (job: JobState): job is Job => job !== null && job.enabled && !job.removed;

/** The job's next fire time: the first after its settled instant (past when overdue); null if it has none. */
export const nextFireOf = (job: JobState): Instant | null => {
  if (!active(job)) return null;
  const [next] = firesAfter(job, Date.parse(job.settledThrough), 1);
  return next === undefined ? null : instantOf(next);
};

const runs = (times: readonly number[], trigger: PlannedRun['trigger']): PlannedRun[] =>
  times.map((t) => ({ scheduledFor: instantOf(t), trigger }));

/**
 * What a scheduler does for a job at `now`, or null when nothing is due. Fire times due within the grace run.
 * Missed ones (later than the grace) follow the misfire policy: `skip` records them skipped; `fire_once` runs the
 * first of them once, standing for all (or, when a fire time is also due on time, lets that run stand for them);
 * `fire_all` runs each, at most `catchUpLimit`, all at once. Overlap `skip`: while a run is in progress every due
 * fire time is skipped. A missed fire time is never one a scheduler saw in time: it passed while none ran.
 */
export const planFiring = (job: JobState, now: Instant, options: FiringOptions = defaultFiring): Firing | null => {
  if (!active(job)) return null;
  const settled = Date.parse(job.settledThrough);
  const n = Date.parse(now);
  const [first] = firesAfter(job, settled, 1);
  if (first === undefined || first > n) return null;
  if (job.overlap === 'skip' && job.running.length > 0)
    return {
      runs: [],
      skipped: { reason: 'overlap', first: instantOf(first), through: now, count: countFires(job, settled, n) },
    };
  const limit = Math.max(1, options.catchUpLimit);
  const cutoff = n - options.graceMs;
  if (first > cutoff) return { runs: runs(firesIn(job, settled, n, limit), 'schedule'), skipped: null };
  const missed = firesIn(job, settled, cutoff, limit + 1);
  const missedCount = missed.length <= limit ? missed.length : countFires(job, settled, cutoff);
  const onTime = runs(firesIn(job, cutoff, n, limit), 'schedule');
  const through = instantOf(cutoff);
  const skip = (reason: PlannedSkip['reason'], from: number | undefined, count: number): PlannedSkip | null =>
    from === undefined || count <= 0 ? null : { reason, first: instantOf(from), through, count };
  switch (job.misfire) {
    case 'skip':
      return { runs: onTime, skipped: skip('misfire', first, missedCount) };
    case 'fire_once':
      return onTime.length > 0
        ? { runs: onTime, skipped: skip('misfire', first, missedCount) }
        : { runs: runs([first], 'misfire'), skipped: skip('misfire', missed[1], missedCount - 1) };
    case 'fire_all':
      return {
        runs: [...runs(missed.slice(0, limit), 'misfire'), ...onTime],
        skipped: skip('catch_up_limit', missed[limit], missedCount - limit),
      };
  }
};
