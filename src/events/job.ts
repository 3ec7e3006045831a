import * as t from 'io-ts';
import { Id, Instant, JsonRecord, NonNegativeInt, NonNegativeNumber, orNull, Text } from './primitives.js';

export const MisfirePolicy = t.keyof({ skip: null, fire_once: null, fire_all: null }, 'MisfirePolicy');
export type MisfirePolicy = t.TypeOf<typeof MisfirePolicy>;
export const OverlapPolicy = t.keyof({ skip: null, allow: null }, 'OverlapPolicy');
export type OverlapPolicy = t.TypeOf<typeof OverlapPolicy>;
export const RunResult = t.keyof({ success: null, failed: null, timeout: null }, 'RunResult');
export type RunResult = t.TypeOf<typeof RunResult>;
export const RunTrigger = t.keyof({ schedule: null, manual: null, misfire: null }, 'RunTrigger');
export type RunTrigger = t.TypeOf<typeof RunTrigger>;

const JobSettings = {
  name: Id,
  schedule: Text,
  timezone: Id,
  configName: Id,
  command: orNull(Text),
  accountId: t.string,
  region: t.string,
  misfire: MisfirePolicy,
  overlap: OverlapPolicy,
  timeoutSeconds: NonNegativeInt,
  metadata: JsonRecord,
};

/** Schema 1 of each job event's data. */
export const jobEvents = {
  JobCreated: t.strict({ jobId: Id, ...JobSettings, enabled: t.boolean, anchor: Instant, createdAt: Instant }),
  JobUpdated: t.strict({ jobId: Id, ...JobSettings, anchor: Instant, updatedAt: Instant }),
  JobEnabled: t.strict({ jobId: Id, at: Instant }),
  JobDisabled: t.strict({ jobId: Id, at: Instant }),
  JobRemoved: t.strict({ jobId: Id, at: Instant }),
  JobRunStarted: t.strict({
    jobId: Id,
    runId: Id,
    scanId: Id,
    /** The fire time this run stands for (a misfire's run keeps the time it should have fired). */
    scheduledFor: Instant,
    startedAt: Instant,
    trigger: RunTrigger,
    host: Text,
  }),
  JobRunFinished: t.strict({
    jobId: Id,
    runId: Id,
    result: RunResult,
    exitCode: orNull(t.Int),
    error: Text,
    finishedAt: Instant,
    durationSeconds: NonNegativeNumber,
  }),
};
