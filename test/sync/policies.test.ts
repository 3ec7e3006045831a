import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine } from '../../src/engine/index.js';
import type { ConflictPolicy, Lifecycle } from '../../src/events/index.js';
import { fileHub, setTrustDocument, sync, type HubStorage } from '../../src/sync/index.js';
import { dropWithLastEngine, engineOn, freshStore, onBackend } from '../support/engine.js';
import { allOf } from '../support/log.js';
import { noSecurity } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Policies = suite(onBackend('sync: conflict policies on concurrent decisions, and diverged histories'));
let dir = '';
let n = 0;
Policies.before.each(() => {
  dir = makeTempDir('policies');
});
Policies.after.each(() => removeDir(dir));

const world = async () => {
  n += 1;
  const now = { ms: Date.UTC(2026, 2, 1) };
  const clock = () => now.ms;
  const open = async (origin: string) => engineOn(dropWithLastEngine(await freshStore(dir, `${n}-${origin}`)).url, { origin, clock });
  const central = await open('central');
  const spoke = await open('spoke');
  // Which origin is central is each replica's own configuration: a batch's claim to be central counts for nothing.
  for (const engine of [central, spoke]) await setTrustDocument(engine, { central: 'central' }, clock());
  return { now, clock, central, spoke, hub: fileHub({ root: join(dir, `hub-${n}`) }) };
};
const round = async (engines: StateEngine[], hub: HubStorage, policy: ConflictPolicy, clock: () => number) => {
  for (const pass of [0, 1])
    for (const [i, engine] of engines.entries())
      assert.equal((await sync(engine, hub, { direction: 'bidirectional', policy, batchSize: 50, security: noSecurity, central: i === 0, clock })).errors, [], `pass ${pass}`);
};

/** The central suppresses and the spoke resolves one finding without having seen each other's decision. */
const concurrent = async (policy: ConflictPolicy, first: 'central' | 'spoke'): Promise<[Lifecycle | undefined, Lifecycle | undefined]> => {
  const w = await world();
  await w.central.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  await round([w.central, w.spoke], w.hub, policy, w.clock);
  const decide = {
    central: () => w.central.suppressFinding('f1', { by: 'secops', reason: 'accepted risk' }),
    spoke: () => w.spoke.resolveFinding('f1', { by: 'owner', reason: 'fixed' }),
  };
  w.now.ms += 60_000;
  await decide[first]();
  w.now.ms += 60_000;
  await decide[first === 'central' ? 'spoke' : 'central']();
  await round([w.central, w.spoke], w.hub, policy, w.clock);
  const result: [Lifecycle | undefined, Lifecycle | undefined] = [
    (await w.central.getFindingState('f1'))?.lifecycle,
    (await w.spoke.getFindingState('f1'))?.lifecycle,
  ];
  await w.central.close();
  await w.spoke.close();
  return result;
};

Policies('latest_wins: the later decision stands on every replica', async () => {
  assert.equal(await concurrent('latest_wins', 'central'), ['resolved', 'resolved']);
  assert.equal(await concurrent('latest_wins', 'spoke'), ['suppressed', 'suppressed']);
});

Policies('central_wins: the central origin’s decision stands even when a spoke decided later', async () => {
  assert.equal(await concurrent('central_wins', 'central'), ['suppressed', 'suppressed']);
  assert.equal(await concurrent('central_wins', 'spoke'), ['suppressed', 'suppressed']);
});

Policies('merge: a suppression outranks a resolution, whichever came later', async () => {
  assert.equal(await concurrent('merge', 'central'), ['suppressed', 'suppressed']);
  assert.equal(await concurrent('merge', 'spoke'), ['suppressed', 'suppressed']);
});

Policies('local_wins: each replica keeps its own decision', async () => {
  assert.equal(await concurrent('local_wins', 'central'), ['suppressed', 'resolved']);
});

Policies('a decision made after seeing the other origin’s is not a conflict: it stands under central_wins too', async () => {
  const w = await world();
  await w.central.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  await w.central.resolveFinding('f1', { by: 'secops' });
  await round([w.central, w.spoke], w.hub, 'central_wins', w.clock);
  w.now.ms += 60_000;
  await w.spoke.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  await w.spoke.suppressFinding('f1', { by: 'owner', reason: 'accepted' });
  await round([w.central, w.spoke], w.hub, 'central_wins', w.clock);
  assert.is((await w.central.getFindingState('f1'))?.lifecycle, 'suppressed');
  await w.central.close();
  await w.spoke.close();
});

Policies('a history that diverged (a spoke set up again under its old name) is recorded with both checksums, never overwritten', async () => {
  const w = await world();
  await w.spoke.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  w.now.ms += 60_000;
  await w.spoke.addFindingNote('f1', { by: 'owner', text: 'before the disk died' });
  await round([w.central, w.spoke], w.hub, 'latest_wins', w.clock);
  await w.spoke.close();
  // A new store under the same origin name writes other events under the revisions the first one used. (Restoring
  // an old backup of one store does the same: test/store/sqlite-restore.test.ts copies the SQLite file.)
  const again = await engineOn(dropWithLastEngine(await freshStore(dir, `${n}-spoke-again`)).url, { origin: 'spoke', clock: w.clock });
  w.now.ms += 60_000;
  await again.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  await again.resolveFinding('f1', { by: 'owner', reason: 'after the restore' });
  // Through another hub the new history reaches the central, which has the first one.
  const other = fileHub({ root: join(dir, `hub-${n}-b`) });
  assert.equal((await sync(again, other, { direction: 'push', policy: 'latest_wins', batchSize: 2, security: noSecurity, clock: w.clock })).errors, []);
  const pulled = await sync(w.central, other, { direction: 'pull', policy: 'latest_wins', batchSize: 50, security: noSecurity, clock: w.clock });
  assert.is(pulled.conflicts_resolved, 1);
  assert.match(pulled.errors.join('\n'), /^diverged: finding-f1 revision \d+ of spoke differs/);
  const records = (await allOf(w.central, { filter: { types: ['SyncConflictResolved'] } })).map((e) => e.data as Record<string, unknown>);
  assert.is(records.length, 1);
  assert.equal([records[0]?.stream, records[0]?.origin, records[0]?.policy, records[0]?.kept], ['finding-f1', 'spoke', 'latest_wins', 'local']);
  assert.match(String(records[0]?.localChecksum), /^[0-9a-f]{64}$/);
  assert.match(String(records[0]?.remoteChecksum), /^[0-9a-f]{64}$/);
  assert.is.not(records[0]?.localChecksum, records[0]?.remoteChecksum);
  // The central still holds what it had: the note written before the disk died, and no resolution.
  const f1 = await w.central.getFindingState('f1');
  assert.equal([f1?.lifecycle, f1?.notes], ['new', ['before the disk died']]);
  assert.ok((await w.central.backend.log.verify()).ok);
  await again.close();
  await w.central.close();
});

Policies.run();
