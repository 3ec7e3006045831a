import { instantOf, type Instant } from '../events/index.js';
import type { Backend } from '../ports/backend.js';
import type { BodySettings } from './bodies.js';

/** What the engine's command and query modules share. */
export interface Core {
  readonly backend: Backend;
  /** Milliseconds since the epoch; tests and the demo inject one. */
  readonly clock: () => number;
  /** Runs between a decision's load and its commit: a test slips another writer in there. */
  readonly beforeCommit?: (() => Promise<void>) | undefined;
  /** Runs decisions of this process one at a time (see decide.ts). */
  readonly serial: Serial;
  /** How session bodies are compressed and sealed. */
  readonly bodies: BodySettings;
}

export type Serial = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * One decision at a time in a process: a decision awaits its loads, and two of this process's decisions on one
 * stream interleaving there would only make each other retry (twelve runs of a job finishing at once, say). Other
 * processes still race, and the expected revisions settle that.
 */
export const serialQueue = (): Serial => {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
};

export const now = (core: Core): Instant => instantOf(core.clock());
