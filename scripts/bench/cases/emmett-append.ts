/**
 * Emmett's SQLite event store (`@event-driven-io/emmett-sqlite`): each event appended to its stream with
 * `appendToStream`, as Emmett's command handlers do. It has no multi-stream batch, so a scan's sightings are one
 * append (one transaction) per finding. Emmett opens a connection per call on a file database and leaves SQLite's
 * default `synchronous` (FULL in WAL mode: every commit is fsynced), so it compares with durability `full`.
 */
import { getSQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { join } from 'node:path';
import type { CaseContext, Timed } from '../run-case.js';
import type { Batch } from '../workload.js';

export const setup = (context: CaseContext): Timed => {
  const store = getSQLiteEventStore({ fileName: join(context.dir, 'emmett.db') });
  let retries = 0;
  const append = async (stream: string, type: string, data: Record<string, unknown>) => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await store.appendToStream(stream, [{ type, data }]);
        return;
      } catch (error) {
        // Seen now and then here: "SQLITE_BUSY: cannot commit transaction - SQL statements in progress".
        if (attempt >= 3 || (error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
        retries += 1;
      }
    }
  };
  return {
    operation: 'ingest',
    run: async (batch: Batch) => {
      for (const e of batch.events) await append(e.stream, e.type, e.data);
    },
    finish: () => ({ retries }),
  };
};
