import { DomainError } from '../errors.js';
import type {
  DomainEvent,
  DomainEventOf,
  Instant,
  JobSettings,
  RunResult,
  RunTrigger,
  SkipReason,
} from '../events/index.js';
import type { Decider } from './decider.js';

export type JobEvent = Extract<
  DomainEvent,
  {
    type:
      | 'JobCreated'
      | 'JobUpdated'
      | 'JobEnabled'
      | 'JobDisabled'
      | 'JobRemoved'
      | 'JobRunStarted'
      | 'JobRunsSkipped'
      | 'JobRunFinished';
  }
>;
export const jobTypes: ReadonlySet<string> = new Set<string>([
  'JobCreated',
  'JobUpdated',
  'JobEnabled',
  'JobDisabled',
  'JobRemoved',
  'JobRunStarted',
  'JobRunsSkipped',
  'JobRunFinished',
]);
export const isJobEvent = (e: { type: string }): e is JobEvent => jobTypes.has(e.type);

export type OpenRun = Readonly<{
  runId: string;
  scanId: string;
  scheduledFor: Instant;
  startedAt: Instant;
  trigger: RunTrigger;
  host: string;
  pid: number;
}>;

export type FinishedRun = OpenRun &
  Readonly<{
    result: RunResult;
    exitCode: number | null;
    error: string;
    assetCount: number;
    findingCount: number;
    finishedAt: Instant;
    durationSeconds: number;
  }>;

export type Job = JobSettings &
  Readonly<{
    jobId: string;
    enabled: boolean;
    removed: boolean;
    anchor: Instant;
    createdAt: Instant;
    updatedAt: Instant;
    /**
     * Every fire time at or before this instant is settled: fired, recorded as skipped, or before the job existed,
     * was last enabled or last got a new schedule. The next run is the first fire time after it, so it is computed
     * from events alone, and a fire time is never settled twice.
     */
    settledThrough: Instant;
    runCount: number;
    skippedCount: number;
    lastRunAt: Instant | null;
    running: readonly OpenRun[];
    lastRun: FinishedRun | null;
  }>;
/** null: never created. A removed job keeps its state (its stream exists; its id is not reused). */
export type JobState = Job | null;

type At = { jobId: string; at: Instant };
export type RunToStart = Readonly<{ runId: string; scanId: string; scheduledFor: Instant; trigger: RunTrigger }>;
export type SkipToRecord = Readonly<{ reason: SkipReason; first: Instant; through: Instant; count: number }>;

export type JobCommand =
  | { type: 'CreateJob'; data: DomainEventOf<'JobCreated'>['data'] }
  | { type: 'UpdateJob'; data: DomainEventOf<'JobUpdated'>['data'] }
  | { type: 'EnableJob' | 'DisableJob' | 'RemoveJob'; data: At }
  /** Fire: start these runs and record this skip, as a scheduler planned them at `at` (see planFiring). */
  | {
      type: 'StartRuns';
      data: At & { host: string; pid: number; runs: readonly RunToStart[]; skipped: SkipToRecord | null };
    }
  | {
      type: 'FinishRun';
      data: At & {
        runId: string;
        result: RunResult;
        exitCode: number | null;
        error: string;
        assetCount: number;
        findingCount: number;
      };
    };

const later = (a: Instant, b: Instant): Instant => (a > b ? a : b); // Instants compare as strings

const evolve = (state: JobState, event: JobEvent): JobState => {
  if (event.type === 'JobCreated') {
    const { jobId, enabled, anchor, createdAt, ...settings } = event.data;
    return {
      ...settings,
      jobId,
      enabled,
      removed: false,
      anchor,
      createdAt,
      updatedAt: createdAt,
      settledThrough: createdAt,
      runCount: 0,
      skippedCount: 0,
      lastRunAt: null,
      running: [],
      lastRun: null,
    };
  }
  if (state === null) return null;
  switch (event.type) {
    case 'JobUpdated': {
      const { jobId: _, anchor, updatedAt, ...settings } = event.data;
      // A new schedule starts counting from the change: the old one's unfired times are not the new one's misfires.
      const moved =
        settings.schedule !== state.schedule || settings.timezone !== state.timezone || anchor !== state.anchor;
      const settledThrough = moved ? later(state.settledThrough, updatedAt) : state.settledThrough;
      return { ...state, ...settings, anchor, updatedAt, settledThrough };
    }
    case 'JobEnabled':
      // Fire times that passed while disabled are not misfires: nobody wanted them.
      return {
        ...state,
        enabled: true,
        updatedAt: event.data.at,
        settledThrough: later(state.settledThrough, event.data.at),
      };
    case 'JobDisabled':
      return { ...state, enabled: false, updatedAt: event.data.at };
    case 'JobRemoved':
      return { ...state, enabled: false, removed: true, updatedAt: event.data.at };
    case 'JobRunStarted': {
      const { jobId: _, ...run } = event.data;
      return {
        ...state,
        running: [...state.running, run],
        runCount: state.runCount + 1,
        lastRunAt: run.startedAt,
        // A manual run stands for no fire time, so it settles none.
        settledThrough: run.trigger === 'manual' ? state.settledThrough : later(state.settledThrough, run.scheduledFor),
      };
    }
    case 'JobRunsSkipped':
      return {
        ...state,
        settledThrough: later(state.settledThrough, event.data.through),
        skippedCount: state.skippedCount + event.data.count,
      };
    case 'JobRunFinished': {
      const { jobId: _, runId, scanId, ...outcome } = event.data;
      const open = state.running.find((r) => r.runId === runId);
      const base: OpenRun = open ?? {
        runId,
        scanId,
        scheduledFor: outcome.finishedAt,
        startedAt: outcome.finishedAt,
        trigger: 'manual',
        host: '',
        pid: 0,
      };
      return { ...state, running: state.running.filter((r) => r.runId !== runId), lastRun: { ...base, ...outcome } };
    }
  }
};

