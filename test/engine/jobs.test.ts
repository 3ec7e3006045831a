import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine, type AddJobInput } from '../../src/engine/index.js';
import { DomainError, InvalidInput } from '../../src/errors.js';
import { onBackend, openRawLog, openTestEngine, siblingOf, TestClock } from '../support/engine.js';
import { allOf, headOf } from '../support/log.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const claim = { host: 'host-a', pid: 7 };
let dir = '';
const fresh = () => openTestEngine(dir, new TestClock());
const typesOf = async (engine: StateEngine, prefix: string) => (await allOf(engine, { filter: { streamPrefix: prefix } })).map((e) => e.type);

const Commands = suite(onBackend('engine/jobs: jobs as events'));
Commands.before(() => {
  dir = makeTempDir('jobs');
});
Commands.after(() => removeDir(dir));

Commands('adding a job records JobCreated with defaults and shows its next run', async () => {
  const { engine } = await fresh();
  const j = await engine.jobs.add({ name: 'nightly', schedule: 'cron(0 2 * * ? *)', timezone: 'America/New_York' });
  assert.equal(
    [j.schedule_type, j.config_name, j.misfire_policy, j.overlap_policy, j.timeout_seconds, j.enabled, j.next_run],
    ['cron', 'default', 'fire_once', 'skip', 3600, true, '2026-01-01T07:00:00.000Z'],
  );
  assert.equal(await typesOf(engine, 'job-'), ['JobCreated']);
  await engine.close();
});

Commands('a bad schedule, zone or one-time in the past is refused naming the field, and nothing is written', async () => {
  const { engine } = await fresh();
  const refused = async (input: Partial<AddJobInput>) =>
    (await raises(() => engine.jobs.add({ name: 'x', schedule: '* * * * *', ...input }), InvalidInput)).field;
  assert.is(await refused({ schedule: 'cron(0 2 ? * 8 *)' }), 'schedule.day_of_week');
  assert.is(await refused({ schedule: 'rate(0 minutes)' }), 'schedule.rate');
  assert.is(await refused({ timezone: 'Nowhere/City' }), 'tz');
  assert.is(await refused({ schedule: 'at(2025-06-01T00:00:00)' }), 'schedule'); // never fires after now
  assert.is(await refused({ misfire: 'often' as never }), 'misfire');
  assert.is(await headOf(engine), 0);
  await engine.close();
});

Commands('enable, disable and remove answer as the seed did; a removed job is gone', async () => {
  const { engine } = await fresh();
  const j = await engine.jobs.add({ name: 'a', schedule: '0 * * * *', enabled: false });
  assert.equal(await engine.jobs.list({ enabled: true }), []);
  assert.is((await engine.jobs.enable(j.id)).enabled, true);
  assert.is((await engine.jobs.disable(j.id)).next_run, null);
  assert.is(await engine.jobs.remove(j.id), true);
  assert.is(await engine.jobs.remove(j.id), false);
  assert.is(await engine.jobs.get(j.id), null);
  assert.equal(await engine.jobs.list(), []);
  assert.is((await raises(() => engine.jobs.enable(j.id), DomainError)).code, 'unknown_job');
  await engine.close();
});

Commands('updating the schedule counts from the change; pending lists what is due', async () => {
  const { engine, clock } = await fresh();
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  clock.advance(25);
  assert.equal((await engine.jobs.pending()).map((p) => p.id), [j.id]);
  const u = await engine.jobs.update(j.id, { schedule: '0 * * * *', command: 'true' });
  assert.equal([u.next_run, u.command, u.name], ['2026-01-01T01:00:00.000Z', 'true', 'a']);
  assert.equal(await engine.jobs.pending(), []);
  await engine.close();
});

const Runs = suite(onBackend('engine/jobs: firing and finishing runs'));
Runs.before(() => {
  dir = makeTempDir('job-runs');
});
Runs.after(() => removeDir(dir));

