import * as t from 'io-ts';
import {
  defaultFiring,
  job,
  jobStreamOf,
  planFiring,
  scan,
  scanStreamOf,
  type FiringOptions,
  type Job,
  type JobCommand,
  type JobEvent,
  type OpenRun,
  type PlannedSkip,
  type RunToStart,
} from '../domain/index.js';
import { DomainError } from '../errors.js';
import {
  canonicalJson,
  decodeOrThrow,
  newEventId,
  NonNegativeInt,
  orNull,
  RunResult,
  Text,
  type DomainEventOf,
  type ExpectedRevision,
  type Instant,
  type JsonRecord,
  optional,
} from '../events/index.js';
import type { StreamWrite } from '../ports/log.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents } from './decide.js';
import type { Input } from './inputs.js';
import { getJob, loadJob, runRecord, type JobRecord, type RunRecord } from './job-records.js';
import { expireSuppressions, scanKind } from './scans.js';

/** Who runs what it fires: recorded with each run, so a restarted scheduler can tell a run whose process died. */
export interface Claim {
  readonly host: string;
  readonly pid: number;
}

export interface Fired {
  /** The job as it stands after the append (its settings are what the runs execute). */
  readonly job: JobRecord | null;
  readonly runs: readonly RunRecord[];
  readonly skipped: PlannedSkip | null;
  /** Another scheduler changed the job twice while this one decided: nothing was fired; try again later. */
  readonly contended: boolean;
}
const nothing: Fired = { job: null, runs: [], skipped: null, contended: false };

const compact = (at: Instant): string => at.replace(/[-:]|\.\d{3}/g, '');
const runIds = (j: Job, scheduledFor: Instant): Pick<RunToStart, 'runId' | 'scanId'> => {
  const runId = newEventId();
  return { runId, scanId: `${j.jobId}-${compact(scheduledFor)}-${runId.slice(-6)}` };
};

/** The scan a run records: started in the same atomic append as the run, so neither exists without the other. */
const scanStartOf = (j: Job, e: DomainEventOf<'JobRunStarted'>): StreamWrite => {
  const { runId, scanId, trigger, scheduledFor, startedAt } = e.data;
  // Keys in canonical order: the scans projection stores metadata as JSON.stringify writes it, and a rebuild reads
  // event data back with sorted keys; written sorted, both give the same row.
  const metadata = JSON.parse(
    canonicalJson({
      ...j.metadata,
      job_id: j.jobId,
      job_name: j.name,
      run_id: runId,
      trigger,
      scheduled_for: scheduledFor,
    }),
  ) as JsonRecord;
  const data = { scanId, snapshotId: scanId, configName: j.configName, accountId: j.accountId, region: j.region,
    collectors: [], fullScope: false, startedAt, metadata };
  const decided = scan.decide(null, { type: 'StartScan', data });
  if (decided instanceof DomainError) throw decided;
  return { stream: scanStreamOf(scanId), events: toNewEvents(decided), expectedRevision: 'no_stream' };
};

const jobWrite = (jobId: string, events: readonly JobEvent[], expectedRevision: ExpectedRevision): StreamWrite => ({
  stream: jobStreamOf(jobId),
  events: toNewEvents(events),
  expectedRevision,
});

type Planned = Pick<Extract<JobCommand, { type: 'StartRuns' }>['data'], 'runs' | 'skipped'>;
type Plan = (j: Job, at: Instant) => Planned | null;

/**
 * Load, plan, decide, append at the job's revision: the append is the claim. A second scheduler that planned the
 * same fire times fails on the revision, plans again from the new state and finds them settled. So each fire time
 * runs once however many schedulers share the log.
 */
const start = async (core: Core, jobId: string, claim: Claim, plan: Plan): Promise<Fired> => {
  const { value } = await decideAndCommit(core, `job ${jobId}`, async () => {
    const { state, revision } = await loadJob(core, jobId);
    if (state === null || state.removed) throw new DomainError('unknown_job', `job ${jobId} is not known`);
    const at = now(core);
    const planned = plan(state, at);
    if (planned === null) return { writes: [], value: [] as JobEvent[] };
    const decided = job.decide(state, { type: 'StartRuns', data: { jobId, at, ...claim, ...planned } });
    if (decided instanceof DomainError) throw decided;
    if (decided.length === 0) return { writes: [], value: [] as JobEvent[] };
    const writes: StreamWrite[] = [jobWrite(jobId, decided, revision)];
    for (const e of decided) if (e.type === 'JobRunStarted') writes.push(scanStartOf(state, e));
    return { writes, value: [...decided] };
  });
  if (value.length === 0) return nothing;
  const started = value.filter((e): e is DomainEventOf<'JobRunStarted'> & JobEvent => e.type === 'JobRunStarted');
  const skip = value.find((e) => e.type === 'JobRunsSkipped');
  return {
    job: await getJob(core, jobId),
    runs: started.map(({ data: { jobId: _, ...run } }) => runRecord(jobId, run)),
    skipped: skip?.type === 'JobRunsSkipped' ? skip.data : null,
    contended: false,
  };
};

