/**
 * The limit: the workload's serialized rows inserted with better-sqlite3 into a plain table, one transaction per
 * batch, under the same pragmas as the store (WAL, the durability's `synchronous`, its cache and checkpoint
 * interval). No checks, no checksums, no projections. With `indexed`, the table also has the store's two unique
 * indexes (id, and stream + revision; the position stands in for the revision), to show what those B-trees cost.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { pageCacheKib } from '../../../src/store/sqlite/schema.js';
import type { CaseContext, Timed } from '../run-case.js';
import type { WorkloadEvent } from '../workload.js';

export const limitFile = (dir: string, durability: string, indexed = false): string =>
  join(dir, `limit-${durability}${indexed ? '-indexed' : ''}.db`);

export const setup = (context: CaseContext): Timed => {
  const indexed = context.options.indexed === true;
  const db = new Database(limitFile(context.dir, context.durability, indexed));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${context.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`cache_size = ${-pageCacheKib}`);
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL, stream TEXT NOT NULL,
    type TEXT NOT NULL, data TEXT NOT NULL, meta TEXT NOT NULL)`);
  if (indexed)
    db.exec(`CREATE UNIQUE INDEX events_by_id ON events (id);
      CREATE UNIQUE INDEX events_by_stream ON events (stream, position)`);
  const insert = db.prepare<[string, string, string, string, string]>(
    'INSERT INTO events (id, stream, type, data, meta) VALUES (?, ?, ?, ?, ?)',
  );
  const write = db.transaction((events: readonly WorkloadEvent[]) => {
    for (const e of events) insert.run(e.id, e.stream, e.type, e.dataJson, e.metaJson);
  });
  return {
    operation: 'ingest',
    run: (batch) => write.immediate(batch.events),
    finish: () => {
      db.close();
      return {};
    },
  };
};
