import { sqliteOf } from '../support/backend.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { logPathOf } from '../../src/cli/context.js';
import type { JobRecord, RunRecord } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { exited } from '../support/children.js';
import { isOneLineError, runCli, startCli } from '../support/cli.js';
import { engineOn, TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Schedule = suite('cli: schedule and scheduler');
let dir = '';
let n = 0;
/** A fresh data dir per test: tests do not share state. */
const dataDir = () => join(dir, `data-${(n += 1)}`);
const cli = (data: string, ...args: string[]) => runCli(['--data', data, ...args]);
const json = async <T>(data: string, ...args: string[]): Promise<T> => {
  const run = await cli(data, '--json', ...args);
  assert.is(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
};
const eventTypes = async (data: string) => {
  const store = new SqliteEventStore({ path: logPathOf(data) });
  const types = [...store.readAllSync({})].map((e) => e.type);
  await store.close();
  return types;
};

Schedule.before(() => {
  dir = makeTempDir('cli-schedule');
});
Schedule.after(() => removeDir(dir));

Schedule('schedule add, show, list, disable, enable and remove', async () => {
  const data = dataDir();
  const job = await json<JobRecord>(data, 'schedule', 'add', 'nightly', 'cron(0 2 * * ? *)', '--tz', 'Europe/London',
    '--config', 'cis-aws', '--command', 'true', '--misfire', 'fire_all', '--disabled');
  assert.equal([job.schedule_type, job.timezone, job.config_name, job.misfire_policy, job.enabled, job.next_run],
    ['cron', 'Europe/London', 'cis-aws', 'fire_all', false, null]);
  const shown = await cli(data, 'schedule', 'show', job.id);
  assert.match(shown.stdout, /^schedule_expression\s+cron\(0 2 \* \* \? \*\)$/m);
  const enabled = await json<JobRecord>(data, 'schedule', 'enable', job.id);
  assert.ok(enabled.enabled && enabled.next_run !== null && enabled.next_run.endsWith('T02:00:00.000Z'));
  const list = await cli(data, 'schedule', 'list');
  const row = new RegExp(`^${job.id}\\s+nightly\\s+cron\\(0 2 \\* \\* \\? \\*\\)\\s+Europe/London\\s+yes`, 'm');
  assert.match(list.stdout, row);
  assert.is((await json<JobRecord>(data, 'schedule', 'disable', job.id)).enabled, false);
  assert.equal(await json(data, 'schedule', 'remove', job.id), { removed: true, id: job.id });
  const gone = await cli(data, 'schedule', 'show', job.id);
  assert.equal([gone.code, gone.stderr.trim()], [1, `stance-state: job ${job.id} is not known`]);
  assert.equal(await json(data, 'schedule', 'list'), []);
  assert.equal(await eventTypes(data), ['JobCreated', 'JobEnabled', 'JobDisabled', 'JobRemoved']);
});

Schedule('bad input exits 2 naming the field and the value, and writes nothing', async () => {
  const data = dataDir();
  const cases: [string[], string][] = [
    [['schedule', 'add', 'x', 'cron(0 2 ? * 8 *)'], 'invalid schedule.day_of_week: "8"'],
    [['schedule', 'add', 'x', 'rate(2 minute)'], 'invalid schedule.rate: "2 minute" (expected 2 minutes (plural from 2))'],
    [['schedule', 'add', 'x', '* * * * *', '--tz', 'Mars/Olympus'], 'invalid tz: "Mars/Olympus"'],
    [['schedule', 'add', 'x', '* * * * *', '--misfire', 'often'], 'invalid misfire: "often" (expected skip, fire_once or'],
    [['schedule', 'add', 'x', '* * * * *', '--timeout', '-1'], 'invalid timeout: "-1"'],
    [['schedule', 'add', 'x', 'at(2020-01-01T00:00:00)'], 'invalid schedule: "at(2020-01-01T00:00:00)" (expected a schedule'],
    [['schedule', 'next', '0 0 30 2 *'], 'invalid schedule.day_of_month: "30"'],
    [['schedule', 'next', '* * * * *', '--after', '2026-01-01T00:00:00'], 'invalid after: "2026-01-01T00:00:00"'],
    [['schedule', 'next', '* * * * *', '--count', '0'], 'invalid count: "0"'],
    [['scheduler', 'run', '--once', '--grace', 'soon'], 'invalid grace: "soon"'],
  ];
  for (const [args, message] of cases) {
    const run = await cli(data, ...args);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(run.stderr.startsWith(`stance-state: ${message}`), run.stderr);
    assert.ok(isOneLineError(run));
  }
  assert.equal(await eventTypes(data), []);
});

Schedule('schedule next prints fire times with the zone’s offset: New York skips 02:00 in spring', async () => {
  const data = dataDir();
  const after = '2026-03-08T00:30:00-05:00';
  const run = await cli(data, 'schedule', 'next', '0 * * * *', '--tz', 'America/New_York', '--after', after, '--count', '3');
  assert.is(run.code, 0, run.stderr);
  const expected = ['2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00', '2026-03-08T04:00:00-04:00'];
  assert.equal(run.stdout.trim().split('\n'), expected);
  const aws = await json<string[]>(data, 'schedule', 'next', 'cron(0 9 ? * 2#1 *)', '--after', '2026-01-01', '--count', '2');
  assert.equal(aws, ['2026-01-05T09:00:00Z', '2026-02-02T09:00:00Z']);
});

Schedule('schedule next: --after is exclusive and anchors a rate', async () => {
  const data = dataDir();
  const next = (expr: string, count: string) =>
    json<string[]>(data, 'schedule', 'next', expr, '--after', '2026-01-01T00:10:00Z', '--count', count);
  assert.equal(await next('rate(90 minutes)', '2'), ['2026-01-01T01:40:00Z', '2026-01-01T03:10:00Z']);
  assert.equal(await next('*/10 * * * *', '1'), ['2026-01-01T00:20:00Z']);
  const none = await cli(data, 'schedule', 'next', 'at(2026-01-01T00:00:00)', '--after', '2026-06-01');
  assert.equal([none.code, none.stdout], [0, '']);
});

Schedule('schedule run-now runs the command here with the run’s ids, records the scan, exits 1 if it fails', async () => {
  const data = dataDir();
  const out = join(dir, `run-now-${n}.txt`);
  const command =
    `printf '%s %s %s' "$STANCE_JOB_ID" "$STANCE_SCAN_ID" "$STANCE_CONFIG_NAME" > '${out}'; ` +
    `echo '{"assets_scanned": 7, "findings_count": 2}'`;
  const ok = await json<JobRecord>(data, 'schedule', 'add', 'ok', '0 0 1 1 *', '--config', 'cis', '--command', command);
  const run = await json<RunRecord>(data, 'schedule', 'run-now', ok.id);
  assert.equal([run.trigger, run.success, run.assets_scanned, run.findings_count], ['manual', true, 7, 2]);
  assert.is(readFileSync(out, 'utf8'), `${ok.id} ${run.scan_id} cis`);
  const scan = await json<{ status: string; asset_count: number }>(data, 'scan', 'show', run.scan_id);
  assert.equal([scan.status, scan.asset_count], ['completed', 7]);
  const bad = await json<JobRecord>(data, 'schedule', 'add', 'bad', '0 0 1 1 *', '--command', 'echo denied >&2; exit 4');
  const failed = await cli(data, 'schedule', 'run-now', bad.id);
  assert.is(failed.code, 1);
  assert.match(failed.stdout, /^error\s+exit code 4: denied$/m);
});

Schedule('two `scheduler run --once` at the same time fire each due run once', async () => {
  const data = dataDir();
  // Jobs created 61 s ago on a one-minute rate: each is due, one second late, when the schedulers start.
  const clock = new TestClock();
  clock.ms = Date.now() - 61_000;
  mkdirSync(data, { recursive: true });
  const engine = await engineOn(`sqlite:${logPathOf(data)}`, { origin: 'test', clock: clock.now });
  for (let i = 0; i < 12; i += 1) await engine.jobs.add({ name: `j${i}`, schedule: 'rate(1 minute)', command: 'true' });
  await engine.close();
  const once = () => cli(data, '--json', 'scheduler', 'run', '--once');
  const runs = await Promise.all([once(), once()]);
  assert.equal(runs.map((r) => r.code), [0, 0], runs.map((r) => r.stderr).join('\n'));
  const started = runs.map((r) => (JSON.parse(r.stdout) as { started: number }).started);
  assert.is(started[0]! + started[1]!, 12);
  const types = await eventTypes(data);
  const count = (type: string) => types.filter((x) => x === type).length;
  assert.equal(['JobRunStarted', 'JobRunFinished', 'ScanStarted', 'ScanCompleted'].map(count), [12, 12, 12, 12]);
  const logged = runs.flatMap((r) => r.stderr.trim().split('\n').filter(Boolean));
  const lines = logged.map((l) => JSON.parse(l) as { what: string; level: string });
  assert.is(lines.filter((l) => l.what === 'run.finished').length, 12);
});

Schedule('the daemon fires a job when its time comes, logs a line per event, and stops on SIGTERM', async () => {
  const data = dataDir();
  const out = join(dir, `daemon-${n}.txt`);
  // Added here, not through a slow CLI start: the job is due in a second, and still on time if the daemon starts
  // later, within the minute's grace.
  const clock = new TestClock();
  clock.ms = Date.now();
  const due = new Date(Math.ceil(clock.ms / 1000) * 1000 + 1000).toISOString().slice(0, 19);
  mkdirSync(data, { recursive: true });
  const engine = await engineOn(`sqlite:${logPathOf(data)}`, { origin: 'test', clock: clock.now });
  await engine.jobs.add({ name: 'soon', schedule: `at(${due})`, command: `echo fired > '${out}'` });
  await engine.close();
  const daemon = startCli(['--data', data, 'scheduler', 'run']);
  const lines: string[] = [];
  await new Promise<void>((resolve) => {
    createInterface({ input: daemon.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      if (/ run\.finished /.test(line)) resolve();
    });
  });
  daemon.kill('SIGTERM');
  assert.is((await exited(daemon)).code, 0);
  assert.is(readFileSync(out, 'utf8'), 'fired\n');
  const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
  assert.match(lines[0] ?? '', new RegExp(`^${iso} info scheduler\\.started host=\\S+ pid=\\d+ poll_ms=1000 grace_ms=60000$`));
  const started = new RegExp(
    `^${iso} info run\\.started job=\\w+ name=soon run=\\S+ scan=\\S+ trigger=schedule scheduled_for=${due}\\.000Z$`,
  );
  assert.ok(lines.some((l) => started.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => / info run\.finished .* result=success exit_code=0 /.test(l)), lines.join('\n'));
  assert.match(lines.at(-1) ?? '', / info scheduler\.stopped /);
});

Schedule.run();
