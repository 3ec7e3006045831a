import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRecord, RunOutcome, RunRecord } from '../../src/engine/index.js';
import { ScanScheduler, type Executor, type RunContext, type SchedulerEvent } from '../../src/schedule/index.js';
import { onBackend, openTestEngine, TestClock } from '../support/engine.js';
import { IoTracker } from '../support/io.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { FakeTimer } from './support/fake-timer.js';

let dir = '';

/** A scheduler on a fresh engine, a clock and timer the test moves, and an executor that records what it ran. */
const harness = async (executor?: Executor, options: { pollMs?: number } = {}) => {
  const io = new IoTracker();
  const { engine, clock } = await openTestEngine(dir, new TestClock(), { io });
  const timer = new FakeTimer(clock, () => io.idle());
  const ran: RunContext[] = [];
  const events: SchedulerEvent[] = [];
  const recording: Executor = async (context) => {
    ran.push(context);
    return executor === undefined ? { result: 'success', assetCount: 3, findingCount: 1 } : executor(context);
  };
  const scheduler = new ScanScheduler({
    engine,
    executor: recording,
    timer,
    pollMs: options.pollMs ?? 60_000,
    host: 'test-host',
    pid: 4242,
    onEvent: (e) => events.push(e),
  });
  return { engine, clock, timer, scheduler, ran, events };
};

const Loop = suite(onBackend('schedule/scheduler: the loop on an injected clock'));
Loop.before(() => {
  dir = makeTempDir('scheduler');
});
Loop.after(() => removeDir(dir));

Loop('a started scheduler fires each job at its fire times as the clock reaches them, and calls back', async () => {
  const { engine, timer, scheduler, ran } = await harness();
  const j = await scheduler.addJob('every ten', '*/10 * * * *');
  const results: [JobRecord, RunRecord][] = [];
  scheduler.addCallback((job, result) => results.push([job, result]));
  scheduler.start();
  assert.ok(scheduler.isRunning());
  await timer.advance(9);
  assert.is(ran.length, 0);
  await timer.advance(21);
  await scheduler.settle();
  const fireTimes = ['2026-01-01T00:10:00.000Z', '2026-01-01T00:20:00.000Z', '2026-01-01T00:30:00.000Z'];
  assert.equal(ran.map((c) => c.run.scheduled_for), fireTimes);
  assert.ok(ran.every((c) => c.run.trigger === 'schedule' && c.job.id === j.id));
  const seen = results.map(([job, r]) => [job.run_count, r.success, r.assets_scanned]);
  assert.equal(seen, [[1, true, 3], [2, true, 3], [3, true, 3]]);
  await scheduler.stop();
  assert.not.ok(scheduler.isRunning());
  await timer.advance(60);
  assert.is(ran.length, 3);
  await engine.close();
});

Loop('jobs another process adds are picked up within a poll', async () => {
  const { engine, timer, scheduler, ran } = await harness(undefined, { pollMs: 5 * 60_000 });
  scheduler.start();
  await timer.advance(1);
  await engine.jobs.add({ name: 'late', schedule: 'rate(2 minutes)' });
  await timer.advance(10);
  await scheduler.settle();
  assert.ok(ran.length >= 1);
  await scheduler.stop();
  await engine.close();
});

Loop('the seed’s queries: enabled, pending, status; unknown ids answer false or null', async () => {
  const { engine, clock, scheduler } = await harness();
  const a = await scheduler.addJob('a', '*/10 * * * *');
  await scheduler.addJob('b', '0 * * * *', { enabled: false });
  assert.equal((await scheduler.getEnabledJobs()).map((j) => j.name), ['a']);
  clock.advance(10);
  assert.equal((await scheduler.getPendingJobs()).map((j) => j.id), [a.id]);
  assert.equal(await scheduler.getPendingJobs(new Date(Date.UTC(2026, 0, 1, 0, 5))), []);
  const status = await scheduler.getStatus();
  const counts = [status.running, status.total_jobs, status.enabled_jobs, status.pending_jobs, status.jobs.length];
  assert.equal(counts, [false, 2, 1, 1, 2]);
  assert.is(await scheduler.enableJob('nope'), false);
  assert.is(await scheduler.disableJob(a.id), true);
  assert.is(await scheduler.removeJob('nope'), false);
  assert.is(await scheduler.runJobNow('nope'), null);
  assert.is(await scheduler.getJob('nope'), null);
  await engine.close();
});

const Runs = suite(onBackend('schedule/scheduler: runs and their outcomes'));
Runs.before(() => {
  dir = makeTempDir('scheduler-runs');
});
Runs.after(() => removeDir(dir));

Runs('run now runs a job whatever its schedule, and resolves with the finished run', async () => {
  const { engine, scheduler, ran } = await harness();
  const j = await scheduler.addJob('a', '0 0 1 1 *', { configName: 'cis-aws' });
  const result = await scheduler.runJobNow(j.id);
  assert.equal([result?.trigger, result?.success, ran[0]?.job.config_name], ['manual', true, 'cis-aws']);
  assert.equal((await engine.getScan(result?.scan_id ?? ''))?.status, 'completed');
  await engine.close();
});

