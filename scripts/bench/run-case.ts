/**
 * Runs one benchmark case in this (fresh) process and prints one JSON line: `node --import tsx run-case.ts '<json>'`
 * with a CaseSpec. Ingest cases are timed batch by batch (generating the workload is not timed); read cases are
 * timed whole. Peak RSS is this process's, so one case's heap never counts against another.
 */
import { cpus } from 'node:os';
import { workload, type Batch, type WorkloadOptions } from './workload.js';

export type Durability = 'full' | 'normal';

export interface CaseSpec {
  /** File name under cases/ without `.ts`: `<contender>-<operation>`. */
  readonly module: string;
  /** The row's name in the table. */
  readonly name: string;
  /** Where the case keeps its files; read cases find there what an ingest case wrote. */
  readonly dir: string;
  readonly durability: Durability;
  readonly workload: WorkloadOptions;
  /** Stop an ingest after the batch that reaches this many events (a slow peer runs a prefix of the workload). */
  readonly maxEvents?: number;
  readonly options?: Readonly<Record<string, string | number | boolean>>;
}

export interface CaseContext {
  readonly dir: string;
  readonly durability: Durability;
  readonly workload: WorkloadOptions;
  readonly options: Readonly<Record<string, string | number | boolean>>;
}

/** What `setup` returns: the function to time, and what to report once it is done. */
export type Timed =
  | {
      readonly operation: 'ingest';
      /** Writes one batch; only these calls are timed. */
      readonly run: (batch: Batch) => void | Promise<void>;
      readonly finish?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
    }
  | {
      readonly operation: 'read';
      /** Reads (or rebuilds) everything; returns the events it went through. */
      readonly run: () => number | Promise<number>;
      readonly finish?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
    };

export interface CaseModule {
  setup(context: CaseContext): Timed | Promise<Timed>;
}

export interface CaseResult {
  readonly name: string;
  readonly module: string;
  readonly durability: Durability;
  readonly operation: 'ingest' | 'read';
  readonly events: number;
  readonly batches: number;
  readonly seconds: number;
  /** CPU time (user + system) this process spent in the timed calls: below `seconds` when it waited on I/O or the CPU. */
  readonly cpuSeconds: number;
  readonly eventsPerSecond: number;
  readonly peakRssMb: number;
  readonly extra: Record<string, unknown>;
}

const runCase = async (spec: CaseSpec): Promise<CaseResult> => {
  const module = (await import(`./cases/${spec.module}.ts`)) as CaseModule;
  const timed = await module.setup({
    dir: spec.dir,
    durability: spec.durability,
    workload: spec.workload,
    options: spec.options ?? {},
  });
  let events = 0;
  let batches = 0;
  let ns = 0n;
  let cpu = 0;
  const cpuNow = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  if (timed.operation === 'ingest') {
    const max = spec.maxEvents ?? Number.POSITIVE_INFINITY;
    const progressEvery = Math.max(1, Math.floor(spec.workload.events / 10));
    let nextProgress = progressEvery;
    for (const batch of workload(spec.workload)) {
      const cpuStarted = cpuNow();
      const started = process.hrtime.bigint();
      const result = timed.run(batch);
      if (result instanceof Promise) await result;
      ns += process.hrtime.bigint() - started;
      cpu += cpuNow() - cpuStarted;
      events += batch.events.length;
      batches += 1;
      if (events >= nextProgress && process.stderr.isTTY) {
        process.stderr.write(`  ${spec.name}: ${events} events\r`);
        nextProgress += progressEvery;
      }
      if (events >= max) break;
    }
  } else {
    const cpuStarted = cpuNow();
    const started = process.hrtime.bigint();
    events = await timed.run();
    ns = process.hrtime.bigint() - started;
    cpu = cpuNow() - cpuStarted;
  }
  const extra = (await timed.finish?.()) ?? {};
  const seconds = Number(ns) / 1e9;
  return {
    name: spec.name,
    module: spec.module,
    durability: spec.durability,
    operation: timed.operation,
    events,
    batches,
    seconds,
    cpuSeconds: cpu / 1e6,
    eventsPerSecond: events / seconds,
    // maxRSS is in kilobytes (nodejs.org/api/process.html#processresourceusage).
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    // What the rest of the peak is made of: V8's heap (the SQLite page cache and the loader are outside it).
    extra: { cpus: cpus().length, heapTotalMb: process.memoryUsage().heapTotal / 2 ** 20, ...extra },
  };
};

// Other files import only this file's types, so running it is always running a case.
const result = await runCase(JSON.parse(process.argv[2] ?? '{}') as CaseSpec);
process.stdout.write(`${JSON.stringify(result)}\n`);
