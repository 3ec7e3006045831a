import { instantOf, type Instant } from '../events/index.js';
import type { Backend } from '../ports/backend.js';

/** What the engine's command and query modules share. */
export interface Core {
  readonly backend: Backend;
  /** Milliseconds since the epoch; tests and the demo inject one. */
  readonly clock: () => number;
  /** Runs between a decision's load and its commit: a test slips another writer in there. */
  readonly beforeCommit?: (() => Promise<void>) | undefined;
}

export const now = (core: Core): Instant => instantOf(core.clock());
