/**
 * A PostgreSQL writer process for multi-process tests. Usage: pg-child.ts <mode> <url> <label> [count] [maxBatch]
 * - `batches`: appends `count` batches of batchPlan(label, k, maxBatch) (ids derived from (label, k)), every other
 *   one with a transaction hook; prints `ack <k>` after each acknowledged commit and `done` at the end.
 * - `contend`: `count` times, reads the revision of finding-contended and appends one event expecting it; prints
 *   `ack <revision>` for a success and `conflict` for a WrongExpectedRevision; `done` at the end.
 * - `open`: opens the store (creating the schema if needed), prints `opened <origin>`, closes.
 * Waits for `go` on stdin first when STANCE_CHILD_WAIT=1, so several children start their work together.
 */
import { createInterface } from 'node:readline';
import { WrongExpectedRevision } from '../../src/store/index.js';
import { PostgresEventStore } from '../../src/store/postgres/index.js';
import { batchPlan } from './batch-plan.js';
import { note } from './events.js';

const [mode, url, label, countText, maxBatchText] = process.argv.slice(2);
if (mode === undefined || url === undefined || label === undefined) throw new Error('usage: pg-child.ts <mode> <url> <label> [count] [maxBatch]');
const count = Number(countText ?? 100);
const maxBatch = Number(maxBatchText ?? 20);
const say = (line: string) => process.stdout.write(`${line}\n`);

if (process.env.STANCE_CHILD_WAIT === '1') {
  say('ready');
  await new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line === 'go') {
        lines.close();
        // An open stdin keeps the process alive after its work.
        process.stdin.destroy();
        resolve();
      }
    });
  });
}

const store = await PostgresEventStore.open({ url, poolSize: 2, ...(process.env.STANCE_CHILD_UNLOCKED === '1' ? { ordering: 'unlocked' as const } : {}) });
try {
  if (mode === 'open') say(`opened ${store.origin}`);
  else if (mode === 'batches') {
    for (let k = 0; k < count; k += 1) {
      const { writes } = batchPlan(label, k, maxBatch);
      // Every other commit as the engine's will be, with read-model writes in its transaction (a round trip here).
      if (k % 2 === 0) await store.commit(writes, { inTransaction: async (client) => void (await client.query('SELECT 1')) });
      else await store.appendMany(writes);
      say(`ack ${k}`);
    }
  } else if (mode === 'contend') {
    for (let i = 0; i < count; i += 1) {
      const revision = await store.streamRevision('finding-contended');
      try {
        const result = await store.append('finding-contended', [note('contended', `${label}:${i}`)], {
          expectedRevision: revision ?? 'no_stream',
        });
        say(`ack ${result.revision}`);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevision)) throw error;
        say('conflict');
      }
    }
  } else throw new Error(`unknown mode ${mode}`);
  say('done');
} finally {
  await store.close();
}
