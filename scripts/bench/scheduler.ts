import { sqliteEngine, sqliteOf } from '../../test/support/backend.js';
// Times the scheduler over a seeded mix of jobs in a real store:
//   node --import tsx scripts/bench/scheduler.ts [--jobs N] [--hours H]
// adding N jobs, then H one-hour passes (fire every due run, finish it at once), the due-job queries, a rebuild
// of the jobs projection, and the next 10 runs of every job from the read model.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { StateEngine } from '../../src/engine/index.js';
import { nextRuns, ScanScheduler, type Timer } from '../../src/schedule/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { seededChoices } from './random.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const JOBS = arg('--jobs', 10_000);
const HOURS = arg('--hours', 3);

// The same jobs every run, so results compare across commits.
const { pick, int } = seededChoices(2026);
const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Auckland'];
const expression = (): string =>
  pick([
    () => `${int(0, 59)} * * * *`,
    () => `*/${pick([5, 10, 15, 30])} * * * *`,
    () => `${int(0, 59)} ${int(0, 23)} * * *`,
    () => `cron(${int(0, 59)} ${int(0, 23)} * * ? *)`,
    () => `cron(0/${pick([5, 10, 15])} ${int(6, 9)}-${int(16, 20)} ? * MON-FRI *)`,
    () => `cron(0 ${int(0, 23)} L * ? *)`,
    () => `rate(${int(2, 120)} minutes)`,
    () => pick(['rate(1 hour)', 'rate(1 day)']),
    () => `at(2026-0${int(1, 3)}-${String(int(10, 28))}T${String(int(10, 23))}:00:00)`,
  ])();

const dir = mkdtempSync(join(os.tmpdir(), 'bench-scheduler-'));
let now = Date.UTC(2026, 0, 5, 6);
const clock = () => now;
const engine = sqliteEngine({ path: join(dir, 'stance.db'), clock });
const idle: Timer = { after: () => () => undefined };
const scheduler = new ScanScheduler({ engine, timer: idle, executor: async () => ({ result: 'success' }) });
const time = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
};
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;

const added = await time(async () => {
  for (let i = 0; i < JOBS; i += 1)
    await engine.jobs.add({ name: `job-${i}`, schedule: expression(), timezone: pick(ZONES), command: null });
});
console.log(`add ${JOBS} jobs: ${added.ms.toFixed(0)} ms (${rate(JOBS, added.ms)})`);

for (let h = 1; h <= HOURS; h += 1) {
  now += 3_600_000;
  const pending = await time(() => engine.jobs.pending());
  const head = sqliteOf(engine).headPositionSync();
  const pass = await time(() => scheduler.runOnce());
  const events = sqliteOf(engine).headPositionSync() - head;
  const r = pass.value;
  console.log(
    `pass ${h} (+1 h): ${pending.value.length} due (query ${pending.ms.toFixed(1)} ms); fired ${r.started.length} runs, ` +
      `skipped ${r.skipped.reduce((n, s) => n + s.count, 0)}; ${events} events in ${pass.ms.toFixed(0)} ms ` +
      `(${rate(r.started.length, pass.ms)} runs)`,
  );
}

const due = await time(() => engine.jobs.nextDueAt());
console.log(`next due ${due.value} (query ${due.ms.toFixed(2)} ms)`);
const jobs = await engine.jobs.list();
const next10 = await time(async () => {
  let runs = 0;
  for (const j of jobs)
    runs += nextRuns(j.schedule_expression, { after: new Date(now), tz: j.timezone, anchor: j.anchor, count: 10 }).length;
  return runs;
});
console.log(`next 10 runs of ${jobs.length} jobs: ${next10.value} runs in ${next10.ms.toFixed(0)} ms`);
const rebuild = await time(() => engine.rebuildProjections('jobs'));
console.log(`rebuild jobs projection: ${rebuild.value} events in ${rebuild.ms.toFixed(0)} ms (${rate(rebuild.value, rebuild.ms)})`);
const rss = Math.round(process.resourceUsage().maxRSS / 1024);
const machine = `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}`;
console.log(`peak rss ${rss} MB; ${machine}`);
await engine.close();
rmSync(dir, { recursive: true, force: true });
