import type { JobRecord, RunOutcome, RunRecord } from '../engine/index.js';

/** What an executor is told about the run it performs. */
export interface RunContext {
  readonly job: JobRecord;
  /** run_id, scan_id (already started: ScanStarted is in the log), scheduled_for and trigger. */
  readonly run: RunRecord;
  /** Aborted when the job's timeout passes or the scheduler stops hard; the run is then recorded without waiting. */
  readonly signal: AbortSignal;
}

/**
 * Performs one run and says how it went: `result` success, failed or timeout, and optionally the exit code, an error
 * message, and the scan's asset and finding counts. A thrown error is a failed run. The scheduler turns the outcome
 * into JobRunFinished and ScanCompleted or ScanFailed (the seed's scan_executor, given the whole run, not a name).
 */
export type Executor = (context: RunContext) => Promise<RunOutcome>;

/** Why a run's signal was aborted. */
export const TIMEOUT = 'timeout';
export const STOPPED = 'stopped';
