import { join } from 'node:path';
import { projections, type Projection } from '../../projections/index.js';
import { StateEngine, type BodySettings } from '../../src/engine/index.js';
import { SqliteBackend } from '../../src/store/sqlite/backend.js';
import type { SqliteEventStore } from '../../src/store/index.js';

/** The embedded log under an engine on SQLite, for tests that look at the file itself. */
export const sqliteOf = (engine: StateEngine): SqliteEventStore => {
  if (!(engine.backend instanceof SqliteBackend)) throw new Error('this test reads the SQLite file itself');
  return engine.backend.store;
};

export interface SqliteEngineOptions {
  readonly path: string;
  readonly origin?: string;
  readonly clock?: () => number;
  readonly durability?: 'full' | 'normal';
  readonly beforeCommit?: () => Promise<void>;
  readonly projections?: readonly Projection[];
  readonly onRebuild?: (name: string, done: number, total: number) => void;
  readonly bodies?: Partial<BodySettings>;
}

/** An engine on an SQLite file (several may share one file, as several processes do). */
export const sqliteEngine = (o: SqliteEngineOptions): StateEngine => {
  const backend = new SqliteBackend({
    path: o.path,
    durability: o.durability ?? 'normal',
    projections: o.projections ?? projections,
    ...(o.onRebuild === undefined ? {} : { onRebuild: o.onRebuild }),
    ...(o.origin === undefined ? {} : { origin: o.origin }),
    ...(o.clock === undefined ? {} : { clock: o.clock }),
  });
  return new StateEngine({
    backend,
    ...(o.clock === undefined ? {} : { clock: o.clock }),
    ...(o.beforeCommit === undefined ? {} : { beforeCommit: o.beforeCommit }),
    ...(o.bodies === undefined ? {} : { bodies: o.bodies }),
  });
};

export const fileIn = (dir: string, name: string): string => join(dir, name);
