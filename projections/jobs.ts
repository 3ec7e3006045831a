import { isJobEvent, job, jobTypes, nextFireOf, type FinishedRun, type Job, type OpenRun } from '../src/domain/index.js';
import {
  asDomainEvent,
  canonicalJson,
  type Instant,
  type JsonRecord,
  type MisfirePolicy,
  type OverlapPolicy,
} from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

/**
 * A row of the jobs table: a job's settings, its schedule's progress and its runs. JSON columns are canonical JSON:
 * an event's data keeps its writer's key order when applied live but is sorted when read back for a rebuild, and
 * the two must give the same row.
 */
export interface JobRow {
  job_id: string;
  name: string;
  schedule: string;
  timezone: string;
  config_name: string;
  command: string | null;
  account_id: string;
  region: string;
  misfire: MisfirePolicy;
  overlap: OverlapPolicy;
  timeout_seconds: number;
  metadata: string;
  enabled: number;
  removed: number;
  anchor: string;
  created_at: string;
  updated_at: string;
  settled_through: string;
  /** The first fire time after `settled_through` while enabled; null when disabled, removed or never again. */
  next_run: string | null;
  last_run: string | null;
  run_count: number;
  skipped_count: number;
  /** JSON array of the runs in progress. */
  running: string;
  /** JSON of the last finished run, or null. */
  last_result: string | null;
  /** Revision of the job's stream after the event this row reflects: the expected revision of the next write. */
  revision: number;
  position: number;
}

export const jobFromRow = (r: JobRow): Job => ({
  jobId: r.job_id,
  name: r.name,
  schedule: r.schedule,
  timezone: r.timezone,
  configName: r.config_name,
  command: r.command,
  accountId: r.account_id,
  region: r.region,
  misfire: r.misfire,
  overlap: r.overlap,
  timeoutSeconds: r.timeout_seconds,
  metadata: JSON.parse(r.metadata) as JsonRecord,
  enabled: r.enabled === 1,
  removed: r.removed === 1,
  anchor: r.anchor as Instant,
  createdAt: r.created_at as Instant,
  updatedAt: r.updated_at as Instant,
  settledThrough: r.settled_through as Instant,
  runCount: r.run_count,
  skippedCount: r.skipped_count,
  lastRunAt: r.last_run as Instant | null,
  running: JSON.parse(r.running) as OpenRun[],
  lastRun: r.last_result === null ? null : (JSON.parse(r.last_result) as FinishedRun),
});

// A schedule stored under an older, looser grammar must not fail the append transaction: it just never fires.
const nextRunOf = (j: Job): string | null => {
  try {
    return nextFireOf(j);
  } catch {
    return null;
  }
};

export const rowOfJob = (j: Job, revision: number, position: number): JobRow => ({
  job_id: j.jobId,
  name: j.name,
  schedule: j.schedule,
  timezone: j.timezone,
  config_name: j.configName,
  command: j.command,
  account_id: j.accountId,
  region: j.region,
  misfire: j.misfire,
  overlap: j.overlap,
  timeout_seconds: j.timeoutSeconds,
  metadata: canonicalJson(j.metadata),
  enabled: j.enabled ? 1 : 0,
  removed: j.removed ? 1 : 0,
  anchor: j.anchor,
  created_at: j.createdAt,
  updated_at: j.updatedAt,
  settled_through: j.settledThrough,
  next_run: nextRunOf(j),
  last_run: j.lastRunAt,
  run_count: j.runCount,
  skipped_count: j.skippedCount,
  running: canonicalJson(j.running),
  last_result: j.lastRun === null ? null : canonicalJson(j.lastRun),
  revision,
  position,
});

/**
 * Jobs and their schedules' progress. `next_run` is computed here, from the job's schedule and the instants its
 * events recorded (created, enabled, fired, skipped): apply has no clock, and needs none. A removed job keeps its
 * row, flagged, so its id is never reused; queries leave it out.
 */
export const jobsProjection: Projection = {
  name: 'jobs',
  version: 3,
  handles: [...jobTypes],
  tables: [
    {
      name: 'jobs',
      columns: columns(`job_id:text name:text schedule:text timezone:text config_name:text command:text? account_id:text
        region:text misfire:text overlap:text timeout_seconds:integer metadata:text enabled:integer removed:integer
        anchor:text created_at:text updated_at:text settled_through:text next_run:text? last_run:text?
        run_count:integer skipped_count:integer running:text last_result:text? revision:integer position:integer`),
      key: ['job_id'],
      indexes: [
        { name: 'jobs_due', columns: ['next_run'], where: { column: 'enabled', op: '=', value: '1' } },
        { name: 'jobs_running', columns: ['job_id'], where: { column: 'running', op: '<>', value: '[]' } },
      ],
    },
  ],
  reads: (event) => (isJobEvent(event) ? [{ table: 'jobs', key: [(event.data as { jobId: string }).jobId] }] : []),
  apply(rows, event, context) {
    const e = asDomainEvent(event);
    // A job runs commands on this machine: only this data dir's own job events count, whatever a log holds from
    // elsewhere (sync never imports job events, and a log written by an older version might).
    if (!isJobEvent(e) || event.meta.origin !== context.merge().local) return;
    const row = rows.get('jobs', [e.data.jobId]) as JobRow | undefined;
    const next = job.evolve(row === undefined ? null : jobFromRow(row), e);
    if (next !== null) rows.put('jobs', rowOfJob(next, event.revision, event.position) as unknown as Row);
  },
};
