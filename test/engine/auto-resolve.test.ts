import { join } from 'node:path';
import { fileHub, sync } from '../../src/sync/index.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { onBackend, openTestEngine, siblingOf, type TestClock } from '../support/engine.js';
import { allOf, headOf } from '../support/log.js';
import { openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Auto = suite(onBackend('engine: auto-resolve of unobserved findings by full-scope scans'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Auto.before(() => {
  dir = makeTempDir('auto-resolve');
});
Auto.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
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

Auto('the completion and its resolutions land in one atomic append: a conflict on one finding writes none of it', async () => {
  await scanOf('day1', false, ['a', 'b']);
  const other = await siblingOf(engine, { clock: clock.now });
  let commits = 0;
  const racing = await siblingOf(engine, {
    clock: clock.now,
    beforeCommit: async () => {
      commits += 1;
      // Between the completion's load and its append, another writer touches finding b.
      if (commits === 2) await other.addFindingNote('b', { by: 'x', text: 'meanwhile' });
    },
  });
  await racing.startScan({ scanId: 'day2', snapshotId: 'day2', accountId: '111', region: 'us-east-1', collectors: ['iam'], fullScope: true });
  const before = await headOf(engine);
  await racing.completeScan('day2', { assetCount: 0, findingCount: 0 });
  const appended = await allOf(engine, { fromPosition: before });
  // The note came first: the first attempt, which would have put the completion before it, wrote nothing at all.
  assert.equal(appended.map((e) => e.type), ['FindingNoteAdded', 'ScanCompleted', 'FindingResolved', 'FindingResolved']);
  assert.is(new Set(appended.slice(1).map((e) => e.meta.recordedAt)).size, 1);
  assert.equal([(await racing.getFindingState('a'))?.lifecycle, (await racing.getFindingState('b'))?.lifecycle], ['resolved', 'resolved']);
  await other.close();
  await racing.close();
});

Auto('a replica that pulled another origin’s findings completes its full-scope scan and resolves what it did not see', async () => {
  const dir2 = makeTempDir('auto-replica');
  const spoke = await openReplica(dir2, 'spoke', clock.now);
  const replica = await openReplica(dir2, 'replica', clock.now);
  try {
    const scope = { accountId: '111', region: 'us-east-1', collectors: ['iam'], fullScope: true };
    await spoke.startScan({ scanId: 'spoke-1', snapshotId: 'x', ...scope });
    await spoke.trackFindings(['a', 'b'].map((id) => ({ findingId: id, assetId: id, ruleId: 'r' })), { scanId: 'spoke-1' });
    await spoke.completeScan('spoke-1', { assetCount: 2, findingCount: 2 });
    const hub = fileHub({ root: join(dir2, 'hub') });
    const none = { encryptionKey: null, signingKey: null, trusted: null };
    await sync(spoke, hub, { direction: 'push', policy: 'latest_wins', batchSize: 100, security: none, clock: clock.now });
    await sync(replica, hub, { direction: 'pull', policy: 'latest_wins', batchSize: 100, security: none, clock: clock.now });
    clock.advance(60);
    // The replica's own scan of the same scope sees only a: b, tracked elsewhere, was not observed.
    await replica.startScan({ scanId: 'replica-1', snapshotId: 'y', ...scope });
    await replica.trackFindings([{ findingId: 'a', assetId: 'a', ruleId: 'r' }], { scanId: 'replica-1' });
    await replica.completeScan('replica-1', { assetCount: 1, findingCount: 1 });
    assert.equal([(await replica.getFindingState('a'))?.lifecycle, (await replica.getFindingState('b'))?.lifecycle], ['recurring', 'resolved']);
    assert.is((await replica.getFindingState('b'))?.resolution_reason, 'not_observed');
  } finally {
    await spoke.close();
    await replica.close();
    removeDir(dir2);
  }
});

Auto.run();
