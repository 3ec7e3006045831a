/**
 * `npm run bench:log [-- --events N]`: appends N small events (default 1,000,000) in batches of 1,000 under
 * durability `full` and `normal`, then reads them all back with readAll. Each case runs in its own process.
 * A script, not a test: it prints figures and asserts nothing about speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore, type StreamWrite } from '../../src/store/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const events = Number(option('--events', '1000000'));
const batchSize = 1000;

/** Batch k: 1,000 notes over 10 streams (100 each), about 200 bytes of data per event. */
const batch = (k: number): StreamWrite[] =>
  Array.from({ length: 10 }, (_, s) => {
    const finding = `f${(k * 10 + s) % 5000}`;
    return {
      stream: `finding-${finding}`,
      events: Array.from({ length: batchSize / 10 }, (_, i) => ({
        type: 'FindingNoteAdded',
        data: { findingId: finding, by: 'bench', text: `note ${k}:${s}:${i}`, at: '2026-01-01T00:00:00.000Z' },
      })),
    };
  });

const runCase = (kind: string, path: string, durability: 'full' | 'normal'): void => {
  const store = new SqliteEventStore({ path, durability });
  const started = process.hrtime.bigint();
  let count = 0;
  if (kind === 'append') {
    for (let k = 0; k < events / batchSize; k += 1) count += store.appendSync(batch(k)).reduce((n, r) => n + r.events.length, 0);
  } else {
    for (const _ of store.readAllSync()) count += 1;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ kind, durability, count, seconds, perSecond: count / seconds, rssMb })}\n`);
  void store.close();
};

if (args[0] === '--case') {
  runCase(args[1] ?? 'append', args[2] ?? '', (args[3] ?? 'full') as 'full' | 'normal');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-log-'));
  const self = fileURLToPath(import.meta.url);
  const rows: Record<string, number | string>[] = [];
  try {
    for (const [kind, durability, file] of [
      ['append', 'full', 'full.db'],
      ['append', 'normal', 'normal.db'],
      ['readAll', 'normal', 'normal.db'],
    ] as const) {
      const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', kind, join(dir, file), durability, '--events', String(events)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const row = JSON.parse(child.stdout.trim()) as Record<string, number | string>;
      rows.push(row);
      process.stdout.write(
        `${`${kind} (${durability})`.padEnd(18)} ${String(row.count).padStart(9)} events  ${Number(row.seconds).toFixed(2).padStart(7)} s  ${Math.round(Number(row.perSecond)).toLocaleString('en-US').padStart(10)} events/s  peak RSS ${Math.round(Number(row.rssMb))} MB\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${events} events in batches of ${batchSize}; ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
}
