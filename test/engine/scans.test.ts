import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, InvalidInput } from '../../src/errors.js';
import type { StateEngine } from '../../src/engine/index.js';
import { onBackend, openTestEngine, type TestClock } from '../support/engine.js';
import { headOf, streamOf } from '../support/log.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Scans = suite(onBackend('engine: scans and checkpoints'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Scans.before(() => {
  dir = makeTempDir('engine-scans');
});
Scans.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
Scans.after.each(() => engine.close());
Scans.after(() => removeDir(dir));

Scans('a scan runs, completes with counts and duration, in the original JSON shape', async () => {
  const started = await engine.startScan({ scanId: 's1', snapshotId: 'snap1', accountId: '111', region: 'us-east-1', collectors: ['iam'] });
  assert.is(started.status, 'running');
  clock.advance(90);
  const done = await engine.completeScan('s1', { assetCount: 40, findingCount: 7 });
  assert.equal(done, {
    scan_id: 's1',
    snapshot_id: 'snap1',
    status: 'completed',
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T01:30:00.000Z',
    config_name: 'default',
    account_id: '111',
    region: 'us-east-1',
    collectors: ['iam'],
    full_scope: false,
    asset_count: 40,
    finding_count: 7,
    error_message: '',
    duration_seconds: 5400,
    metadata: {},
  });
});

Scans('an error message makes the scan failed', async () => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  const failed = await engine.completeScan('s1', { assetCount: 0, findingCount: 0, errorMessage: 'AccessDenied' });
  assert.equal([failed.status, failed.error_message], ['failed', 'AccessDenied']);
});

Scans('completing an unknown or finished scan and starting one twice are domain errors', async () => {
  assert.is((await raises(() => engine.completeScan('nope', { assetCount: 0, findingCount: 0 }), DomainError)).code, 'unknown_scan');
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  await engine.completeScan('s1', { assetCount: 0, findingCount: 0 });
  assert.is((await raises(() => engine.completeScan('s1', { assetCount: 0, findingCount: 0 }), DomainError)).code, 'illegal_transition');
  assert.is((await raises(() => engine.startScan({ scanId: 's1', snapshotId: 'x' }), DomainError)).code, 'illegal_transition');
  assert.is((await raises(() => engine.cancelScan('s1'), DomainError)).code, 'illegal_transition');
});

Scans('bad input names the field and writes nothing', async () => {
  const head = await headOf(engine);
  const e = await raises(() => engine.startScan({ scanId: '', snapshotId: 'x' }), InvalidInput);
  assert.is(e.field, 'scanId');
  const c = await raises(() => engine.completeScan('s', { assetCount: -1, findingCount: 0 }), InvalidInput);
  assert.is(c.field, 'assetCount');
  assert.is(await headOf(engine), head);
});

Scans('listScans filters by status, time, account and region, newest first', async () => {
  for (const [id, account, region] of [['a', '1', 'r1'], ['b', '2', 'r1'], ['c', '1', 'r2'], ['d', '1', 'r1']] as const) {
    await engine.startScan({ scanId: id, snapshotId: 'x', accountId: account, region });
    clock.advance(60);
  }
  await engine.completeScan('a', { assetCount: 0, findingCount: 0 });
  assert.equal((await engine.listScans()).map((s) => s.scan_id), ['d', 'c', 'b', 'a']);
  assert.equal((await engine.listScans({ status: 'completed' })).map((s) => s.scan_id), ['a']);
  assert.equal((await engine.listScans({ accountId: '1', region: 'r1' })).map((s) => s.scan_id), ['d', 'a']);
  assert.equal((await engine.listScans({ since: '2026-01-01T02:00:00.000Z' as never })).map((s) => s.scan_id), ['d', 'c']);
  assert.equal((await engine.listScans({ limit: 2 })).map((s) => s.scan_id), ['d', 'c']);
});

Scans('getLastScan finds the newest completed scan of the filter even when another account completed later', async () => {
  await engine.startScan({ scanId: 'old-1', snapshotId: 'x', accountId: '1', region: 'r' });
  await engine.completeScan('old-1', { assetCount: 0, findingCount: 0 });
  clock.advance(10);
  await engine.startScan({ scanId: 'new-2', snapshotId: 'x', accountId: '2', region: 'r' });
  await engine.completeScan('new-2', { assetCount: 0, findingCount: 0 });
  clock.advance(10);
  await engine.startScan({ scanId: 'running-1', snapshotId: 'x', accountId: '1', region: 'r' });
  assert.is((await engine.getLastScan('1'))?.scan_id, 'old-1');
  assert.is((await engine.getLastScan())?.scan_id, 'new-2');
  assert.is(await engine.getLastScan('3'), null);
});

