import * as t from 'io-ts';
import { upcomingRuns, type JobRecord } from '../engine/index.js';
import { IntFromString, optional } from '../events/index.js';
import { defineRoute, json, type Route } from './route.js';

const SchedulesQuery = t.strict({ runs: optional(IntFromString('a count (1-20)', 1, 20)) });

/**
 * A job as readers see it. Its shell command and metadata are left out: they are the scheduler host's business and
 * may hold what a viewer should not read (the CLI, with full local trust, shows them).
 */
const scheduleOf = (job: JobRecord, runs: number) => {
  const { command: _command, metadata: _metadata, ...shown } = job;
  return { ...shown, next_runs: upcomingRuns(job, runs) };
};

export const v1ScheduleRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/schedules',
    access: 'read',
    reads: true,
    // Next runs are computed from the expressions, not stored: a function of the position alone all the same.
    etag: true,
    exact: true,
    query: SchedulesQuery,
    doc: { summary: 'Scheduled scan jobs by name, with their next fire times (runs: how many, default 3)', returns: 'ScheduleList' },
    handle: async ({ engine }, q) =>
      json({ schedules: (await engine.jobs.list()).map((job) => scheduleOf(job, q.runs ?? 3)) }),
  }),
];
