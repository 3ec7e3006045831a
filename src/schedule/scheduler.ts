import { hostname } from 'node:os';
import { defaultFiring, type PlannedSkip } from '../domain/index.js';
import type { AddJobInput, JobRecord, Jobs, RunRecord, StateEngine } from '../engine/index.js';
import { DomainError } from '../errors.js';
import { instantOf, type Instant } from '../events/index.js';
import { STOPPED, type Executor } from './executor.js';
import { recoverRuns } from './recovery.js';
import { executeRun, type Emit, type RunCallback, type RunnerDeps } from './runner.js';
import { shellExecutor } from './shell.js';
import { systemTimer, type Timer } from './timer.js';

export interface SchedulerOptions {
  readonly engine: StateEngine;
  /** Runs jobs without a command (the seed's scan_executor). */
  readonly executor?: Executor;
  /** Runs jobs with a command; default the shell executor. */
  readonly shell?: Executor;
  readonly timer?: Timer;
  /** The longest sleep (ms, default 1000): jobs other processes add are seen this soon. */
  readonly pollMs?: number;
  /** A fire time found later than this (ms, default 60000) is missed: the job's misfire policy decides. */
  readonly graceMs?: number;
  /** fire_all runs at most this many missed fire times per catch-up (default 100). */
  readonly catchUpLimit?: number;
  readonly host?: string;
  readonly pid?: number;
  /** Whether a process of this host lives (default: signal 0); a run whose process died is abandoned. */
  readonly isAlive?: (pid: number) => boolean;
  /** One call per notable event: what the daemon logs. */
  readonly onEvent?: (event: SchedulerEvent) => void;
}

export interface SchedulerEvent {
  readonly at: Instant;
  readonly level: 'info' | 'warn' | 'error';
  readonly what: string;
  readonly fields: Readonly<Record<string, string | number | null>>;
}

export interface TickReport {
  readonly at: Instant;
  readonly started: readonly RunRecord[];
  readonly skipped: readonly (PlannedSkip & { readonly jobId: string })[];
  readonly abandoned: readonly RunRecord[];
}

export type AddJobOptions = Omit<AddJobInput, 'name' | 'schedule'>;

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const falseIfUnknown = async (action: () => Promise<unknown>): Promise<boolean> => {
  try {
    await action();
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unknown_job') return false;
    throw error;
  }
};

/**
 * The seed's ScanScheduler over the event log. Jobs live in the log, so any number of schedulers (processes) may
 * share one: each fire time runs once, claimed by an append at the job's revision. Time comes from the engine's
 * clock and waits from the injected timer: a test moves both by hand.
 */
export class ScanScheduler {
  private readonly jobs: Jobs;
  private readonly timer: Timer;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly catchUpLimit: number;
  private readonly host: string;
  private readonly pid: number;
  private readonly callbacks: RunCallback[] = [];
  private readonly inFlight = new Map<string, { promise: Promise<RunRecord | null>; controller: AbortController }>();
  private readonly deps: RunnerDeps;
  private running = false;
  private cancelWake: () => void = () => undefined;
  private ticking: Promise<TickReport> | null = null;

  constructor(private readonly options: SchedulerOptions) {
    this.jobs = options.engine.jobs;
    this.timer = options.timer ?? systemTimer;
    this.pollMs = options.pollMs ?? 1000;
    this.graceMs = options.graceMs ?? defaultFiring.graceMs;
    this.catchUpLimit = options.catchUpLimit ?? defaultFiring.catchUpLimit;
    this.host = options.host ?? hostname();
    this.pid = options.pid ?? process.pid;
    const emit: Emit = (level, what, fields) =>
      options.onEvent?.({ at: instantOf(this.jobs.clock()), level, what, fields });
    this.deps = {
      jobs: this.jobs,
      timer: this.timer,
      shell: options.shell ?? shellExecutor({ timer: this.timer }),
      executor: options.executor,
      callbacks: this.callbacks,
      emit,
    };
  }

  // Jobs (the seed's add_job ... enable_job), answered from the jobs projection.
  addJob = async (name: string, schedule: string, options: AddJobOptions = {}): Promise<JobRecord> =>
    this.jobs.add({ ...options, name, schedule });
  removeJob = async (jobId: string): Promise<boolean> => this.jobs.remove(jobId);
  getJob = async (jobId: string): Promise<JobRecord | null> => this.jobs.get(jobId);
  getJobs = async (): Promise<JobRecord[]> => this.jobs.list();
  getEnabledJobs = async (): Promise<JobRecord[]> => this.jobs.list({ enabled: true });
  getPendingJobs = async (now?: Date): Promise<JobRecord[]> => this.jobs.pending(instantOf(now ?? this.jobs.clock()));
  enableJob = async (jobId: string): Promise<boolean> => falseIfUnknown(() => this.jobs.enable(jobId));
  disableJob = async (jobId: string): Promise<boolean> => falseIfUnknown(() => this.jobs.disable(jobId));
  addCallback = (callback: RunCallback): void => void this.callbacks.push(callback);
  isRunning = (): boolean => this.running;