/** Fires what is due for one job now: runs due within the grace, missed ones by its misfire policy. */
export const fireDue = async (core: Core, jobId: string, claim: Claim, options: FiringOptions = defaultFiring): Promise<Fired> => {
  try {
    return await start(core, jobId, claim, (j, at) => {
      const firing = planFiring(j, at, options);
      if (firing === null) return null;
      return { runs: firing.runs.map((r) => ({ ...r, ...runIds(j, r.scheduledFor) })), skipped: firing.skipped };
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'conflict') return { ...nothing, contended: true };
    throw error;
  }
};

/** Starts a run now, whatever the schedule (the original's run_job_now); refused while one runs under overlap skip. */
export const runNow = (core: Core, jobId: string, claim: Claim): Promise<Fired> =>
  start(core, jobId, claim, (j, at) => ({
    runs: [{ ...runIds(j, at), scheduledFor: at, trigger: 'manual' }],
    skipped: null,
  }));

const Integer = t.refinement(t.number, (n) => Number.isSafeInteger(n), 'integer');
/** What an executor reports; counts default to 0, or to what the run's scan recorded if the command completed it. */
export const RunOutcome = t.strict({
  result: RunResult,
  exitCode: optional(orNull(Integer)),
  error: optional(Text),
  assetCount: optional(NonNegativeInt),
  findingCount: optional(NonNegativeInt),
});
export type RunOutcome = Input<typeof RunOutcome>;

/**
 * Records a run's end with its scan's: JobRunFinished and ScanCompleted (success) or ScanFailed in one append. A
 * command may complete its scan itself (`stance-state scan complete $STANCE_SCAN_ID`): then only the run ends.
 */
export const finishRun = async (core: Core, jobId: string, runId: string, outcome: RunOutcome): Promise<RunRecord> => {
  const o = decodeOrThrow(RunOutcome, outcome, 'outcome');
  const at = now(core);
  const { value } = await decideAndCommit(core, `job ${jobId}`, async () => {
    const { state, revision } = await loadJob(core, jobId);
    const open = state?.running.find((r) => r.runId === runId);
    const scanLoaded = open === undefined ? null : await loadOne(core, scanKind, open.scanId);
    const scanState = scanLoaded?.state ?? null;
    const reported = scanState !== null && scanState.status !== 'running' && o.assetCount === undefined;
    const assetCount = reported ? scanState.assetCount : (o.assetCount ?? 0);
    const findingCount = reported ? scanState.findingCount : (o.findingCount ?? 0);
    // A failed scan needs its reason: the result names it when the executor gave none.
    const error = o.result === 'success' ? (o.error ?? '') : o.error || o.result;
    const decided = job.decide(state, {
      type: 'FinishRun',
      data: { jobId, at, runId, result: o.result, exitCode: o.exitCode ?? null, error, assetCount, findingCount },
    });
    if (decided instanceof DomainError) throw decided;
    const writes: StreamWrite[] = [jobWrite(jobId, decided, revision)];
    if (open !== undefined && scanState?.status === 'running' && scanLoaded !== null) {
      const errorMessage = o.result === 'success' ? '' : error;
      const completed = scan.decide(scanState, { type: 'CompleteScan', data: { scanId: open.scanId, assetCount, findingCount, errorMessage, at } });
      if (completed instanceof DomainError) throw completed;
      writes.push({ stream: scanStreamOf(open.scanId), events: toNewEvents(completed), expectedRevision: scanLoaded.revision });
    }
    return { writes, value: { decided, open: open ?? null } };
  });
  await expireSuppressions(core, at); // as completing any scan does
  const finished = value.decided[0];
  if (finished?.type !== 'JobRunFinished' || value.open === null) throw new DomainError('illegal_transition', `run ${runId} did not finish`);
  const { jobId: _, runId: _r, scanId: _s, ...rest } = finished.data;
  return runRecord(jobId, { ...value.open, ...rest });
};

export interface OpenJobRun {
  readonly jobId: string;
  readonly timeoutSeconds: number;
  readonly run: OpenRun;
}

/** Every run in progress, of every job (removed ones too): what a starting scheduler checks for runs left behind. */
export const openRuns = async (core: Core): Promise<OpenJobRun[]> => {
  const rows = await core.backend.models.rows({
    table: 'jobs',
    where: [{ column: 'running', op: '<>', value: '[]' }],
    columns: ['job_id', 'timeout_seconds', 'running'],
    order: [{ column: 'job_id' }],
  });
  return rows.flatMap((r) =>
    (JSON.parse(r.running as string) as OpenRun[]).map((run) => ({ jobId: r.job_id as string, timeoutSeconds: r.timeout_seconds as number, run })),
  );
};
