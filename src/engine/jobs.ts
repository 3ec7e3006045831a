import { randomBytes } from 'node:crypto';
import * as t from 'io-ts';
import type { JobRow } from '../../projections/index.js';
import { job, jobStreamOf, type FiringOptions, type JobCommand } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import {
  decodeOrThrow,
  Id,
  JsonRecord,
  MisfirePolicy,
  NonNegativeInt,
  orNull,
  OverlapPolicy,
  Scope,
  Text,
  type Instant,
  optional,
} from '../events/index.js';
import { nextRuns } from '../schedule/expression/index.js';
import { now, type Core } from './core.js';
import { decideAndCommit, toNewEvents } from './decide.js';
import { InstantFromIso, type Input } from './inputs.js';
import { getJob, jobRecord, loadJob, type JobRecord } from './job-records.js';
import { finishRun, fireDue, openRuns, runNow, type Claim, type RunOutcome } from './job-runs.js';

export { RunOutcome, type Claim, type Fired, type OpenJobRun } from './job-runs.js';


/** Job ids appear in stream names, scan ids and command lines: short, and nothing a shell would mangle. */
export const JobId = t.refinement(
  t.string,
  (s) => /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(s),
  'job id (1-128 letters, digits, . _ : -)',
);
const Command = t.refinement(Text, (s) => s.trim().length > 0, 'a shell command');

const settings = {
  schedule: t.string, // checked by parseSchedule, which names the faulty field
  timezone: optional(Id),
  configName: optional(Id),
  command: optional(orNull(Command)),
  accountId: optional(Scope),
  region: optional(Scope),
  misfire: optional(MisfirePolicy),
  overlap: optional(OverlapPolicy),
  timeoutSeconds: optional(NonNegativeInt),
  metadata: optional(JsonRecord),
  anchor: optional(InstantFromIso),
};
export const AddJobInput = t.strict({ jobId: optional(JobId), name: Id, ...settings, enabled: optional(t.boolean) });
export type AddJobInput = Input<typeof AddJobInput>;
export const UpdateJobInput = t.strict({ name: optional(Id), ...settings, schedule: optional(t.string) });
export type UpdateJobInput = Input<typeof UpdateJobInput>;

export const defaultTimeoutSeconds = 3600;

const required = async (core: Core, jobId: string): Promise<JobRecord> => {
  const record = await getJob(core, jobId);
  if (record === null) throw new DomainError('unknown_job', `job ${jobId} is not known`);
  return record;
};

const decideJob = async (core: Core, command: JobCommand): Promise<void> => {
  const stream = jobStreamOf(command.data.jobId);
  await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadJob(core, command.data.jobId);
    const decided = job.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    return { writes: decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided), expectedRevision: revision }], value: null };
  });
};

/** A schedule that parses in its zone and fires at least once after `at`; InvalidInput names the faulty field. */
const checkSchedule = (schedule: string, tz: string, anchor: Instant, at: Instant): void => {
  if (nextRuns(schedule, { after: at, tz, anchor, count: 1 }).length === 0)
    throw new InvalidInput('schedule', schedule, `a schedule with a fire time after ${at}`);
};

export const addJob = async (core: Core, input: AddJobInput): Promise<JobRecord> => {
  const i = decodeOrThrow(AddJobInput, input);
  const at = now(core);
  const anchor = i.anchor ?? at;
  const timezone = i.timezone ?? 'UTC';
  checkSchedule(i.schedule, timezone, anchor, at);
  const jobId = i.jobId ?? randomBytes(6).toString('hex');
  await decideJob(core, {
    type: 'CreateJob',
    data: {
      jobId,
      name: i.name,
      schedule: i.schedule.trim(),
      timezone,
      configName: i.configName ?? 'default',
      command: i.command ?? null,
      accountId: i.accountId ?? '',
      region: i.region ?? '',
      misfire: i.misfire ?? 'fire_once',
      overlap: i.overlap ?? 'skip',
      timeoutSeconds: i.timeoutSeconds ?? defaultTimeoutSeconds,
      metadata: i.metadata ?? {},
      enabled: i.enabled ?? true,
      anchor,
      createdAt: at,
    },
  });
  return required(core, jobId);
};

