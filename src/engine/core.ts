import type { SqliteEventStore } from '../store/index.js';
import { instantOf, type Instant } from '../events/index.js';
import type { Projector } from './projector.js';

/** What the engine's command and query modules share. */
export interface Core {
  readonly store: SqliteEventStore;
  readonly projector: Projector;
  /** Milliseconds since the epoch; tests and the demo inject one. */
  readonly clock: () => number;
}

export const now = (core: Core): Instant => instantOf(core.clock());
