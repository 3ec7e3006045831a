import { nextRuns } from '../schedule/expression/index.js';
import type { JobRecord } from './job-records.js';

/**
 * A job's next `count` fire times, the first being its read model's `next_run`: none for a disabled job or one whose
 * schedule no longer parses (it never fires). Computed from the expression, zone and anchor, as the scheduler fires.
 */
export const upcomingRuns = (job: JobRecord, count: number): string[] => {
  if (!job.enabled || job.next_run === null || job.schedule_type === null || count < 1) return [];
  try {
    const after = new Date(Date.parse(job.next_run) - 1);
    return nextRuns(job.schedule_expression, { after, tz: job.timezone, anchor: job.anchor, count }).map((d) => d.toISOString());
  } catch {
    return [job.next_run];
  }
};