/** Changes some settings; a new schedule, zone or anchor counts its fire times from now (none are misfires). */
export const updateJob = async (core: Core, jobId: string, input: UpdateJobInput): Promise<JobRecord> => {
  const i = decodeOrThrow(UpdateJobInput, input);
  const { state } = await loadJob(core, jobId);
  if (state === null || state.removed) throw new DomainError('unknown_job', `job ${jobId} is not known`);
  const at = now(core);
  const next = {
    name: i.name ?? state.name,
    schedule: (i.schedule ?? state.schedule).trim(),
    timezone: i.timezone ?? state.timezone,
    configName: i.configName ?? state.configName,
    command: i.command === undefined ? state.command : i.command,
    accountId: i.accountId ?? state.accountId,
    region: i.region ?? state.region,
    misfire: i.misfire ?? state.misfire,
    overlap: i.overlap ?? state.overlap,
    timeoutSeconds: i.timeoutSeconds ?? state.timeoutSeconds,
    metadata: i.metadata ?? state.metadata,
    anchor: i.anchor ?? state.anchor,
  };
  checkSchedule(next.schedule, next.timezone, next.anchor, at);
  await decideJob(core, { type: 'UpdateJob', data: { jobId, ...next, updatedAt: at } });
  return required(core, jobId);
};

export const enableJob = async (core: Core, jobId: string): Promise<JobRecord> => {
  await decideJob(core, { type: 'EnableJob', data: { jobId, at: now(core) } });
  return required(core, jobId);
};

export const disableJob = async (core: Core, jobId: string): Promise<JobRecord> => {
  await decideJob(core, { type: 'DisableJob', data: { jobId, at: now(core) } });
  return required(core, jobId);
};

/** Removes a job; false when there was none (the original's bool). Its events stay for audit. */
export const removeJob = async (core: Core, jobId: string): Promise<boolean> => {
  try {
    await decideJob(core, { type: 'RemoveJob', data: { jobId, at: now(core) } });
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unknown_job') return false;
    throw error;
  }
};

export const listJobs = async (core: Core, filter: { enabled?: boolean | undefined } = {}): Promise<JobRecord[]> => {
  const rows = await core.backend.models.rows({
    table: 'jobs',
    where: [
      { column: 'removed', op: '=', value: 0 },
      ...(filter.enabled === undefined ? [] : [{ column: 'enabled', op: '=' as const, value: filter.enabled ? 1 : 0 }]),
    ],
    order: [{ column: 'name' }, { column: 'job_id' }],
  });
  return rows.map((r) => jobRecord(r as unknown as JobRow));
};

const due = [
  { column: 'enabled', op: '=' as const, value: 1 },
  { column: 'removed', op: '=' as const, value: 0 },
];

/** Enabled jobs whose next fire time is at or before `at` (the original's get_pending_jobs). */
export const pendingJobs = async (core: Core, at: Instant = now(core)): Promise<JobRecord[]> => {
  const rows = await core.backend.models.rows({
    table: 'jobs',
    where: [...due, { column: 'next_run', op: 'is not null' }, { column: 'next_run', op: '<=', value: at }],
    order: [{ column: 'next_run' }, { column: 'job_id' }],
  });
  return rows.map((r) => jobRecord(r as unknown as JobRow));
};

/** The earliest next fire time of any enabled job, or null: how long a scheduler may sleep. */
export const nextDueAt = async (core: Core): Promise<Instant | null> =>
  (await core.backend.models.min('jobs', 'next_run', due)) as Instant | null;

/**
 * The jobs part of the engine facade (`engine.jobs`): commands and queries over jobs, and what a scheduler calls to
 * fire and finish runs. `core` is read on each call: the facade builds its core in its constructor.
 */
export const createJobs = (core: () => Core) => ({
  /** The engine's clock: a scheduler keeps time by it, so its decisions and the events agree. */
  clock: (): number => core().clock(),
  add: async (input: AddJobInput) => addJob(core(), input),
  update: async (jobId: string, input: UpdateJobInput) => updateJob(core(), jobId, input),
  remove: async (jobId: string) => removeJob(core(), jobId),
  enable: async (jobId: string) => enableJob(core(), jobId),
  disable: async (jobId: string) => disableJob(core(), jobId),
  get: async (jobId: string) => getJob(core(), jobId),
  list: async (filter: { enabled?: boolean | undefined } = {}) => listJobs(core(), filter),
  pending: async (at?: Instant) => pendingJobs(core(), at),
  nextDueAt: async () => nextDueAt(core()),
  fireDue: async (jobId: string, claim: Claim, options?: FiringOptions) => fireDue(core(), jobId, claim, options),
  runNow: async (jobId: string, claim: Claim) => runNow(core(), jobId, claim),
  finishRun: async (jobId: string, runId: string, outcome: RunOutcome) => finishRun(core(), jobId, runId, outcome),
  openRuns: async () => openRuns(core()),
});
export type Jobs = ReturnType<typeof createJobs>;
