import { spawn } from 'node:child_process';
import type { RunOutcome } from '../engine/index.js';
import { TIMEOUT, type Executor, type RunContext } from './executor.js';
import { systemTimer, type Timer } from './timer.js';

export interface ShellOptions {
  /** Added to the environment the command inherits (the CLI passes STANCE_STATE_DIR). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** After SIGTERM, how long the command has before SIGKILL (default 5000 ms). */
  readonly killGraceMs?: number;
  readonly timer?: Timer;
}

const TAIL = 8192;
const tail = (text: string, chunk: Buffer): string => (text + chunk.toString()).slice(-TAIL);
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)?.trim() ?? '';
// Events hold text without control characters: a colouring command's escape codes would fail the append.
const printable = (text: string): string => text.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 1000);

/** Counts a command may report: a JSON object on its last line of output, with the original's ScanResult names. */
const countsOf = (stdout: string): Pick<RunOutcome, 'assetCount' | 'findingCount'> => {
  try {
    const value: unknown = JSON.parse(lastLine(stdout));
    if (typeof value !== 'object' || value === null) return {};
    const { assets_scanned: assets, findings_count: findings } = value as Record<string, unknown>;
    const count = (n: unknown) => (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined);
    const a = count(assets);
    const f = count(findings);
    return { ...(a === undefined ? {} : { assetCount: a }), ...(f === undefined ? {} : { findingCount: f }) };
  } catch {
    return {};
  }
};

const envOf = ({ job, run }: RunContext, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...process.env,
  ...extra,
  STANCE_JOB_ID: job.id,
  STANCE_JOB_NAME: job.name,
  STANCE_RUN_ID: run.run_id,
  STANCE_SCAN_ID: run.scan_id,
  STANCE_CONFIG_NAME: job.config_name,
  STANCE_ACCOUNT_ID: job.account_id,
  STANCE_REGION: job.region,
  STANCE_SCHEDULED_FOR: run.scheduled_for,
  STANCE_TRIGGER: run.trigger,
});

/**
 * Runs a job's command with `sh -c` in its own process group, the run's ids in its environment. Exit 0 is success;
 * another code, a signal or a failure to start is failed, with the last line of stderr as the reason. When the run
 * is aborted (timeout, hard stop) the whole group gets SIGTERM, then SIGKILL after the grace: a shell's children
 * would outlive a signal to the shell alone.
 */
export const shellExecutor =
  (options: ShellOptions = {}): Executor =>
  (context) =>
    new Promise<RunOutcome>((resolve) => {
      const { job, signal } = context;
      if (job.command === null) return resolve({ result: 'failed', error: 'the job has no command' });
      const timer = options.timer ?? systemTimer;
      const child = spawn(job.command, {
        shell: true,
        detached: true,
        cwd: options.cwd ?? process.cwd(),
        env: envOf(context, options.env ?? {}),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout = tail(stdout, d)));
      child.stderr.on('data', (d: Buffer) => (stderr = tail(stderr, d)));
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(-(child.pid ?? 0), sig);
        } catch {
          child.kill(sig);
        }
      };
      let cancelKill = () => undefined as void;
      const onAbort = () => {
        kill('SIGTERM');
        cancelKill = timer.after(options.killGraceMs ?? 5000, () => kill('SIGKILL'));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ result: 'failed', error: `cannot run the command: ${error.message}` });
      });
      child.on('close', (code, killedBy) => {
        signal.removeEventListener('abort', onAbort);
        cancelKill();
        const reason = printable(lastLine(stderr));
        const counts = countsOf(stdout);
        if (signal.aborted) {
          const timedOut = signal.reason === TIMEOUT;
          const error = timedOut ? 'timed out' : 'stopped';
          return resolve({ result: timedOut ? 'timeout' : 'failed', exitCode: code, error, ...counts });
        }
        if (code === 0) return resolve({ result: 'success', exitCode: 0, ...counts });
        const how = code === null ? `killed by ${killedBy ?? 'a signal'}` : `exit code ${code}`;
        resolve({ result: 'failed', exitCode: code, error: reason === '' ? how : `${how}: ${reason}`, ...counts });
      });
    });
