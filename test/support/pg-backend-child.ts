/**
 * A process with its own PostgresBackend, for multi-process tests. Usage: pg-backend-child.ts <url> <label>
 * Prints `ready` once open; then for each line `next` on stdin commits one sighting of finding `<label>-<k>` and
 * prints `ack <k> <position>`; ends at `end` (or when stdin closes).
 */
import { createInterface } from 'node:readline';
import { projections } from '../../projections/index.js';
import { PostgresBackend } from '../../src/store/postgres/index.js';
import { at, tracked } from './findings.js';

const [url, label] = process.argv.slice(2);
if (url === undefined || label === undefined) throw new Error('usage: pg-backend-child.ts <url> <label>');
const say = (line: string) => process.stdout.write(`${line}\n`);
const backend = await PostgresBackend.open({ url, projections, poolSize: 2 });
try {
  say('ready');
  let k = 0;
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'end') break;
    if (line !== 'next') continue;
    const id = `${label}-${k}`;
    const [result] = await backend.commit([{ stream: `finding-${id}`, events: [tracked(id, at(1))] }]);
    say(`ack ${k} ${result?.position}`);
    k += 1;
  }
} finally {
  process.stdin.destroy();
  await backend.close();
}
