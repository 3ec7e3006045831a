import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { StateEngine } from '../../src/engine/index.js';
import { openTestEngine, type TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** The dashboard's reads on the engine: the latest scan per scope, and finding pages by last seen. */
const Latest = suite('engine/overview: the latest scan of each account and region');
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Latest.before(() => {
  dir = makeTempDir('engine-overview');
});
Latest.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
Latest.after.each(() => engine.close());
Latest.after(() => removeDir(dir));

const start = (scanId: string, accountId: string, region: string) =>
  engine.startScan({ scanId, snapshotId: 'snap', accountId, region, collectors: ['iam'] });
const latest = async () => (await engine.latestScans()).map((s) => [s.account_id, s.region, s.scan_id, s.status]);

Latest('scopes are listed by account then region, each with its newest scan by start', async () => {
  await start('s1', 'b', 'us-east-1');
  clock.advance(1);
  await start('s2', 'a', 'us-east-1');
  clock.advance(1);
  await start('s3', 'a', 'eu-west-1');
  clock.advance(1);
  await start('s4', 'b', 'us-east-1');
  assert.equal(await latest(), [
    ['a', 'eu-west-1', 's3', 'running'],
    ['a', 'us-east-1', 's2', 'running'],
    ['b', 'us-east-1', 's4', 'running'],
  ]);
});

Latest('an account and a region that read alike when joined stay two scopes', async () => {
  await start('s1', 'a:b', 'c');
  await start('s2', 'a', 'b:c');
  assert.equal((await latest()).map((r) => r[2]), ['s2', 's1']);
});

Latest('when retention archives the newest scan of a scope, the newest one left is listed; a scope with none left is not', async () => {
  await start('stuck', '111', 'us-east-1'); // never finishes: retention keeps it
  clock.advance(10);
  await start('old', '111', 'us-east-1');
  await engine.completeScan('old', { assetCount: 1, findingCount: 0 });
  await start('gone', '222', 'us-east-1');
  await engine.completeScan('gone', { assetCount: 1, findingCount: 0 });
  clock.days(100);
  await start('new', '333', 'us-east-1');
  assert.equal((await latest()).map((r) => r[2]), ['old', 'gone', 'new']);
  assert.is(await engine.cleanupOldScans(90), 2);
  assert.equal(await latest(), [
    ['111', 'us-east-1', 'stuck', 'running'],
    ['333', 'us-east-1', 'new', 'running'],
  ]);
  // The read model counts the scans each scope has left: an emptied scope is gone, not read again and again.
  const scopes = await engine.backend.models.counters('scan_scopes');
  assert.equal(Object.fromEntries(scopes), { '["111","us-east-1"]': 1, '["333","us-east-1"]': 1 });
  // A rebuild folds the same scopes.
  await engine.rebuildProjections('scans');
  assert.equal((await latest()).map((r) => r[2]), ['stuck', 'new']);
});

const Pages = suite('engine/findings: pages by last seen');
Pages.before(() => {
  dir = makeTempDir('engine-overview-pages');
});
Pages.after(() => removeDir(dir));

/** What the pages must add up to: every finding once, by (last_seen, finding_id), newest first for `-last_seen`. */
const model = (seen: ReadonlyMap<string, number>, desc: boolean): string[] =>
  [...seen]
    .sort(([a, x], [b, y]) => (x !== y ? x - y : a < b ? -1 : 1))
    .map(([id]) => id)
    [desc ? 'reverse' : 'slice']();

Pages('following next_cursor from the first page lists every finding once, in last-seen order, for any page size and ties', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Sightings: which finding, and whether the clock moves first (no move: ties on last_seen).
      fc.array(fc.record({ id: fc.integer({ min: 0, max: 11 }), tick: fc.boolean() }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      async (sightings, limit, desc) => {
        const t = await openTestEngine(dir);
        try {
          const seen = new Map<string, number>();
          for (const s of sightings) {
            if (s.tick) t.clock.advance(1);
            const id = `f${String(s.id).padStart(2, '0')}`;
            await t.engine.trackFindings([{ findingId: id, assetId: 'a', ruleId: 'r' }]);
            seen.set(id, t.clock.ms);
          }
          const sort = desc ? '-last_seen' : 'last_seen';
          const listed: string[] = [];
          let cursor: string | undefined;
          for (let pages = 0; pages <= seen.size; pages += 1) {
            const page = await t.engine.listFindingStates({ sort, limit, ...(cursor === undefined ? {} : { cursor }) });
            listed.push(...page.findings.map((f) => f.finding_id));
            if (page.next_cursor === null) break;
            cursor = page.next_cursor;
          }
          assert.equal(listed, model(seen, desc));
        } finally {
          await t.engine.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

Latest.run();
Pages.run();
