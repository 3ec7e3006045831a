import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine } from '../../src/engine/index.js';
import type { ConflictPolicy, Lifecycle } from '../../src/events/index.js';
import { fileHub, setTrustDocument, sync, type HubStorage } from '../../src/sync/index.js';
import { dropWithLastEngine, engineOn, freshStore, onBackend } from '../support/engine.js';
import { noSecurity } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Policies = suite(onBackend('sync: conflict policies on concurrent decisions'));
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

Policies.run();