Runs('an executor that throws or answers wrongly makes a failed run, and the loop goes on', async () => {
  let calls = 0;
  const { engine, scheduler } = await harness(async () => {
    calls += 1;
    if (calls === 1) throw new Error('boom');
    return { result: 'maybe' } as unknown as RunOutcome;
  });
  const j = await scheduler.addJob('a', '*/10 * * * *');
  const first = await scheduler.runJobNow(j.id);
  const second = await scheduler.runJobNow(j.id);
  assert.equal([first?.result, first?.error], ['failed', 'the executor threw: boom']);
  assert.equal(second?.result, 'failed');
  assert.match(second?.error ?? '', /answered wrongly: invalid outcome.result/);
  await engine.close();
});

Runs('a job without a command and a scheduler without an executor fails its run, saying why', async () => {
  const { engine, clock, timer } = await harness();
  const bare = new ScanScheduler({ engine, timer, host: 'h', pid: 1 });
  const j = await bare.addJob('a', '*/10 * * * *');
  clock.advance(10);
  const result = await bare.runJobNow(j.id);
  assert.match(result?.error ?? '', /no executor/);
  await engine.close();
});

Runs('a run past its timeout is recorded as timed out, though its executor never answers', async () => {
  const { engine, timer, scheduler } = await harness(() => new Promise<RunOutcome>(() => undefined));
  const j = await scheduler.addJob('a', '*/10 * * * *', { timeoutSeconds: 120 });
  const pending = scheduler.runJobNow(j.id);
  await timer.advance(2);
  const result = await pending;
  assert.equal([result?.result, result?.error, result?.duration_seconds], ['timeout', 'timed out after 120 s', 120]);
  assert.is((await engine.getScan(result?.scan_id ?? ''))?.status, 'failed');
  await engine.close();
});

Runs('overlap skip: fire times while a run is in progress are skipped and logged', async () => {
  let release: (o: RunOutcome) => void = () => undefined;
  const { engine, timer, scheduler, events } = await harness(() => new Promise<RunOutcome>((resolve) => (release = resolve)));
  const j = await scheduler.addJob('a', '*/10 * * * *', { timeoutSeconds: 0 });
  scheduler.start();
  await timer.advance(35);
  release({ result: 'success' });
  await scheduler.settle();
  const after = await scheduler.getJob(j.id);
  assert.equal([after?.run_count, after?.skipped_count, after?.next_run], [1, 2, '2026-01-01T00:40:00.000Z']);
  assert.ok(events.some((e) => e.what === 'runs.skipped' && e.fields.reason === 'overlap'));
  await scheduler.stop();
  await engine.close();
});

Runs('stop with abort ends runs in progress, recorded failed: stopped', async () => {
  const { engine, timer, scheduler } = await harness(
    (c) => new Promise<RunOutcome>((resolve) => c.signal.addEventListener('abort', () => resolve({ result: 'failed' }))),
  );
  const j = await scheduler.addJob('a', '*/10 * * * *');
  scheduler.start();
  await timer.advance(10);
  await scheduler.stop({ abort: true });
  const last = (await scheduler.getJob(j.id))?.last_result;
  assert.equal([last?.result, last?.error], ['failed', 'stopped: the scheduler shut down']);
  await engine.close();
});

Runs('a run whose scheduler process died is abandoned on the next pass, and its scan failed', async () => {
  const { engine, clock, timer } = await harness();
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  clock.advance(10);
  const [orphan] = (await engine.jobs.fireDue(j.id, { host: 'test-host', pid: 999_999 })).runs;
  const isAlive = (pid: number) => pid !== 999_999;
  const scheduler = new ScanScheduler({ engine, timer, host: 'test-host', pid: 4242, isAlive });
  const report = await scheduler.runOnce();
  assert.equal(report.abandoned.map((r) => [r.run_id, r.result]), [[orphan?.run_id, 'abandoned']]);
  const scan = await engine.getScan(orphan?.scan_id ?? '');
  assert.match(scan?.error_message ?? '', /scheduler \(pid 999999 on test-host\) exited/);
  await engine.close();
});

Runs('a live scheduler’s runs are left alone', async () => {
  const { engine, clock, timer } = await harness();
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  clock.advance(10);
  await engine.jobs.fireDue(j.id, { host: 'test-host', pid: 31 });
  const scheduler = new ScanScheduler({ engine, timer, host: 'test-host', pid: 4242, isAlive: () => true });
  assert.equal((await scheduler.runOnce()).abandoned, []);
  assert.is((await engine.jobs.get(j.id))?.running.length, 1);
  await engine.close();
});

Loop.run();
Runs.run();
