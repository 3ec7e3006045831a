/**
 * stance-state's log alone: each batch's events appended with `appendSync` (one atomic multi-stream transaction, one
 * write per stream, validation, canonical JSON, the SHA-256 chain and the log's three indexes) and no engine, no
 * domain rules, no projections. Set beside the engine's ingest it shows what the read models cost, and beside the
 * limit what the log's own guarantees cost.
 */
import { join } from 'node:path';
import { SqliteEventStore, type StreamWrite } from '../../../src/store/index.js';
import type { Json } from '../../../src/events/index.js';
import type { CaseContext, Timed } from '../run-case.js';
import type { Batch } from '../workload.js';

export const setup = (context: CaseContext): Timed => {
  let now = Date.UTC(2026, 0, 1);
  const store = new SqliteEventStore({
    path: join(context.dir, `stance-state-log-${context.durability}.db`),
    durability: context.durability,
    origin: 'bench',
    clock: () => now,
  });
  let expected = 0;
  return {
    operation: 'ingest',
    run: (batch: Batch) => {
      now = batch.at;
      expected += batch.events.length;
      const byStream = new Map<string, { type: string; data: Json }[]>();
      for (const e of batch.events) {
        let events = byStream.get(e.stream);
        if (events === undefined) byStream.set(e.stream, (events = []));
        events.push({ type: e.type, data: e.data as Json });
      }
      const writes: StreamWrite[] = [...byStream].map(([stream, events]) => ({ stream, events }));
      store.appendSync(writes);
    },
    finish: async () => {
      const written = store.headPositionSync();
      if (written !== expected) throw new Error(`the log holds ${written} events for a workload of ${expected}`);
      const stats = store.statsSync();
      await store.close();
      return { written, logBytes: stats.bytes };
    },
  };
};