const unknown = (jobId: string) => new DomainError('unknown_job', `job ${jobId} is not known`);
const refuse = (message: string) => new DomainError('illegal_transition', message);
const seconds = (from: Instant, to: Instant): number => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

type StartData = Extract<JobCommand, { type: 'StartRuns' }>['data'];
type Item = { from: Instant; to: Instant } & ({ run: RunToStart; skip: null } | { run: null; skip: SkipToRecord });

/**
 * Runs and the skip in fire-time order, each wholly after the settled instant, which each moves on. An item already
 * settled is dropped: another scheduler claimed it first, and that is the double fire this rule prevents.
 */
const decideStart = (state: Job, data: StartData): JobEvent[] | DomainError => {
  const { jobId, at, host, pid } = data;
  const items: Item[] = data.runs.map((run) => ({ from: run.scheduledFor, to: run.scheduledFor, run, skip: null }));
  const skip = data.skipped;
  if (skip !== null) items.push({ from: skip.first, to: skip.through, run: null, skip });
  items.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  let settled = state.settledThrough;
  const events: JobEvent[] = [];
  for (const item of items) {
    if (item.run?.trigger === 'manual') {
      events.push({ type: 'JobRunStarted', data: { jobId, ...item.run, scheduledFor: at, startedAt: at, host, pid } });
      continue;
    }
    if (item.to <= settled) continue;
    if (item.from <= settled)
      return refuse(`job ${jobId}: ${item.from} to ${item.to} overlaps fire times settled through ${settled}`);
    if (item.to > at) return refuse(`job ${jobId}: fire time ${item.to} is not due at ${at}`);
    if (item.skip !== null) events.push({ type: 'JobRunsSkipped', data: { jobId, ...item.skip, at } });
    else {
      if (!state.enabled) return refuse(`job ${jobId} is disabled`);
      events.push({ type: 'JobRunStarted', data: { jobId, ...item.run, startedAt: at, host, pid } });
    }
    settled = item.to;
  }
  const starts = events.flatMap((e) => (e.type === 'JobRunStarted' ? [e.data.runId] : []));
  if (starts.length > 0 && state.overlap === 'skip' && state.running.length > 0)
    return refuse(`job ${jobId} is running (run ${state.running[0]?.runId}) and its overlap policy is skip`);
  const ids = new Set(state.running.map((r) => r.runId));
  for (const runId of starts) {
    if (ids.has(runId)) return refuse(`job ${jobId}: run id ${runId} is taken`);
    ids.add(runId);
  }
  return events;
};

const decide = (state: JobState, command: JobCommand): readonly JobEvent[] | DomainError => {
  const { jobId } = command.data;
  if (command.type === 'CreateJob')
    return state === null
      ? [{ type: 'JobCreated', data: command.data }]
      : refuse(`job ${jobId} ${state.removed ? 'was removed' : 'exists'}; a job id is never reused`);
  // Runs still open when their job was removed may finish: their scans need closing.
  if (state === null || (state.removed && command.type !== 'FinishRun')) return unknown(jobId);
  switch (command.type) {
    case 'UpdateJob':
      return [{ type: 'JobUpdated', data: command.data }];
    case 'EnableJob':
      return state.enabled ? [] : [{ type: 'JobEnabled', data: command.data }];
    case 'DisableJob':
      return state.enabled ? [{ type: 'JobDisabled', data: command.data }] : [];
    case 'RemoveJob':
      return [{ type: 'JobRemoved', data: command.data }];
    case 'StartRuns':
      return decideStart(state, command.data);
    case 'FinishRun': {
      const { at, runId, ...outcome } = command.data;
      const open = state.running.find((r) => r.runId === runId);
      if (open === undefined) return refuse(`run ${runId} of job ${jobId} is not in progress`);
      const durationSeconds = seconds(open.startedAt, at);
      const data = { ...outcome, runId, scanId: open.scanId, finishedAt: at, durationSeconds };
      return [{ type: 'JobRunFinished', data }];
    }
  }
};

export const job: Decider<JobState, JobCommand, JobEvent> = { initialState: () => null, decide, evolve };
export const jobStreamOf = (jobId: string): string => `job-${jobId}`;
