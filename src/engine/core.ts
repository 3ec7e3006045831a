import type Database from 'better-sqlite3';
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

const cache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A statement prepared once per connection: queries run on every command, preparing is not free. */
export const sql = <P extends unknown[] = unknown[], R = unknown>(
  core: Pick<Core, 'store'>,
  text: string,
): Database.Statement<P, R> => {
  let statements = cache.get(core.store.db);
  if (statements === undefined) cache.set(core.store.db, (statements = new Map()));
  let statement = statements.get(text);
  if (statement === undefined) statements.set(text, (statement = core.store.db.prepare(text)));
  return statement as unknown as Database.Statement<P, R>;
};
