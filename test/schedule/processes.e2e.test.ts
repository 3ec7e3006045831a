import { sqliteOf } from '../support/backend.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nextRuns } from '../../src/schedule/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { exited, repoRoot } from '../support/children.js';
import { openTestEngine, TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const script = fileURLToPath(new URL('./support/scheduler-child.ts', import.meta.url));

/** A scheduler child whose lines the test awaits one by one: no sleeping, only waiting on what it says. */
const startChild = (db: string, mode: 'ok' | 'hang') => {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, db, mode], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiting: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const i = waiting.findIndex((w) => w.test(line));
    if (i >= 0) waiting.splice(i, 1)[0]?.resolve(line);
    else lines.push(line);
  });
  const next = (prefix: string): Promise<string> => {
    const i = lines.findIndex((l) => l.startsWith(prefix));
    if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0] as string);
    return new Promise((resolve) => waiting.push({ test: (l) => l.startsWith(prefix), resolve }));
  };
  const tick = async (ms: number): Promise<number[]> => {
    child.stdin?.write(`tick ${ms}\n`);
    return (await next(`ticked ${ms} `)).split(' ').slice(2).map(Number);
  };
  return { child, next, tick, end: () => child.stdin?.end() };
};

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const starts = (db: string) => {
  const store = new SqliteEventStore({ path: db, durability: 'normal' });
  type Started = { jobId: string; scheduledFor: string; trigger: string; pid: number };
  const events = [...store.readAllSync({ filter: { types: ['JobRunStarted'] } })].map((e) => e.data as Started);
  return { store, events };
};

const Processes = suite('schedule/processes: schedulers in separate processes on one data dir');
let dir = '';
Processes.before(() => {
  dir = makeTempDir('scheduler-processes');
});
Processes.after(() => removeDir(dir));

Processes('two schedulers passing at the same instants fire each due run exactly once', async () => {
  const db = join(dir, 'two.db');
  const { engine } = openTestEngine(dir, new TestClock(), db);
  const specs = [
    ['*/5 * * * *', 'UTC'],
    ['rate(7 minutes)', 'UTC'],
    ['cron(0/15 * * * ? *)', 'America/New_York'],
    ['*/3 * * * *', 'UTC'],
    ['rate(1 minute)', 'UTC'],
    ['0 * * * *', 'Australia/Lord_Howe'],
    ['*/2 * * * *', 'Europe/London'],
    ['rate(4 minutes)', 'UTC'],
  ] as const;
  const jobs = [];
  for (const [i, [schedule, timezone]] of specs.entries())
    jobs.push(await engine.jobs.add({ name: `job-${i}`, schedule, timezone, overlap: i % 2 === 0 ? 'allow' : 'skip' }));
  await engine.close();
  const a = startChild(db, 'ok');
  const b = startChild(db, 'ok');
  await Promise.all([a.next('ready'), b.next('ready')]);
  const minutes = 60;
  for (let m = 1; m <= minutes; m += 1) await Promise.all([a.tick(T0 + m * MINUTE), b.tick(T0 + m * MINUTE)]);
  a.end();
  b.end();
  assert.equal((await Promise.all([exited(a.child), exited(b.child)])).map((e) => e.code), [0, 0]);
  const { store, events } = starts(db);
  const seen = new Map<string, number>();
  for (const e of events) seen.set(`${e.jobId} ${e.scheduledFor}`, (seen.get(`${e.jobId} ${e.scheduledFor}`) ?? 0) + 1);
  assert.equal([...seen].filter(([, n]) => n > 1), [], 'no fire time started twice');
  for (const [i, j] of jobs.entries()) {
    const expected = nextRuns(j.schedule_expression, { after: j.created_at, tz: j.timezone, anchor: j.anchor, count: 500 })
      .map((d) => d.toISOString())
      .filter((t) => t <= new Date(T0 + minutes * MINUTE).toISOString());
    const fired = events.filter((e) => e.jobId === j.id).map((e) => e.scheduledFor);
    assert.equal(fired, expected, `job ${i} (${j.schedule_expression})`);
  }
  assert.ok(events.every((e) => e.trigger === 'schedule'), 'every run on time');
  assert.ok(store.verifySync().ok);
  await store.close();
});

Processes('a scheduler killed mid-run, restarted 2 h later, abandons its runs and applies each misfire policy', async () => {
  const db = join(dir, 'killed.db');
  const { engine } = openTestEngine(dir, new TestClock(), db);
  const ids: Record<string, string> = {};
  for (const misfire of ['skip', 'fire_once', 'fire_all'] as const)
    ids[misfire] = (await engine.jobs.add({ name: misfire, schedule: '*/10 * * * *', misfire, timeoutSeconds: 0 })).id;
  await engine.close();

  const first = startChild(db, 'hang');
  await first.next('ready');
  assert.equal(await first.tick(T0 + 10 * MINUTE), [3, 0, 0]);
  first.child.kill('SIGKILL');
  assert.is((await exited(first.child)).signal, 'SIGKILL');

  // Back at 02:15: 00:20 to 02:10 (12 fire times) passed while no scheduler ran.
  const second = startChild(db, 'ok');
  await second.next('ready');
  const [started, skipped, abandoned] = await second.tick(T0 + 135 * MINUTE);
  second.end();
  assert.is((await exited(second.child)).code, 0);
  assert.equal([started, skipped, abandoned], [1 + 12, 12 + 11, 3]);

  const { store } = starts(db);
  const byJob = (id: string | undefined): Record<string, unknown>[] =>
    [...store.readStreamSync(`job-${id}`)].map((e) => ({ type: e.type, ...(e.data as Record<string, unknown>) }));
  const summary = (id: string | undefined) =>
    byJob(id).slice(1).map((e) => (e.type === 'JobRunStarted' ? `start ${String(e.scheduledFor).slice(11, 16)} ${e.trigger}`
      : e.type === 'JobRunsSkipped' ? `skip ${e.count} from ${String(e.first).slice(11, 16)} (${e.reason})`
      : `finish ${e.result}`));
  const hhmm = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString().slice(11, 16);
  const misfires = Array.from({ length: 12 }, (_, k) => `start ${hhmm(20 + 10 * k)} misfire`);
  assert.equal(summary(ids.skip), ['start 00:10 schedule', 'finish abandoned', 'skip 12 from 00:20 (misfire)']);
  const killed = ['start 00:10 schedule', 'finish abandoned'];
  assert.equal(summary(ids.fire_once), [...killed, 'start 00:20 misfire', 'skip 11 from 00:30 (misfire)', 'finish success']);
  assert.equal(summary(ids.fire_all), [...killed, ...misfires, ...misfires.map(() => 'finish success')]);
  const failed = [...store.readAllSync({ filter: { types: ['ScanFailed'] } })].map((e) => (e.data as { error: string }).error);
  assert.is(failed.length, 3);
  const why = /^abandoned: its scheduler \(pid \d+ on .+\) exited during the run$/;
  assert.ok(failed.every((e) => why.test(e)), failed.join('\n'));
  await store.close();
});

Processes.run();
