import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const State = suite('cli: scans, checkpoints, findings, stats and projections through the real binary');
let dir = '';
let data = '';
State.before(() => {
  dir = makeTempDir('cli-state');
  data = join(dir, 'data');
});
State.after(() => removeDir(dir));

const cli = async (args: string[], input?: string) => {
  const run = await runCli(['--data', data, ...args], input === undefined ? {} : { input });
  return { ...run, json: () => JSON.parse(run.stdout) as Record<string, unknown> };
};

State('a scan starts and completes, printing its record, and lists and shows as the original’s JSON', async () => {
  const started = await cli(['scan', 'start', 's1', '--snapshot', 'snap-1', '--account', '111', '--region', 'us-east-1', '--collector', 'iam', '--collector', 's3', '--full-scope', '--json']);
  assert.is(started.code, 0, started.stderr);
  assert.equal(
    Object.keys(started.json()),
    ['scan_id', 'snapshot_id', 'status', 'started_at', 'completed_at', 'config_name', 'account_id', 'region', 'collectors', 'full_scope', 'asset_count', 'finding_count', 'error_message', 'duration_seconds', 'metadata'],
  );
  assert.equal([started.json().status, started.json().collectors, started.json().full_scope], ['running', ['iam', 's3'], true]);
  const done = await cli(['scan', 'complete', 's1', '--assets', '10', '--findings', '2', '--json']);
  assert.equal([done.code, done.json().status, done.json().asset_count], [0, 'completed', 10]);
  const human = await cli(['scan', 'show', 's1']);
  assert.match(human.stdout, /^scan_id\s+s1$/m);
  const list = await cli(['--json', 'scan', 'list', '--status', 'completed']);
  assert.equal((JSON.parse(list.stdout) as { scan_id: string }[]).map((s) => s.scan_id), ['s1']);
  const last = await cli(['scan', 'last', '--account', '111', '--json']);
  assert.is(last.json().scan_id, 's1');
});

State('scan cancel ends a running scan as cancelled; cancelling or completing it again is a domain error', async () => {
  assert.is((await cli(['scan', 'start', 'c1', '--snapshot', 'snap-c'])).code, 0);
  const cancelled = await cli(['scan', 'cancel', 'c1', '--json']);
  assert.is(cancelled.code, 0, cancelled.stderr);
  assert.is(cancelled.json().status, 'cancelled');
  for (const args of [['scan', 'cancel', 'c1'], ['scan', 'complete', 'c1', '--assets', '1', '--findings', '1']]) {
    const run = await cli(args);
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stderr, 'scan c1 is cancelled, not running');
    assert.ok(isOneLineError(run), run.stderr);
  }
  const unknown = await cli(['scan', 'cancel', 'nope']);
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, 'scan nope is not known');
  const shown = await cli(['scan', 'show', 'c1', '--json']);
  assert.is(shown.json().status, 'cancelled');
});

