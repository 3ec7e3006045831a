import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openLog } from '../../src/open.js';
import { nextRuns } from '../../src/schedule/index.js';
import { exited, repoRoot } from '../support/children.js';
import { engineOn, freshStore, onBackend, TestClock } from '../support/engine.js';
import { collect } from '../support/events.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const script = fileURLToPath(new URL('./support/scheduler-child.ts', import.meta.url));

/** A scheduler child whose lines the test awaits one by one: no sleeping, only waiting on what it says. */
const startChild = (store: string, mode: 'ok' | 'hang') => {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, store, mode], {
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
/** The log the schedulers wrote (through the log port, as `log tail` reads it) and its JobRunStarted events. */
const starts = async (url: string) => {
  const log = await openLog(url);
  type Started = { jobId: string; scheduledFor: string; trigger: string; pid: number };
  const events = (await collect(log.readAll({ filter: { types: ['JobRunStarted'] } }))).map((e) => e.data as Started);
  return { log, events };
};

const Processes = suite(onBackend('schedule/processes: schedulers in separate processes on one store'));
let dir = '';
Processes.before(() => {
  dir = makeTempDir('scheduler-processes');
});
Processes.after(() => removeDir(dir));

Processes('two schedulers passing at the same instants fire each due run exactly once', async () => {
  const store = await freshStore(dir, 'two');
  const engine = await engineOn(store.url, { origin: 'test', clock: new TestClock().now });
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
  const a = startChild(store.url, 'ok');
  const b = startChild(store.url, 'ok');
  await Promise.all([a.next('ready'), b.next('ready')]);
  const minutes = 60;
  for (let m = 1; m <= minutes; m += 1) await Promise.all([a.tick(T0 + m * MINUTE), b.tick(T0 + m * MINUTE)]);
  a.end();
  b.end();
  assert.equal((await Promise.all([exited(a.child), exited(b.child)])).map((e) => e.code), [0, 0]);
  const { log, events } = await starts(store.url);
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
  assert.ok((await log.verify()).ok);
  await log.close();
  await store.drop();
});

Processes('a scheduler killed mid-run, restarted 2 h later, abandons its runs and applies each misfire policy', async () => {
  const store = await freshStore(dir, 'killed');
  const engine = await engineOn(store.url, { origin: 'test', clock: new TestClock().now });
  const ids: Record<string, string> = {};
  for (const misfire of ['skip', 'fire_once', 'fire_all'] as const)
    ids[misfire] = (await engine.jobs.add({ name: misfire, schedule: '*/10 * * * *', misfire, timeoutSeconds: 0 })).id;
  await engine.close();

  const first = startChild(store.url, 'hang');
  await first.next('ready');
  assert.equal(await first.tick(T0 + 10 * MINUTE), [3, 0, 0]);
  first.child.kill('SIGKILL');
  assert.is((await exited(first.child)).signal, 'SIGKILL');

  // Back at 02:15: 00:20 to 02:10 (12 fire times) passed while no scheduler ran.
  const second = startChild(store.url, 'ok');
  await second.next('ready');
  const [started, skipped, abandoned] = await second.tick(T0 + 135 * MINUTE);
  second.end();
  assert.is((await exited(second.child)).code, 0);
  assert.equal([started, skipped, abandoned], [1 + 12, 12 + 11, 3]);

  const { log } = await starts(store.url);
  const byJob = async (id: string | undefined): Promise<Record<string, unknown>[]> =>
    (await collect(log.readStream(`job-${id}`))).map((e) => ({ type: e.type, ...(e.data as Record<string, unknown>) }));
  const summary = async (id: string | undefined) =>
    (await byJob(id)).slice(1).map((e) => (e.type === 'JobRunStarted' ? `start ${String(e.scheduledFor).slice(11, 16)} ${e.trigger}`
      : e.type === 'JobRunsSkipped' ? `skip ${e.count} from ${String(e.first).slice(11, 16)} (${e.reason})`
      : `finish ${e.result}`));
  const hhmm = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString().slice(11, 16);
  const misfires = Array.from({ length: 12 }, (_, k) => `start ${hhmm(20 + 10 * k)} misfire`);
  assert.equal(await summary(ids.skip), ['start 00:10 schedule', 'finish abandoned', 'skip 12 from 00:20 (misfire)']);
  const killed = ['start 00:10 schedule', 'finish abandoned'];
  assert.equal(await summary(ids.fire_once), [...killed, 'start 00:20 misfire', 'skip 11 from 00:30 (misfire)', 'finish success']);
  assert.equal(await summary(ids.fire_all), [...killed, ...misfires, ...misfires.map(() => 'finish success')]);
  const failed = (await collect(log.readAll({ filter: { types: ['ScanFailed'] } }))).map((e) => (e.data as { error: string }).error);
  assert.is(failed.length, 3);
  const why = /^abandoned: its scheduler \(pid \d+ on .+\) exited during the run$/;
  assert.ok(failed.every((e) => why.test(e)), failed.join('\n'));
  await log.close();
  await store.drop();
});

Processes.run();
