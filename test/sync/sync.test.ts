import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { hubState, sync, type HubStorage } from '../../src/sync/index.js';
import { onBackend, TestClock } from '../support/engine.js';
import { headOf, streamOf } from '../support/log.js';
import { directoryHub, noSecurity, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Sync = suite(onBackend('sync: push, pull, run between replicas and a directory hub'));
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let a: StateEngine;
let b: StateEngine;
Sync.before.each(async () => {
  dir = makeTempDir('sync');
  clock = new TestClock();
  hub = directoryHub(dir);
  a = await openReplica(dir, 'spoke-a', clock.now);
  b = await openReplica(dir, 'spoke-b', clock.now);
});
Sync.after.each(async () => {
  await a.close();
  await b.close();
  removeDir(dir);
});

const options = (direction: 'push' | 'pull' | 'bidirectional' = 'bidirectional') => ({
  direction,
  policy: 'latest_wins' as const,
  batchSize: 100,
  security: noSecurity,
  clock: clock.now,
});
const track = (engine: StateEngine, ids: string[]) => engine.trackFindings(ids.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: 'r' })));

Sync('findings tracked on one spoke reach another through the hub, with ids, revisions and checksums kept', async () => {
  await track(a, ['f1', 'f2']);
  const pushed = await sync(a, hub, options('push'));
  assert.equal([pushed.success, pushed.records_synced, pushed.batches_pushed], [true, 2, 1]);
  clock.advance(1);
  const pulled = await sync(b, hub, options('pull'));
  assert.equal([pulled.success, pulled.records_synced, pulled.errors], [true, 2, []]);
  assert.is((await b.getFindingState('f1'))?.lifecycle, 'new');
  const original = await streamOf(a, 'finding-f1');
  const copy = await streamOf(b, 'finding-f1', { origin: 'spoke-a' });
  assert.equal(copy.map((e) => [e.id, e.revision, e.checksum, e.meta.recordedAt, e.meta.origin]), original.map((e) => [e.id, e.revision, e.checksum, e.meta.recordedAt, e.meta.origin]));
  assert.ok((await b.backend.log.verify()).ok);
});

Sync('typed states, sessions and body purges stay on their spoke: only the findings travel', async () => {
  await track(a, ['f1']);
  await a.states.register({ stateId: 'u1', type: 'user', data: { email: 'a@example.com' } });
  await a.sessions.save('run', { step: 1 });
  await a.sessions.createCheckpoint('run', { step: 1 });
  await a.sessions.save('run', { step: 2 });
  await a.sessions.cleanupCheckpoints('run', 0);
  const pushed = await sync(a, hub, options('push'));
  assert.equal([pushed.success, pushed.records_synced], [true, 1]);
  clock.advance(1);
  const pulled = await sync(b, hub, options('pull'));
  assert.equal([pulled.success, pulled.errors], [true, []]);
  assert.is((await b.getFindingState('f1'))?.lifecycle, 'new');
  assert.equal([await b.states.get('u1'), await b.sessions.get('run')], [null, null]);
});

Sync('a second sync adds nothing', async () => {
  await track(a, ['f1']);
  await sync(a, hub, options());
  await sync(b, hub, options());
  const again = await sync(b, hub, options());
  assert.equal([again.records_synced, again.batches_pulled, again.batches_pushed], [0, 0, 0]);
  const head = await headOf(b);
  await sync(b, hub, options());
  assert.is(await headOf(b), head);
});

Sync('sync positions are events in the sync stream', async () => {
  await track(a, ['f1']);
  await sync(a, hub, options());
  const state = await hubState(a.backend.log, hub.url);
  // The last of its own events that travel: its sighting (its origin's name and sync records stay local).
  const [sighting] = await streamOf(a, 'finding-f1');
  assert.is(state.pushed, sighting?.position);
  assert.is(state.pushedBatches, 1);
});

Sync('a decision on the other spoke comes back', async () => {
  await track(a, ['f1']);
  await sync(a, hub, options());
  await sync(b, hub, options());
  clock.advance(5);
  await b.resolveFinding('f1', { by: 'bob', reason: 'fixed' });
  await sync(b, hub, options());
  await sync(a, hub, options());
  const state = await a.getFindingState('f1');
  assert.equal([state?.lifecycle, state?.resolved_by], ['resolved', 'bob']);
});

Sync('the hybrid clock moves past pulled events recorded ahead of it within the skew bound', async () => {
  clock.advance(4);
  await track(a, ['f1']);
  await sync(a, hub, options());
  clock.advance(-4);
  await sync(b, hub, options());
  const [theirs] = await streamOf(b, 'finding-f1', { origin: 'spoke-a' });
  await b.addFindingNote('f1', { by: 'b', text: 'after the pull' });
  const [mine] = await streamOf(b, 'finding-f1');
  assert.ok((mine?.meta.recordedAt ?? '') > (theirs?.meta.recordedAt ?? 'z'));
});

Sync('a pull lists only what is new: the keys it reads do not grow with the hub', async () => {
  const counted = { keys: 0 };
  const counting: HubStorage = {
    ...hub,
    list: (prefix, options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const key of hub.list(prefix, options)) {
          counted.keys += 1;
          yield key;
        }
      },
    }),
  };
  for (let i = 0; i < 60; i += 1) await track(a, [`f${i}`]);
  await sync(a, hub, { ...options('push'), batchSize: 1 });
  assert.is((await sync(b, counting, options('pull'))).batches_pulled, 60);
  const firstContact = counted.keys;
  assert.ok(firstContact >= 60);
  await track(a, ['one-more']);
  await sync(a, hub, options('push'));
  counted.keys = 0;
  const again = await sync(b, counting, options('pull'));
  assert.is(again.batches_pulled, 1);
  assert.ok(counted.keys <= 2, `listed ${counted.keys} keys for one new batch`);
});

Sync.run();
