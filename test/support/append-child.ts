/**
 * A writer process for multi-process and crash tests. Usage: append-child.ts <db> <label> <batches> <maxBatch>
 * Appends `batches` batches to streams finding-<label>-<k % 7>; batch k has ids derived from (label, k), so the
 * parent can name every event of any batch. Prints `ack <k>` after each acknowledged append, `done` at the end.
 */
import { SqliteEventStore } from '../../src/store/index.js';
import { batchPlan } from './batch-plan.js';

const [db, label, batches, maxBatch, durability] = process.argv.slice(2);
if (db === undefined || label === undefined) throw new Error('usage: append-child.ts <db> <label> <batches> <maxBatch>');
const store = new SqliteEventStore({ path: db, durability: durability === 'normal' ? 'normal' : 'full' });
for (let k = 0; k < Number(batches ?? 100); k += 1) {
  const plan = batchPlan(label, k, Number(maxBatch ?? 20));
  store.appendSync(plan.writes);
  process.stdout.write(`ack ${k}\n`);
}
process.stdout.write('done\n');
await store.close();
