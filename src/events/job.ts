import * as t from 'io-ts';
import { Id, Instant, JsonRecord, NonNegativeInt, NonNegativeNumber, orNull, Text } from './primitives.js';
import { Scope } from './scan.js';

export const MisfirePolicy = t.keyof({ skip: null, fire_once: null, fire_all: null }, 'MisfirePolicy');
export type MisfirePolicy = t.TypeOf<typeof MisfirePolicy>;
export const OverlapPolicy = t.keyof({ skip: null, allow: null }, 'OverlapPolicy');
export type OverlapPolicy = t.TypeOf<typeof OverlapPolicy>;
/** `abandoned`: the scheduler that ran it exited before it finished (its outcome is unknown). */
export const RunResult = t.keyof({ success: null, failed: null, timeout: null, abandoned: null }, 'RunResult');
export type RunResult = t.TypeOf<typeof RunResult>;
export const RunTrigger = t.keyof({ schedule: null, manual: null, misfire: null }, 'RunTrigger');
export type RunTrigger = t.TypeOf<typeof RunTrigger>;
/** Why fire times passed without a run: the misfire policy, a run still in progress, or the catch-up bound. */
export const SkipReason = t.keyof({ misfire: null, overlap: null, catch_up_limit: null }, 'SkipReason');
export type SkipReason = t.TypeOf<typeof SkipReason>;

const PositiveInt = t.refinement(NonNegativeInt, (n) => n >= 1, 'positive integer');
// A plain refinement, not t.Int's brand: callers pass a process's exit code without a cast.
const Integer = t.refinement(t.number, (n) => Number.isSafeInteger(n), 'integer');

export const JobSettings = t.strict({
  name: Id,
  schedule: Text,
  timezone: Id,
  configName: Id,
  command: orNull(Text),
  accountId: Scope,
  region: Scope,
  misfire: MisfirePolicy,
  overlap: OverlapPolicy,
  /** 0: no limit. */
  timeoutSeconds: NonNegativeInt,
  metadata: JsonRecord,
});
export type JobSettings = t.TypeOf<typeof JobSettings>;

/**
 * Schema 1 of each job event's data. Every instant a job's next fire time depends on is in these events (created,
 * updated, enabled, fired, skipped), so the jobs projection computes `next_run` without a clock.
 */
export const jobEvents = {
  /** `anchor`: a rate schedule's start (its runs are anchor + k * interval); fire times after `createdAt` count. */
  JobCreated: t.strict({
    jobId: Id,
    ...JobSettings.type.props,
    enabled: t.boolean,
    anchor: Instant,
    createdAt: Instant,
  }),
  JobUpdated: t.strict({ jobId: Id, ...JobSettings.type.props, anchor: Instant, updatedAt: Instant }),
  JobEnabled: t.strict({ jobId: Id, at: Instant }),
  JobDisabled: t.strict({ jobId: Id, at: Instant }),
  JobRemoved: t.strict({ jobId: Id, at: Instant }),
  JobRunStarted: t.strict({
    jobId: Id,
    runId: Id,
    scanId: Id,
    /** The fire time this run stands for (a misfire's run keeps the time it should have fired; manual: its start). */
    scheduledFor: Instant,
    startedAt: Instant,
    trigger: RunTrigger,
    /** Who runs it: host name and process id, so a restarted scheduler can tell a run whose process died. */
    host: Text,
    pid: NonNegativeInt,
  }),
  /** Fire times from `first` through `through` (inclusive) that will never run; `count` of them. */
  JobRunsSkipped: t.strict({
    jobId: Id,
    reason: SkipReason,
    first: Instant,
    through: Instant,
    count: PositiveInt,
    at: Instant,
  }),
  JobRunFinished: t.strict({
    jobId: Id,
    runId: Id,
    scanId: Id,
    result: RunResult,
    exitCode: orNull(Integer),
    error: Text,
    assetCount: NonNegativeInt,
    findingCount: NonNegativeInt,
    finishedAt: Instant,
    durationSeconds: NonNegativeNumber,
  }),
};