Scans('cleanup archives finished scans older than the cutoff; their events stay', async () => {
  await engine.startScan({ scanId: 'old', snapshotId: 'x' });
  await engine.completeScan('old', { assetCount: 0, findingCount: 0 });
  await engine.startScan({ scanId: 'old-running', snapshotId: 'x' });
  clock.days(100);
  await engine.startScan({ scanId: 'recent', snapshotId: 'x' });
  await engine.completeScan('recent', { assetCount: 0, findingCount: 0 });
  assert.is(await engine.cleanupOldScans(90), 1);
  assert.equal((await engine.listScans()).map((s) => s.scan_id), ['recent', 'old-running']);
  assert.is(await engine.getScan('old'), null);
  const events = (await streamOf(engine, 'scan-old')).map((e) => e.type);
  assert.equal(events, ['ScanStarted', 'ScanCompleted', 'ScanArchived']);
  assert.is(await engine.cleanupOldScans(90), 0);
});

Scans('a checkpoint moves forward with scan time, back only when forced', async () => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  clock.advance(60);
  await engine.startScan({ scanId: 's2', snapshotId: 'x' });
  const cp = await engine.updateCheckpoint({ collector: 'iam', accountId: '1', region: 'r', scanId: 's2', cursor: 'page-9' });
  assert.equal([cp.last_scan_id, cp.last_scan_time, cp.cursor], ['s2', '2026-01-01T01:00:00.000Z', 'page-9']);
  assert.match(cp.checkpoint_id, /^[0-9a-f]{16}$/);
  assert.is((await raises(() => engine.updateCheckpoint({ collector: 'iam', accountId: '1', region: 'r', scanId: 's1' }), DomainError)).code, 'illegal_transition');
  const forced = await engine.updateCheckpoint({ collector: 'iam', accountId: '1', region: 'r', scanId: 's1', force: true });
  assert.is(forced.last_scan_id, 's1');
  assert.is((await raises(() => engine.updateCheckpoint({ collector: 'iam', accountId: '1', region: 'r', scanId: 'nope' }), DomainError)).code, 'unknown_scan');
});

Scans('checkpoints are listed by collector and account, and deleted once', async () => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  for (const [c, a, r] of [['iam', '1', 'r1'], ['iam', '2', 'r1'], ['s3', '1', 'r1']] as const)
    await engine.updateCheckpoint({ collector: c, accountId: a, region: r, scanId: 's1' });
  assert.is((await engine.listCheckpoints()).length, 3);
  assert.equal((await engine.listCheckpoints({ collector: 'iam' })).map((c) => c.account_id), ['1', '2']);
  assert.equal((await engine.listCheckpoints({ accountId: '1' })).map((c) => c.collector_name), ['iam', 's3']);
  assert.is(await engine.deleteCheckpoint('iam', '1', 'r1'), true);
  assert.is(await engine.deleteCheckpoint('iam', '1', 'r1'), false);
  assert.is(await engine.getCheckpoint('iam', '1', 'r1'), null);
});

Scans('checkpoints a log wrote under colliding stream names stay apart: forward-only and delete keep to their own key', async () => {
  const older = await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  clock.advance(60);
  const newer = await engine.startScan({ scanId: 's2', snapshotId: 'x' });
  const a = { collector: 'iam', accountId: '111', region: 'us-east-1:x' };
  const b = { collector: 'iam:111', accountId: 'us-east-1', region: 'x' };
  // As the log stood before scope parts were encoded: both keys in one stream, checkpoint-iam:111:us-east-1:x.
  const updated = (key: typeof a, scan: typeof older) => ({
    type: 'CheckpointUpdated',
    data: { ...key, scanId: scan.scan_id, scanTime: scan.started_at, cursor: '', forced: false, metadata: {} },
  });
  await engine.backend.commit([{ stream: 'checkpoint-iam:111:us-east-1:x', events: [updated(a, newer), updated(b, older)] }]);
  assert.equal((await engine.listCheckpoints()).map((c) => [c.collector_name, c.last_scan_id]), [['iam', 's2'], ['iam:111', 's1']]);
  const back = await raises(() => engine.updateCheckpoint({ ...a, scanId: 's1' }), DomainError);
  assert.is(back.code, 'illegal_transition', 'the legacy stream is folded: a stands at s2');
  assert.is(await engine.deleteCheckpoint(b.collector, b.accountId, b.region), true);
  assert.is((await engine.getCheckpoint(a.collector, a.accountId, a.region))?.last_scan_id, 's2', 'deleting b left a');
  assert.is(await engine.deleteCheckpoint(b.collector, b.accountId, b.region), false);
  assert.is((await engine.updateCheckpoint({ ...b, scanId: 's1' })).last_scan_id, 's1', 'b starts again after its delete');
});

Scans('an empty account or region of a checkpoint is bad input, and nothing is written', async () => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  const head = await headOf(engine);
  for (const [accountId, region, field] of [['111', '', 'region'], ['', 'us-east-1', 'accountId']] as const) {
    const error = await raises(() => engine.updateCheckpoint({ collector: 'iam', accountId, region, scanId: 's1' }), InvalidInput);
    assert.is(error.field, field);
    assert.is((await raises(() => engine.deleteCheckpoint('iam', accountId, region), InvalidInput)).field, field);
  }
  assert.is(await headOf(engine), head);
});

Scans.run();
