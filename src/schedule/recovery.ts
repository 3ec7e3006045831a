import { DomainError } from '../errors.js';
import type { RunRecord } from '../engine/index.js';
import type { RunnerDeps } from './runner.js';

export interface RecoveryContext {
  readonly now: number;
  readonly host: string;
  readonly pid: number;
  readonly graceMs: number;
  readonly isAlive: (pid: number) => boolean;
  readonly inFlight: (runId: string) => boolean;
}

/**
 * Finishes, as abandoned, the runs whose scheduler is gone: its process on this host has exited (killed, crashed),
 * or the run is still open well past its job's timeout, which its scheduler would have enforced. Their scans are
 * failed with the reason. Under overlap skip such a run would otherwise block its job for ever.
 */
export const recoverRuns = async (deps: RunnerDeps, c: RecoveryContext): Promise<RunRecord[]> => {
  const abandoned: RunRecord[] = [];
  for (const { jobId, timeoutSeconds, run } of await deps.jobs.openRuns()) {
    if (c.inFlight(run.runId)) continue;
    const ours = run.host === c.host && run.pid === c.pid;
    const died = run.host === c.host && !ours && !c.isAlive(run.pid);
    const overdue = timeoutSeconds > 0 && c.now > Date.parse(run.startedAt) + timeoutSeconds * 1000 + c.graceMs;
    if (!died && !(overdue && !ours)) continue;
    const why = died
      ? `abandoned: its scheduler (pid ${run.pid} on ${run.host}) exited during the run`
      : `abandoned: still open ${Math.round(c.graceMs / 1000)} s after its ${timeoutSeconds} s timeout`;
    try {
      const record = await deps.jobs.finishRun(jobId, run.runId, { result: 'abandoned', error: why });
      abandoned.push(record);
      const owner = `${run.host}:${run.pid}`;
      deps.emit('warn', 'run.abandoned', { job: jobId, run: run.runId, scan: run.scanId, owner });
    } catch (error) {
      // Another scheduler recovered it first, or its own finished it meanwhile: either way it is closed.
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return abandoned;
};