State('bad arguments exit 2 naming the argument and value; domain errors exit 1; both in one line', async () => {
  const cases: [string[], number, RegExp][] = [
    [['scan', 'complete', 's1', '--assets', 'many', '--findings', '1'], 2, /invalid assets: "many"/],
    [['scan', 'list', '--status', 'done'], 2, /invalid status: "done"/],
    [['scan', 'list', '--since', '2026-13-01'], 2, /invalid since: "2026-13-01"/],
    [['scan', 'list', '--limit', '0'], 2, /invalid limit: "0"/],
    [['scan', 'complete', 'nope', '--assets', '1', '--findings', '1'], 1, /scan nope is not known/],
    [['scan', 'start', 's1', '--snapshot', 'x'], 1, /scan s1 was already started/],
    [['finding', 'resolve', 'ghost'], 1, /finding ghost is not tracked/],
    [['finding', 'suppress', 'ghost', '--by', 'x', '--until', 'tomorrow'], 2, /invalid until: "tomorrow"/],
    [['finding', 'list', '--lifecycle', 'open'], 2, /invalid lifecycle: "open"/],
    [['scan', 'start', 's9'], 2, /required option '--snapshot <id>' not specified/],
  ];
  for (const [args, code, message] of cases) {
    const run = await cli(args);
    assert.is(run.code, code, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.ok(isOneLineError(run), run.stderr);
  }
});

State('finding commands walk the lifecycle and print the resulting record', async () => {
  assert.is((await cli(['scan', 'start', 's2', '--snapshot', 'snap-2', '--account', '111', '--region', 'us-east-1'])).code, 0);
  const tracked = await cli(['finding', 'track', 'f1', '--asset', 'a1', '--rule', 'r1', '--scan', 's2', '--json']);
  assert.equal([tracked.json().lifecycle, tracked.json().account_id], ['new', '111']);
  assert.is((await cli(['finding', 'suppress', 'f1', '--by', 'bob', '--reason', 'accepted', '--json'])).json().lifecycle, 'suppressed');
  assert.is((await cli(['finding', 'track', 'f1', '--asset', 'a1', '--rule', 'r1', '--json'])).json().lifecycle, 'suppressed');
  assert.is((await cli(['finding', 'unsuppress', 'f1', '--by', 'bob', '--json'])).json().lifecycle, 'recurring');
  assert.is((await cli(['finding', 'resolve', 'f1', '--by', 'alice', '--json'])).json().lifecycle, 'resolved');
  assert.is((await cli(['finding', 'false-positive', 'f1', '--by', 'carol', '--json'])).json().lifecycle, 'false_positive');
  assert.equal((await cli(['finding', 'note', 'f1', '--by', 'dan', '--text', 'SEC-1', '--json'])).json().notes, ['SEC-1']);
  const history = await cli(['finding', 'history', 'f1', '--json']);
  const entries = JSON.parse(history.stdout) as { type: string; actor: string }[];
  assert.equal(entries.map((e) => e.type), ['FindingTracked', 'FindingSuppressed', 'FindingTracked', 'FindingUnsuppressed', 'FindingResolved', 'FindingMarkedFalsePositive', 'FindingNoteAdded']);
  const firstAt = (JSON.parse(history.stdout) as { recorded_at: string }[])[0]?.recorded_at ?? '';
  const asOf = await cli(['finding', 'show', 'f1', '--as-of', firstAt, '--json']);
  assert.is(asOf.json().lifecycle, 'new');
  const before = await cli(['finding', 'show', 'f1', '--as-of', '2000-01-01']);
  assert.is(before.code, 1);
  const human = await cli(['finding', 'history', 'f1']);
  // The OS user acted (the CLI's identity); --by names the person it was for.
  assert.match(human.stdout, /FindingMarkedFalsePositive\s+false_positive\s+unknown\s+\S+ \(admin, for carol\)/);
});

State('finding import tracks a file and rejects a bad one whole, naming its line and field', async () => {
  await cli(['scan', 'start', 's3', '--snapshot', 'snap-3']);
  const good = join(dir, 'good.ndjson');
  writeFileSync(good, ['x1', 'x2', 'x3'].map((id) => JSON.stringify({ finding_id: id, asset_id: 'asset', rule_id: 'rule' })).join('\n'));
  const imported = await cli(['finding', 'import', good, '--scan', 's3', '--json']);
  assert.is(imported.code, 0, imported.stderr);
  assert.equal([imported.json().tracked, imported.json().new], [3, 3]);
  const array = await cli(['finding', 'import', '-', '--json'], JSON.stringify([{ finding_id: 'x4', asset_id: 'a', rule_id: 'r' }]));
  assert.is(array.json().new, 1);
  const head = (await cli(['log', 'stats', '--json'])).json().head_position;
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, [JSON.stringify({ finding_id: 'y1', asset_id: 'a', rule_id: 'r' }), JSON.stringify({ finding_id: 'y2', asset_id: '', rule_id: 'r' })].join('\n'));
  const refused = await cli(['finding', 'import', bad]);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /invalid line 2\.asset_id: "" \(expected Id/);
  const twice = await cli(['finding', 'import', '-'], JSON.stringify([{ finding_id: 'z', asset_id: 'a', rule_id: 'r' }, { finding_id: 'z', asset_id: 'a', rule_id: 'r' }]));
  assert.match(twice.stderr, /invalid records\[1\]\.finding_id: "z" \(expected a finding listed once \(also at records\[0\]\)\)/);
  const broken = await cli(['finding', 'import', '-'], '{"finding_id": "q",');
  assert.match(broken.stderr, /invalid line 1: /);
  const missing = await cli(['finding', 'import', join(dir, 'nope.json')]);
  assert.match(missing.stderr, /invalid file: ".*nope\.json" \(expected a readable file \(ENOENT\)\)/);
  assert.is((await cli(['log', 'stats', '--json'])).json().head_position, head);
});

State('checkpoints move forward, back only with --force, and are listed and deleted', async () => {
  await cli(['scan', 'start', 'c1', '--snapshot', 'x']);
  await cli(['scan', 'start', 'c2', '--snapshot', 'x']);
  const set = await cli(['checkpoint', 'set', 'iam', '111', 'us-east-1', '--scan', 'c2', '--cursor', 'p9', '--json']);
  assert.equal([set.code, set.json().last_scan_id, set.json().cursor], [0, 'c2', 'p9']);
  const back = await cli(['checkpoint', 'set', 'iam', '111', 'us-east-1', '--scan', 'c1']);
  // c1 started first (its own process, before c2's): moving the checkpoint back to it is refused.
  assert.is(back.code, 1);
  assert.match(back.stderr, /scan c1 \(.*\) is older \(use force to move it back\)/);
  assert.is((await cli(['checkpoint', 'set', 'iam', '111', 'us-east-1', '--scan', 'c1', '--force'])).code, 0);
  assert.equal((JSON.parse((await cli(['checkpoint', 'list', '--collector', 'iam', '--json'])).stdout) as unknown[]).length, 1);
  assert.is((await cli(['checkpoint', 'get', 'iam', '111', 'us-east-1', '--json'])).json().last_scan_id, 'c1');
  assert.is((await cli(['checkpoint', 'delete', 'iam', '111', 'us-east-1'])).code, 0);
  const again = await cli(['checkpoint', 'delete', 'iam', '111', 'us-east-1']);
  assert.equal([again.code, again.stderr.trim()], [1, 'stance-state: no checkpoint for iam/111/us-east-1']);
});

State('stats, projections status and rebuild, and retention', async () => {
  const stats = await cli(['stats', '--json']);
  assert.equal(Object.keys(stats.json()).slice(0, 6), ['new', 'recurring', 'resolved', 'reopened', 'suppressed', 'false_positive']);
  const status = await cli(['projections', 'status', '--json']);
  assert.ok((JSON.parse(status.stdout) as { name: string }[]).some((p) => p.name === 'findings'));
  const rebuilt = await cli(['projections', 'rebuild', 'findings', '--json']);
  assert.equal(rebuilt.json().rebuilt, ['findings']);
  assert.equal((await cli(['stats', '--json'])).json(), stats.json());
  const unknown = await cli(['projections', 'rebuild', 'nope']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /invalid projection: "nope"/);
  const cleanup = await cli(['scan', 'cleanup', '--days', '0', '--json']);
  assert.ok(Number(cleanup.json().archived) >= 1);
  assert.is((await cli(['scan', 'show', 's1'])).code, 1);
  assert.is((await cli(['log', 'verify'])).code, 0);
});

State.run();
