import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { hubState, sync, type HubStorage } from '../../src/sync/index.js';
import { TestClock } from '../support/engine.js';
import { directoryHub, noSecurity, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Overview = suite('engine/overview: sync per hub and origin, from the sync_status read model');
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let a: StateEngine;
let b: StateEngine;
Overview.before.each(async () => {
  dir = makeTempDir('sync-overview');
  clock = new TestClock();
  hub = directoryHub(dir);
  a = await openReplica(dir, 'spoke-a', clock.now);
  b = await openReplica(dir, 'spoke-b', clock.now);
});
Overview.after.each(async () => {
  await a.close();
  await b.close();
  removeDir(dir);
});

const options = (direction: 'push' | 'pull') => ({ direction, policy: 'latest_wins' as const, batchSize: 100, security: noSecurity, clock: clock.now });

Overview('a data dir that never synced lists nothing', async () => {
  assert.equal((await a.syncOverview()).origins, []);
});

Overview('a push is listed as this origin’s, a pull per other origin with how old its newest event is', async () => {
  await a.trackFindings([{ findingId: 'f1', assetId: 'x', ruleId: 'r' }]);
  await sync(a, hub, options('push'));
  clock.advance(90);
  await sync(b, hub, options('pull'));
  const pushed = (await a.syncOverview()).origins;
  assert.equal(pushed.map((o) => [o.origin, o.direction, o.batches, o.lag_seconds]), [['spoke-a', 'push', 1, null]]);
  const pulled = await b.syncOverview();
  assert.is(pulled.origin, 'spoke-b');
  assert.equal(pulled.origins.map((o) => [o.origin, o.direction, o.batches, o.lag_seconds, o.blocked]), [['spoke-a', 'pull', 1, 90 * 60, null]]);
  clock.advance(30);
  assert.is((await b.syncOverview()).origins[0]?.lag_seconds, 120 * 60, 'the lag grows with the clock until the next pull');
});

Overview('the read model agrees with the fold sync status makes of the hub’s records', async () => {
  await a.trackFindings([{ findingId: 'f1', assetId: 'x', ruleId: 'r' }]);
  await sync(a, hub, options('push'));
  await a.trackFindings([{ findingId: 'f2', assetId: 'x', ruleId: 'r' }]);
  await sync(a, hub, options('push'));
  await sync(b, hub, options('pull'));
  const row = (await b.syncOverview()).origins[0];
  const url = row?.hub ?? '';
  const folded = (await hubState(b.backend.log, url)).origins.get('spoke-a');
  assert.equal([row?.position, row?.batches, row?.last_recorded_at], [folded?.position, folded?.batches, folded?.lastRecordedAt]);
  const own = (await a.syncOverview()).origins[0];
  const pushed = await hubState(a.backend.log, url);
  assert.equal([own?.position, own?.batches], [pushed.pushed, pushed.pushedBatches]);
  // And a rebuild folds the same rows.
  await b.rebuildProjections('sync_status');
  assert.equal((await b.syncOverview()).origins[0], row);
});

Overview.run();