  /** Runs a job now, whatever its schedule, and resolves with the finished run; null if there is no such job. */
  runJobNow = async (jobId: string): Promise<RunRecord | null> => {
    let fired;
    try {
      fired = await this.jobs.runNow(jobId, { host: this.host, pid: this.pid });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unknown_job') return null;
      throw error;
    }
    const [run] = fired.runs;
    if (fired.job === null || run === undefined) return null;
    return this.launch(fired.job, run);
  };

  /** Starts the loop: due jobs fire at their time, looked for again at least every pollMs. */
  start = (): void => {
    if (this.running) return;
    this.running = true;
    const fields = { host: this.host, pid: this.pid, poll_ms: this.pollMs, grace_ms: this.graceMs };
    this.deps.emit('info', 'scheduler.started', fields);
    this.wake(0);
  };

  /** Stops firing and waits for runs in progress; `abort` ends them now (recorded failed: stopped). */
  stop = async (options: { abort?: boolean } = {}): Promise<void> => {
    const was = this.running;
    this.running = false;
    this.cancelWake();
    if (options.abort === true) for (const { controller } of this.inFlight.values()) controller.abort(STOPPED);
    await this.settle();
    if (was) this.deps.emit('info', 'scheduler.stopped', { host: this.host, pid: this.pid });
  };

  /** Resolves when no tick and no run is in progress (runs a tick starts included). */
  settle = async (): Promise<void> => {
    while (this.ticking !== null || this.inFlight.size > 0) {
      await this.ticking;
      await Promise.all([...this.inFlight.values()].map((f) => f.promise));
    }
  };

  /** What `scheduler run --once` does: recover, fire what is due, wait for those runs. */
  runOnce = async (): Promise<TickReport> => {
    const report = await this.tick();
    await this.settle();
    return report;
  };

  getStatus = async () => {
    const [jobs, pending, next] = await Promise.all([this.jobs.list(), this.getPendingJobs(), this.jobs.nextDueAt()]);
    return {
      running: this.running,
      host: this.host,
      pid: this.pid,
      total_jobs: jobs.length,
      enabled_jobs: jobs.filter((j) => j.enabled).length,
      pending_jobs: pending.length,
      runs_in_progress: this.inFlight.size,
      next_run: next,
      poll_ms: this.pollMs,
      grace_ms: this.graceMs,
      jobs,
    };
  };

  /**
   * One pass: abandon runs whose scheduler died, then fire every due job. Runs start in the background; `settle`
   * waits for them. Passes never overlap: a call during one gets that one.
   */
  tick = (): Promise<TickReport> => {
    this.ticking ??= this.pass().finally(() => (this.ticking = null));
    return this.ticking;
  };

  private pass = async (): Promise<TickReport> => {
    const at = instantOf(this.jobs.clock());
    const abandoned = await recoverRuns(this.deps, {
      now: Date.parse(at),
      host: this.host,
      pid: this.pid,
      graceMs: this.graceMs,
      isAlive: this.options.isAlive ?? processAlive,
      inFlight: (runId) => this.inFlight.has(runId),
    });
    const started: RunRecord[] = [];
    const skipped: (PlannedSkip & { jobId: string })[] = [];
    for (const due of await this.jobs.pending(at)) {
      try {
        const fired = await this.jobs.fireDue(due.id, { host: this.host, pid: this.pid }, {
          graceMs: this.graceMs,
          catchUpLimit: this.catchUpLimit,
        });
        if (fired.contended) this.deps.emit('warn', 'fire.contended', { job: due.id });
        if (fired.skipped !== null) {
          const s = fired.skipped;
          skipped.push({ ...s, jobId: due.id });
          const fields = { job: due.id, reason: s.reason, count: s.count, first: s.first, through: s.through };
          this.deps.emit('info', 'runs.skipped', fields);
        }
        for (const run of fired.runs) {
          started.push(run);
          if (fired.job !== null) void this.launch(fired.job, run);
        }
      } catch (error) {
        this.deps.emit('error', 'fire.failed', { job: due.id, error: messageOf(error) });
      }
    }
    return { at, started, skipped, abandoned };
  };

  private launch(job: JobRecord, run: RunRecord): Promise<RunRecord | null> {
    const controller = new AbortController();
    const promise = executeRun(this.deps, job, run, controller).finally(() => this.inFlight.delete(run.run_id));
    this.inFlight.set(run.run_id, { promise, controller });
    return promise;
  }

  private wake(delay: number): void {
    this.cancelWake();
    this.cancelWake = this.timer.after(delay, () => void this.loop());
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    let delay = this.pollMs;
    try {
      await this.tick();
      if (!this.running) return;
      const next = await this.jobs.nextDueAt();
      const wait = next === null ? this.pollMs : Date.parse(next) - this.jobs.clock();
      // Still due after a pass (a contended or failed fire): look again after a poll, not in a busy loop.
      delay = wait > 0 ? Math.min(wait, this.pollMs) : this.pollMs;
    } catch (error) {
      // The log may be busy or the disk full for a while: say so and try again after a poll.
      this.deps.emit('error', 'pass.failed', { error: messageOf(error) });
    }
    if (this.running) this.wake(delay);
  }
}
