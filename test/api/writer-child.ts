/**
 * A writer process for the API's concurrency tests. Usage: writer-child.ts <store> <batches> <batchSize> <prefix>
 * (`<store>`: a store URL, `sqlite:<path>` or `postgres://…?schema=name`).
 * Tracks `batches` batches of findings `<prefix>-<batch>-<i>` through its own engine (projections applied in its
 * own transactions, as a CLI's are) and prints `position <p>` after each, then `done`.
 */
import { openEngine } from '../../src/open.js';

const [store, batches = '10', size = '20', prefix = 'w'] = process.argv.slice(2);
if (store === undefined) throw new Error('usage: writer-child.ts <store> <batches> <batchSize> <prefix>');
const engine = await openEngine({ store, durability: 'normal' });
for (let b = 0; b < Number(batches); b += 1) {
  const records = Array.from({ length: Number(size) }, (_, i) => ({
    findingId: `${prefix}-${String(b).padStart(4, '0')}-${String(i).padStart(3, '0')}`,
    assetId: `asset-${i % 5}`,
    ruleId: `rule-${b % 3}`,
  }));
  const { position } = await engine.trackFindings(records);
  process.stdout.write(`position ${position}\n`);
  // Let the reader breathe between batches, as a scanner does between pages of cloud API calls.
  await new Promise((resolve) => setTimeout(resolve, 2));
}
process.stdout.write('done\n');
await engine.close();
