/**
 * A scheduler process for multi-process tests, on a clock its parent moves. Usage: scheduler-child.ts <store> <ok|hang>
 * (`<store>`: a store URL, `sqlite:<path>` or `postgres://…?schema=name`).
 * Prints `ready`, then for each `tick <ms>` line on stdin sets its clock to ms, makes one pass and prints
 * `ticked <ms> <runs started> <fire times skipped> <runs abandoned>`. With `ok` each run succeeds at once and the
 * pass waits for it; with `hang` runs never end, and each prints `running <runId>` once it is in progress.
 * Runs are claimed under the real host name and this process's pid, as a daemon's are.
 */
import { createInterface } from 'node:readline';
import type { RunOutcome } from '../../../src/engine/index.js';
import { openEngine } from '../../../src/open.js';
import { ScanScheduler } from '../../../src/schedule/index.js';

const [store, mode] = process.argv.slice(2);
if (store === undefined || (mode !== 'ok' && mode !== 'hang')) throw new Error('usage: scheduler-child.ts <store> <ok|hang>');
let now = 0;
const clock = () => now;
const engine = await openEngine({ store, clock, durability: 'normal' });
const scheduler = new ScanScheduler({
  engine,
  executor: async ({ run }) => {
    if (mode === 'ok') return { result: 'success', assetCount: 1, findingCount: 0 };
    process.stdout.write(`running ${run.run_id}\n`);
    return new Promise<RunOutcome>(() => undefined);
  },
});
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [word, ms] = line.split(' ');
  if (word !== 'tick') break;
  now = Number(ms);
  const report = await scheduler.tick();
  if (mode === 'ok') await scheduler.settle();
  const skipped = report.skipped.reduce((n, s) => n + s.count, 0);
  process.stdout.write(`ticked ${ms} ${report.started.length} ${skipped} ${report.abandoned.length}\n`);
}
await engine.close();
