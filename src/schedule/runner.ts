import { isLeft } from 'fp-ts/lib/Either.js';
import { decode } from '../events/index.js';
import { RunOutcome, type JobRecord, type Jobs, type RunRecord } from '../engine/index.js';
import { STOPPED, TIMEOUT, type Executor } from './executor.js';
import type { Timer } from './timer.js';

export type RunCallback = (job: JobRecord, result: RunRecord) => void;
export type Level = 'info' | 'warn' | 'error';
export type Emit = (level: Level, what: string, fields: Record<string, string | number | null>) => void;

export interface RunnerDeps {
  readonly jobs: Jobs;
  readonly timer: Timer;
  /** Runs jobs that have a command. */
  readonly shell: Executor;
  /** Runs jobs without one (the library's registered function). */
  readonly executor: Executor | undefined;
  readonly callbacks: readonly RunCallback[];
  readonly emit: Emit;
}

const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 1000);
const messageOf = (error: unknown): string => printable(error instanceof Error ? error.message : String(error));

/** Settles with the outcome an abort stands for, as soon as the signal is aborted. */
const whenAborted = (signal: AbortSignal, timeoutSeconds: number): Promise<RunOutcome> =>
  new Promise((resolve) => {
    const settle = () =>
      resolve(
        signal.reason === TIMEOUT
          ? { result: 'timeout', error: `timed out after ${timeoutSeconds} s` }
          : { result: 'failed', error: signal.reason === STOPPED ? 'stopped: the scheduler shut down' : 'aborted' },
      );
    if (signal.aborted) settle();
    else signal.addEventListener('abort', settle, { once: true });
  });

/** What the executor said, checked: an executor's bad answer is a failed run, not a scheduler crash. */
const outcomeOf = (value: unknown): RunOutcome => {
  const decoded = decode(RunOutcome, value, 'outcome');
  if (isLeft(decoded)) return { result: 'failed', error: `the executor answered wrongly: ${decoded.left.message}` };
  return decoded.right;
};

/**
 * Performs one started run: the job's command through the shell executor, else the registered function; the job's
 * timeout aborts it and records `timeout` without waiting for an executor that ignores its signal. Then the run and
 * its scan are finished in the log and the callbacks told. Returns the finished run, or null if it could not be
 * recorded (another scheduler abandoned it meanwhile, say).
 */
export const executeRun = async (
  deps: RunnerDeps,
  job: JobRecord,
  run: RunRecord,
  controller: AbortController,
): Promise<RunRecord | null> => {
  const fields = { job: job.id, name: job.name, run: run.run_id, scan: run.scan_id };
  deps.emit('info', 'run.started', { ...fields, trigger: run.trigger, scheduled_for: run.scheduled_for });
  const executor = job.command !== null ? deps.shell : deps.executor;
  const cancelTimeout =
    job.timeout_seconds > 0 ? deps.timer.after(job.timeout_seconds * 1000, () => controller.abort(TIMEOUT)) : () => {};
  let outcome: RunOutcome;
  try {
    const { signal } = controller;
    outcome =
      executor === undefined
        ? { result: 'failed', error: 'no executor: the job has no command and the scheduler no executor function' }
        : outcomeOf(await Promise.race([executor({ job, run, signal }), whenAborted(signal, job.timeout_seconds)]));
  } catch (error) {
    outcome = { result: 'failed', error: `the executor threw: ${messageOf(error)}` };
  } finally {
    cancelTimeout();
  }
  let finished: RunRecord;
  try {
    finished = await deps.jobs.finishRun(job.id, run.run_id, outcome);
  } catch (error) {
    deps.emit('error', 'run.unrecorded', { ...fields, error: messageOf(error) });
    return null;
  }
  deps.emit(finished.success === true ? 'info' : 'warn', 'run.finished', {
    ...fields,
    result: finished.result,
    exit_code: finished.exit_code,
    duration_s: finished.duration_seconds,
    ...(finished.error === '' ? {} : { error: finished.error }),
  });
  if (deps.callbacks.length === 0) return finished;
  const current = (await deps.jobs.get(job.id)) ?? job;
  for (const callback of deps.callbacks) {
    try {
      callback(current, finished);
    } catch (error) {
      // The original swallowed callback errors silently; one callback's fault must not stop the others, but say so.
      deps.emit('error', 'callback.failed', { ...fields, error: messageOf(error) });
    }
  }
  return finished;
};
