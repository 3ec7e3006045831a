import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findingsProjection, projections, type Projection } from '../../projections/index.js';
import type { StateEngine } from '../../src/engine/index.js';
import { ReadModelsUpgraded } from '../../src/errors.js';
import { raises } from '../support/raises.js';
import { onBackend, openTestEngine, siblingOf } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * A rolling upgrade on one store: a newer release's process changes the findings projection (a new version, other
 * logic), rebuilds its tables at open and swaps them in while a process of the older release keeps running and
 * writing. The older process must leave the newer tables alone (it would write them with its old logic); the newer
 * one catches up on what the older one appended.
 */
const Upgrade = suite(onBackend('engine: a rolling upgrade of a projection'));
let dir = '';
const opened: StateEngine[] = [];
Upgrade.before(() => {
  dir = makeTempDir('rolling-upgrade');
});
Upgrade.after(async () => {
  for (const e of opened.splice(0).reverse()) await e.close();
  removeDir(dir);
});

/** The next release's findings: one version up, and its rows say so (the rule id carries a mark). */
const newer: Projection = {
  ...findingsProjection,
  version: findingsProjection.version + 1,
  apply(rows, event, context) {
    findingsProjection.apply(rows, event, context);
    const id = (event.data as { findingId?: string }).findingId;
    const row = id === undefined ? undefined : rows.get('findings', [id]);
    if (row !== undefined && !String(row.rule_id).endsWith('@next')) rows.put('findings', { ...row, rule_id: `${String(row.rule_id)}@next` });
  },
};
const nextRelease = projections.map((p) => (p.name === 'findings' ? newer : p));

Upgrade('the older process refuses writes once a newer one rebuilt a table it keeps, and keeps answering queries', async () => {
  const { engine: older } = await openTestEngine(dir);
  opened.push(older);
  await older.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  const next = await siblingOf(older, { projections: nextRelease });
  opened.push(next);
  // Rebuilt at open with the new logic.
  assert.is((await next.getFindingState('f1'))?.rule_id, 'r@next');
  // The older release would fold the newer table with its old logic: its writes are refused, nothing written, and
  // it says to restart it; its queries keep working (from the newer tables).
  const before = await next.backend.log.headPosition();
  const refused = await raises(() => older.trackFinding({ findingId: 'f2', assetId: 'a', ruleId: 'r' }), ReadModelsUpgraded);
  assert.match(refused.message, new RegExp(`read model findings was rebuilt by a newer stance-state \\(version ${newer.version}; this process has ${findingsProjection.version}\\): nothing was written; restart this process`));
  assert.is(await next.backend.log.headPosition(), before);
  assert.is((await older.getFindingState('f1'))?.rule_id, 'r@next');
  assert.is((await older.getFindingStats()).total, 1);
  // The newer process writes on, with its logic.
  await next.trackFinding({ findingId: 'f2', assetId: 'a', ruleId: 'r' });
  await next.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  const f1 = await next.getFindingState('f1');
  const f2 = await next.getFindingState('f2');
  assert.equal([f1?.rule_id, f1?.scan_count, f2?.rule_id, f2?.lifecycle], ['r@next', 2, 'r@next', 'new']);
  // Every other read model is still the older process's to keep, at its head.
  const status = await next.projectionStatus();
  const head = await next.backend.log.headPosition();
  assert.equal(status.map((p) => [p.name, p.position === head]), status.map((p) => [p.name, true]));
  assert.is(status.find((p) => p.name === 'findings')?.version, newer.version);
  // The newer one's stats count every finding once.
  assert.is((await next.getFindingStats()).total, 2);
});

Upgrade.run();