Runs('firing appends JobRunStarted and the run’s ScanStarted in one batch; finishing completes both', async () => {
  const { engine, clock } = await fresh();
  const j = await engine.jobs.add({
    name: 'a',
    schedule: '*/10 * * * *',
    configName: 'cis',
    accountId: '111',
    region: 'eu-west-1',
  });
  clock.advance(10);
  const fired = await engine.jobs.fireDue(j.id, claim);
  const [run] = fired.runs;
  assert.equal([run?.trigger, run?.scheduled_for], ['schedule', '2026-01-01T00:10:00.000Z']);
  const startedAt = (await allOf(engine)).filter((e) => e.type === 'JobRunStarted' || e.type === 'ScanStarted');
  assert.is(new Set(startedAt.map((e) => e.position)).size, 2);
  const scan = await engine.getScan(run?.scan_id ?? '');
  assert.equal([scan?.status, scan?.config_name, scan?.account_id, scan?.metadata.job_id], ['running', 'cis', '111', j.id]);
  clock.advance(3);
  const outcome = { result: 'success', exitCode: 0, assetCount: 9, findingCount: 4 } as const;
  const done = await engine.jobs.finishRun(j.id, run?.run_id ?? '', outcome);
  assert.equal([done.success, done.duration_seconds, done.assets_scanned], [true, 180, 9]);
  const after = await engine.getScan(run?.scan_id ?? '');
  assert.equal([after?.status, after?.asset_count, after?.finding_count], ['completed', 9, 4]);
  assert.equal((await engine.jobs.get(j.id))?.last_result?.run_id, run?.run_id);
  await engine.close();
});

Runs('a failed or timed-out run fails its scan with the reason', async () => {
  const { engine, clock } = await fresh();
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *', overlap: 'allow' });
  clock.advance(20);
  const [first] = (await engine.jobs.runNow(j.id, claim)).runs;
  const [second] = (await engine.jobs.runNow(j.id, claim)).runs;
  await engine.jobs.finishRun(j.id, first?.run_id ?? '', { result: 'failed', exitCode: 2, error: 'exit code 2: denied' });
  await engine.jobs.finishRun(j.id, second?.run_id ?? '', { result: 'timeout' });
  const [a, b] = [await engine.getScan(first?.scan_id ?? ''), await engine.getScan(second?.scan_id ?? '')];
  assert.equal([a?.status, a?.error_message], ['failed', 'exit code 2: denied']);
  assert.equal([b?.status, b?.error_message], ['failed', 'timeout']);
  await engine.close();
});

Runs('a command that completed its own scan keeps the counts it reported', async () => {
  const { engine } = await fresh();
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  const [run] = (await engine.jobs.runNow(j.id, claim)).runs;
  await engine.completeScan(run?.scan_id ?? '', { assetCount: 40, findingCount: 7 });
  const done = await engine.jobs.finishRun(j.id, run?.run_id ?? '', { result: 'success', exitCode: 0 });
  assert.equal([done.assets_scanned, done.findings_count], [40, 7]);
  await engine.close();
});

Runs('a second engine on the same file finds the fire time settled: it fires once', async () => {
  const clock = new TestClock();
  const { engine: a } = await openTestEngine(dir, clock);
  const b = await siblingOf(a, { clock: clock.now });
  const j = await a.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  clock.advance(10);
  assert.is((await a.jobs.fireDue(j.id, claim)).runs.length, 1);
  assert.is((await b.jobs.fireDue(j.id, { host: 'host-b', pid: 8 })).runs.length, 0);
  assert.is((await typesOf(a, 'job-')).filter((t) => t === 'JobRunStarted').length, 1);
  await b.close();
  await a.close();
});

Runs('a claim made from a stale read loses: the conflict is decided again and fires nothing', async () => {
  const clock = new TestClock();
  const { engine, url } = await openTestEngine(dir, clock);
  const j = await engine.jobs.add({ name: 'a', schedule: '*/10 * * * *' });
  clock.advance(10);
  // Another scheduler, writing without projections, takes the fire time: this engine's row is now one behind.
  const raw = await openRawLog(url, { clock: clock.now });
  const data = { jobId: j.id, runId: 'other', scanId: 'other-scan', scheduledFor: clock.iso(), startedAt: clock.iso(),
    trigger: 'schedule', host: 'h', pid: 1 };
  await raw.append(`job-${j.id}`, [{ type: 'JobRunStarted', data }], { expectedRevision: 0 });
  const fired = await engine.jobs.fireDue(j.id, claim);
  assert.equal([fired.runs.length, fired.contended], [0, false]);
  assert.is((await typesOf(engine, 'job-')).filter((t) => t === 'JobRunStarted').length, 1);
  assert.is((await engine.jobs.get(j.id))?.running[0]?.run_id, 'other');
  await raw.close();
  await engine.close();
});

Commands.run();
Runs.run();
