import { sqliteOf } from '../support/backend.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { openTestEngine, type TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Auto = suite('engine: auto-resolve of unobserved findings by full-scope scans');
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Auto.before(() => {
  dir = makeTempDir('auto-resolve');
});
Auto.before.each(() => {
  ({ engine, clock } = openTestEngine(dir));
});
Auto.after.each(() => engine.close());
Auto.after(() => removeDir(dir));

const scanOf = async (scanId: string, fullScope: boolean, seen: string[], accountId = '111', collectors = ['iam']) => {
  await engine.startScan({ scanId, snapshotId: scanId, accountId, region: 'us-east-1', collectors, fullScope });
  await engine.trackFindings(seen.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: 'r' })), { scanId });
  clock.advance(30);
  return engine.completeScan(scanId, { assetCount: 10, findingCount: seen.length });
};

Auto('a completed full-scope scan resolves the open findings of its scope it did not observe', async () => {
  await scanOf('day1', false, ['a', 'b', 'c']);
  clock.days(1);
  await scanOf('day2', true, ['a']);
  assert.is((await engine.getFindingState('a'))?.lifecycle, 'recurring');
  for (const id of ['b', 'c']) {
    const state = await engine.getFindingState(id);
    assert.equal([state?.lifecycle, state?.resolution_reason, state?.resolved_by], ['resolved', 'not_observed', 'stance-state']);
  }
  const history = await engine.getFindingHistory('b');
  assert.equal(history.at(-1)?.scan_id, 'day2');
});

Auto('findings of another account, another collector, or decided by a person are left alone', async () => {
  await scanOf('other-account', false, ['x'], '222');
  await scanOf('other-collector', false, ['y'], '111', ['s3']);
  await scanOf('base', false, ['s', 'p']);
  await engine.suppressFinding('s', { by: 'bob', reason: 'accepted' });
  await engine.markFalsePositive('p', { by: 'carol' });
  clock.days(1);
  await scanOf('full', true, []);
  assert.is((await engine.getFindingState('x'))?.lifecycle, 'new');
  assert.is((await engine.getFindingState('y'))?.lifecycle, 'new');
  assert.is((await engine.getFindingState('s'))?.lifecycle, 'suppressed');
  assert.is((await engine.getFindingState('p'))?.lifecycle, 'false_positive');
});

Auto('without the full-scope flag, or when the scan fails, nothing is resolved', async () => {
  await scanOf('day1', false, ['a']);
  await scanOf('partial', false, []);
  assert.is((await engine.getFindingState('a'))?.lifecycle, 'new');
  await engine.startScan({ scanId: 'broken', snapshotId: 'x', accountId: '111', region: 'us-east-1', collectors: ['iam'], fullScope: true });
  await engine.completeScan('broken', { assetCount: 0, findingCount: 0, errorMessage: 'AccessDenied' });
  assert.is((await engine.getFindingState('a'))?.lifecycle, 'new');
});

Auto('a finding resolved as not observed reopens when a later scan sees it', async () => {
  await scanOf('day1', false, ['a']);
  await scanOf('day2', true, []);
  assert.is((await engine.getFindingState('a'))?.lifecycle, 'resolved');
  await scanOf('day3', true, ['a']);
  assert.is((await engine.getFindingState('a'))?.lifecycle, 'reopened');
  const stats = await engine.getFindingStats();
  assert.equal([stats.resolutions, stats.reopened], [1, 1]);
});

Auto('the completion and its resolutions land in one atomic append', async () => {
  await scanOf('day1', false, ['a', 'b']);
  const before = sqliteOf(engine).headPositionSync();
  await scanOf('day2', true, []);
  const appended = [...sqliteOf(engine).readAllSync({ fromPosition: before })].filter((e) => e.type !== 'ScanStarted');
  const completion = appended.filter((e) => e.type === 'ScanCompleted' || e.type === 'FindingResolved');
  assert.is(completion.length, 3);
  assert.is(new Set(completion.map((e) => e.meta.recordedAt)).size, 1);
  assert.equal(completion.map((e) => e.position), [completion[0]?.position, (completion[0]?.position ?? 0) + 1, (completion[0]?.position ?? 0) + 2]);
});

Auto.run();
