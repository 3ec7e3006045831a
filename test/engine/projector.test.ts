import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projections, type Projection } from '../../projections/index.js';
import { StateEngine } from '../../src/engine/index.js';
import { engineOn, freshStore, onBackend, openRawLog, openTestEngine } from '../support/engine.js';
import { headOf } from '../support/log.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Projector = suite(onBackend('engine/projector: status, rebuild, versions, other writers'));
let dir = '';
Projector.before(() => {
  dir = makeTempDir('projector');
});
Projector.after(() => removeDir(dir));

const seed = async (engine: StateEngine) => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  await engine.trackFindings([1, 2, 3].map((i) => ({ findingId: `f${i}`, assetId: 'a', ruleId: 'r' })), { scanId: 's1' });
  await engine.completeScan('s1', { assetCount: 1, findingCount: 3 });
};

Projector('status names each projection with its version, position and rows', async () => {
  const { engine } = await openTestEngine(dir);
  await seed(engine);
  const head = await headOf(engine);
  const status = new Map((await engine.projectionStatus()).map((s) => [s.name, [s.version, s.position, s.rows]]));
  const version = (name: string) => projections.find((p) => p.name === name)?.version;
  assert.equal(status.get('scans'), [version('scans'), head, 1]);
  assert.equal(status.get('findings'), [version('findings'), head, 3]);
  assert.equal(status.get('checkpoints'), [version('checkpoints'), head, 0]);
  await engine.close();
});

Projector('rebuilding one projection leaves its rows and the others as they were', async () => {
  const { engine } = await openTestEngine(dir);
  await seed(engine);
  const before = await engine.listFindingStates();
  assert.is(await engine.rebuildProjections('findings'), await headOf(engine));
  assert.equal(await engine.listFindingStates(), before);
  await engine.trackFinding({ findingId: 'f4', assetId: 'a', ruleId: 'r' });
  assert.is((await engine.getFindingState('f4'))?.lifecycle, 'new');
  await engine.close();
});

Projector('a changed projection version is rebuilt when the engine opens', async () => {
  const store = await freshStore(dir, 'versions');
  const first = await engineOn(store.url);
  await seed(first);
  await first.close();
  const next = (projections.find((p) => p.name === 'findings')?.version ?? 0) + 1;
  const bumped: Projection[] = projections.map((p) => (p.name === 'findings' ? { ...p, version: next } : p));
  const rebuilt: string[] = [];
  const second = await engineOn(store.url, { projections: bumped, onRebuild: (name) => rebuilt.push(name) });
  assert.ok(rebuilt.length > 0 && rebuilt.every((n) => n === 'findings'));
  assert.is((await second.projectionStatus()).find((s) => s.name === 'findings')?.version, next);
  assert.is((await second.listFindingStates()).findings.length, 3);
  await second.close();
  let refused = '';
  try {
    await (await engineOn(store.url)).close();
  } catch (error) {
    refused = (error as Error).message;
  }
  assert.match(refused, 'read model findings was built by a newer stance-state');
  await store.drop();
});

Projector('events appended by a writer without projections are applied before the next append and on refresh', async () => {
  const { engine, url, clock } = await openTestEngine(dir);
  await engine.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  const raw = await openRawLog(url, { clock: clock.now });
  await raw.append('finding-f1', [{ type: 'FindingResolved', data: { findingId: 'f1', by: 'raw', reason: '', scanId: null, at: '2026-01-01T00:00:00.000Z' } }]);
  await raw.close();
  assert.is(await engine.refresh(), await headOf(engine));
  assert.is((await engine.getFindingState('f1'))?.lifecycle, 'resolved');
  const raw2 = await openRawLog(url, { clock: clock.now });
  await raw2.append('finding-f2', [{ type: 'FindingTracked', data: { findingId: 'f2', assetId: 'a', ruleId: 'r', scanId: null, seenAt: '2026-01-01T00:00:00.000Z', accountId: '', region: '', collector: null, severity: 'unknown' } }]);
  await raw2.close();
  await engine.trackFinding({ findingId: 'f3', assetId: 'a', ruleId: 'r' });
  assert.is((await engine.getFindingState('f2'))?.lifecycle, 'new');
  assert.is((await engine.getFindingStats()).total, 3);
  await engine.close();
});

Projector.run();
