import { jobFromRow, type JobRow } from '../../projections/index.js';
import { isJobEvent, job, jobStreamOf, scheduleTypeOf, type FinishedRun, type JobState, type OpenRun } from '../domain/index.js';
import { asDomainEvent, type Json, type MisfirePolicy, type OverlapPolicy, type RunResult, type RunTrigger } from '../events/index.js';
import type { Core } from './core.js';
import { loadOne, type EntityKind, type Loaded } from './decide.js';

/** One run of a job: the original's ScanResult.to_dict, plus the run's id, trigger, fire time and result. */
export interface RunRecord {
  readonly job_id: string;
  readonly run_id: string;
  readonly scan_id: string;
  readonly trigger: RunTrigger;
  readonly scheduled_for: string;
  readonly started_at: string;
  /** null while the run is in progress. */
  readonly completed_at: string | null;
  readonly success: boolean | null;
  readonly result: RunResult | null;
  readonly error: string;
  readonly exit_code: number | null;
  readonly assets_scanned: number;
  readonly findings_count: number;
  readonly duration_seconds: number | null;
  readonly host: string;
  readonly pid: number;
}

/** The original's ScanJob.to_dict (schedule_type cron, rate or once), plus zone, command, policies and runs. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly schedule_type: 'cron' | 'rate' | 'once' | null;
  readonly schedule_expression: string;
  readonly timezone: string;
  readonly config_name: string;
  readonly command: string | null;
  readonly account_id: string;
  readonly region: string;
  readonly misfire_policy: MisfirePolicy;
  readonly overlap_policy: OverlapPolicy;
  readonly timeout_seconds: number;
  readonly enabled: boolean;
  readonly next_run: string | null;
  readonly last_run: string | null;
  readonly run_count: number;
  readonly skipped_count: number;
  readonly running: readonly RunRecord[];
  readonly last_result: RunRecord | null;
  readonly anchor: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly metadata: Record<string, Json>;
}

export const runRecord = (jobId: string, run: OpenRun | FinishedRun): RunRecord => {
  const done = 'result' in run ? run : null;
  return {
    job_id: jobId,
    run_id: run.runId,
    scan_id: run.scanId,
    trigger: run.trigger,
    scheduled_for: run.scheduledFor,
    started_at: run.startedAt,
    completed_at: done?.finishedAt ?? null,
    success: done === null ? null : done.result === 'success',
    result: done?.result ?? null,
    error: done?.error ?? '',
    exit_code: done?.exitCode ?? null,
    assets_scanned: done?.assetCount ?? 0,
    findings_count: done?.findingCount ?? 0,
    duration_seconds: done?.durationSeconds ?? null,
    host: run.host,
    pid: run.pid,
  };
};

export const jobRecord = (row: JobRow): JobRecord => {
  const j = jobFromRow(row);
  return {
    id: j.jobId,
    name: j.name,
    schedule_type: scheduleTypeOf(j.schedule), // null: stored under an older grammar, shown, never fired
    schedule_expression: j.schedule,
    timezone: j.timezone,
    config_name: j.configName,
    command: j.command,
    account_id: j.accountId,
    region: j.region,
    misfire_policy: j.misfire,
    overlap_policy: j.overlap,
    timeout_seconds: j.timeoutSeconds,
    enabled: j.enabled,
    next_run: row.next_run,
    last_run: j.lastRunAt,
    run_count: j.runCount,
    skipped_count: j.skippedCount,
    running: j.running.map((r) => runRecord(j.jobId, r)),
    last_result: j.lastRun === null ? null : runRecord(j.jobId, j.lastRun),
    anchor: j.anchor,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
    metadata: j.metadata,
  };
};

/** A job's decision state: its read-model row (only this data dir's own job events count). */
export const jobKind: EntityKind<JobState> = {
  table: 'jobs',
  key: 'job_id',
  streamOf: jobStreamOf,
  fromRow: (row) => jobFromRow(row as unknown as JobRow),
  initial: null,
  evolve: (state, event, merge) => {
    const e = asDomainEvent(event);
    return isJobEvent(e) && event.meta.origin === merge.local ? job.evolve(state, e) : state;
  },
};

const rowOf = async (core: Core, jobId: string): Promise<JobRow | undefined> =>
  (await core.backend.models.rows({ table: 'jobs', where: [{ column: 'job_id', op: '=', value: jobId }] }))[0] as JobRow | undefined;

export const loadJob = (core: Core, jobId: string): Promise<Loaded<JobState>> => loadOne(core, jobKind, jobId);

/** A removed job is gone for queries. */
export const getJob = async (core: Core, jobId: string): Promise<JobRecord | null> => {
  const row = await rowOf(core, jobId);
  return row === undefined || row.removed === 1 ? null : jobRecord(row);
};
