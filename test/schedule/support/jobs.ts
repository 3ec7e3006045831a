import type { JobCommand, JobEvent, RunToStart, SkipToRecord } from '../../../src/domain/index.js';
import type { DomainEventOf, Instant, RunResult, RunTrigger } from '../../../src/events/index.js';

/** Minute `n` after 2026-01-01T00:00:00Z, as an Instant. */
export const min = (n: number): Instant => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString() as Instant;

type Created = DomainEventOf<'JobCreated'>['data'];
export const jobData = (overrides: Partial<Created> = {}): Created => ({
  jobId: 'j1',
  name: 'nightly',
  schedule: '*/10 * * * *',
  timezone: 'UTC',
  configName: 'default',
  command: null,
  accountId: '',
  region: '',
  misfire: 'fire_once',
  overlap: 'skip',
  timeoutSeconds: 3600,
  metadata: {},
  enabled: true,
  anchor: min(0),
  createdAt: min(0),
  ...overrides,
});
export const created = (overrides: Partial<Created> = {}): JobEvent => ({ type: 'JobCreated', data: jobData(overrides) });
export const create = (overrides: Partial<Created> = {}): JobCommand => ({ type: 'CreateJob', data: jobData(overrides) });

export const updated = (at: Instant, overrides: Partial<Created> = {}): JobEvent => {
  const { enabled: _, createdAt: _c, ...data } = jobData(overrides);
  return { type: 'JobUpdated', data: { ...data, updatedAt: at } };
};
export const update = (at: Instant, overrides: Partial<Created> = {}): JobCommand => {
  const e = updated(at, overrides);
  return { type: 'UpdateJob', data: e.type === 'JobUpdated' ? e.data : (undefined as never) };
};
export const enabled = (at: Instant): JobEvent => ({ type: 'JobEnabled', data: { jobId: 'j1', at } });
export const disabled = (at: Instant): JobEvent => ({ type: 'JobDisabled', data: { jobId: 'j1', at } });
export const removed = (at: Instant): JobEvent => ({ type: 'JobRemoved', data: { jobId: 'j1', at } });
export const toggle = (type: 'EnableJob' | 'DisableJob' | 'RemoveJob', at: Instant): JobCommand => ({
  type,
  data: { jobId: 'j1', at },
});

/** A run standing for `scheduledFor`, ids named after it. */
export const run = (
  scheduledFor: Instant,
  trigger: RunTrigger = 'schedule',
  runId = `r-${scheduledFor.slice(11, 16)}`,
): RunToStart => ({
  runId,
  scanId: `s-${runId}`,
  scheduledFor,
  trigger,
});
export const start = (at: Instant, runs: readonly RunToStart[], skipped: SkipToRecord | null = null): JobCommand => ({
  type: 'StartRuns',
  data: { jobId: 'j1', at, host: 'host-a', pid: 7, runs, skipped },
});
export const started = (r: RunToStart, at: Instant = r.scheduledFor): JobEvent => ({
  type: 'JobRunStarted',
  data: { jobId: 'j1', ...r, scheduledFor: r.trigger === 'manual' ? at : r.scheduledFor, startedAt: at, host: 'host-a', pid: 7 },
});
export const skip = (reason: SkipToRecord['reason'], first: Instant, through: Instant, count: number): SkipToRecord => ({
  reason,
  first,
  through,
  count,
});
export const skipped = (s: SkipToRecord, at: Instant): JobEvent => ({
  type: 'JobRunsSkipped',
  data: { jobId: 'j1', ...s, at },
});
export const finish = (runId: string, at: Instant, result: RunResult = 'success', error = ''): JobCommand => ({
  type: 'FinishRun',
  data: { jobId: 'j1', at, runId, result, exitCode: result === 'success' ? 0 : 1, error, assetCount: 5, findingCount: 2 },
});
export const finished = (
  r: RunToStart,
  startedAt: Instant,
  at: Instant,
  result: RunResult = 'success',
  error = '',
): JobEvent => ({
  type: 'JobRunFinished',
  data: {
    jobId: 'j1',
    result,
    exitCode: result === 'success' ? 0 : 1,
    error,
    assetCount: 5,
    findingCount: 2,
    runId: r.runId,
    scanId: r.scanId,
    finishedAt: at,
    durationSeconds: (Date.parse(at) - Date.parse(startedAt)) / 1000,
  },
});
