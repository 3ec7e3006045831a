import type Database from 'better-sqlite3';
import { isJobEvent, job, nextFireOf, type FinishedRun, type Job, type OpenRun } from '../src/domain/index.js';
import {
  asDomainEvent,
  canonicalJson,
  type Instant,
  type JsonRecord,
  type MisfirePolicy,
  type OverlapPolicy,
  type RecordedEvent,
} from '../src/events/index.js';
import type { Projection, ProjectionContext, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

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

export const rowOfJob = (j: Job, revision: number): JobRow => ({
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
});

/**
 * Jobs and their schedules' progress. `next_run` is computed here, from the job's schedule and the instants its
 * events recorded (created, enabled, fired, skipped): apply has no clock, and needs none. A removed job keeps its
 * row, flagged, so its id is never reused; queries leave it out.
 */
export const jobsProjection: Projection = {
  name: 'jobs',
  version: 2,
  tables: ['jobs'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('jobs')} (job_id TEXT PRIMARY KEY, name TEXT NOT NULL, schedule TEXT NOT NULL,
      timezone TEXT NOT NULL, config_name TEXT NOT NULL, command TEXT, account_id TEXT NOT NULL, region TEXT NOT NULL,
      misfire TEXT NOT NULL, overlap TEXT NOT NULL, timeout_seconds INTEGER NOT NULL, metadata TEXT NOT NULL,
      enabled INTEGER NOT NULL, removed INTEGER NOT NULL, anchor TEXT NOT NULL, created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL, settled_through TEXT NOT NULL, next_run TEXT, last_run TEXT,
      run_count INTEGER NOT NULL, skipped_count INTEGER NOT NULL, running TEXT NOT NULL, last_result TEXT,
      revision INTEGER NOT NULL) STRICT`,
    `CREATE INDEX ${t('jobs_due')} ON ${t('jobs')} (next_run) WHERE enabled = 1 AND removed = 0`,
    `CREATE INDEX ${t('jobs_running')} ON ${t('jobs')} (job_id) WHERE running <> '[]'`,
  ],
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext) {
    const load = db.prepare<[string], JobRow>(`SELECT * FROM ${t('jobs')} WHERE job_id = ?`);
    const save = rowWriter<JobRow>(db, t('jobs'), 'job_id');
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      // A job runs commands on this machine: only this data dir's own job events count, whatever a log holds from
      // elsewhere (sync never imports job events, and a log written by an older version might).
      if (!isJobEvent(e) || event.meta.origin !== context.merge().local) return;
      const row = load.get(e.data.jobId);
      const next = job.evolve(row === undefined ? null : jobFromRow(row), e);
      if (next !== null) save(row, rowOfJob(next, event.revision));
    };
    const drop = db.prepare<[string]>(`DELETE FROM ${t('jobs')} WHERE job_id = ?`);
    // The runner folds a job again from its events when replicated ones sort before those applied.
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (isJobEvent(e)) drop.run(e.data.jobId);
    };
    return { apply, forget };
  },
};
