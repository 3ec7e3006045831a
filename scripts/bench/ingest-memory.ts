/**
 * `node --import tsx scripts/bench/ingest-memory.ts [--events N] [--samples K]`: where the ingest's memory goes. Runs
 * the bench's stance-state ingest case (`cases/stance-state-ingest.ts`, durability normal, the default workload cut to
 * N events, default 1,000,000) in this process on a temporary file and prints, K times along the way (default 10),
 * the resident set, V8's heap and the peak so far, then the wall and CPU time. What lies outside the heap is the loaded
 * code and SQLite's page cache (`pageCacheKib` in src/store/sqlite/schema.ts). A script, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pageCacheKib } from '../../src/store/sqlite/schema.js';
import { setup } from './cases/stance-state-ingest.js';
import { defaultWorkload, workload } from './workload.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`invalid ${name}: ${JSON.stringify(args[i + 1])} (expected a positive integer)\n`);
    process.exit(2);
  }
  return value;
};
const events = option('--events', 1_000_000);
const every = Math.max(1, Math.floor(events / option('--samples', 10)));
const options = { ...defaultWorkload, events };
const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-memory-'));
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const peak = () => mb(process.resourceUsage().maxRSS * 1024);
try {
  const timed = await setup({ dir, durability: 'normal', workload: options, options: {} });
  if (timed.operation !== 'ingest') throw new Error('the ingest case is not an ingest');
  process.stdout.write(`page cache ${pageCacheKib / 1024} MiB, ${events} events\n`);
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let n = 0;
  let next = every;
  for (const batch of workload(options)) {
    await timed.run(batch);
    n += batch.events.length;
    if (n >= next) {
      const m = process.memoryUsage();
      process.stdout.write(`${n} events: RSS ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} of ${mb(m.heapTotal)} MB, peak RSS ${peak()} MB\n`);
      next += every;
    }
  }
  await timed.finish?.();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  process.stdout.write(`${n} events in ${seconds.toFixed(2)} s (user ${(user / 1e6).toFixed(2)} s, system ${(system / 1e6).toFixed(2)} s), peak RSS ${peak()} MB\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
