import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { onBackend, openTestEngine, TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * A rebuild reads the keyed projections' events in stream order, 5,000 a page, folding each stream whole: streams
 * longer than a page, and streams that straddle a page's end, must fold exactly as the live path folded them, event
 * by event in log order. The other projections (checkpoints here) replay only the types they handle.
 */
const Keyed = suite(onBackend('engine/rebuild: stream by stream, across pages'));
let dir = '';
Keyed.before(() => {
  dir = makeTempDir('rebuild-keyed');
});
Keyed.after(() => removeDir(dir));

const tables = [
  'scans',
  'scan_scopes',
  'findings',
  'finding_notes',
  'finding_stats',
  'finding_days',
  'finding_days_findings',
  'checkpoints',
  'jobs',
  'access_settings',
];
const dump = async (engine: StateEngine) =>
  Object.fromEntries(
    await Promise.all(
      tables.map(async (t) => [t, (await engine.backend.models.rows({ table: t })).map((r) => JSON.stringify(r)).sort()] as const),
    ),
  );

Keyed('a log of 13,000 events, streams of 31 and of 6,100 events, rebuilds to exactly the live read models', async () => {
  const { engine, clock } = await openTestEngine(dir, new TestClock());
  try {
    const ids = Array.from({ length: 400 }, (_, i) => `f${String(i).padStart(3, '0')}`);
    // 30 scans of 400 findings: 400 streams of 30 sightings, so page ends (every 5,000 events) fall inside streams.
    for (let round = 0; round < 30; round += 1) {
      const scanId = `scan-${round}`;
      await engine.startScan({ scanId, snapshotId: 'snap', accountId: '111', region: round % 2 === 0 ? 'us-east-1' : 'eu-west-1', fullScope: false, collectors: [] });
      const seen = ids.filter((_, i) => (i + round) % 7 !== 0); // some findings missed now and then
      await engine.trackFindings(
        seen.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: `rule-${id.slice(-1)}` })),
        { scanId },
      );
      await engine.completeScan(scanId, { assetCount: seen.length, findingCount: seen.length });
      clock.advance(6 * 60);
      if (round % 5 === 0) {
        await engine.resolveFinding(ids[round + 10] as string, { by: 'alice' });
        await engine.suppressFinding(ids[round + 11] as string, { by: 'bob', reason: 'accepted' });
        await engine.addFindingNote(ids[round + 12] as string, { by: 'dan', text: noteText(round) });
        await engine.updateCheckpoint({ collector: 'iam', accountId: '111', region: 'us-east-1', scanId, force: true });
      }
    }
    // One stream longer than a page: 6,100 sightings of one finding (sightings without a scan are each new).
    const long = { findingId: 'long', assetId: 'asset-long', ruleId: 'rule-long' };
    for (const n of [1000, 1000, 1000, 1000, 1000, 1000, 100]) await engine.trackFindings(Array.from({ length: n }, () => long));
    await engine.addFindingNote('long', { by: 'erin', text: 'the last word' });
    await engine.resolveFinding('long', { by: 'alice' });
    await engine.sla.setPolicy({ critical: 3, high: 10, medium: 30, low: 60, restartOnReopen: true });

    const head = await engine.backend.log.headPosition();
    assert.ok(head > 13_000, `a log longer than two pages (${head})`);
    const live = await dump(engine);
    assert.is(live.findings?.length, 401);
    assert.ok(JSON.parse(live.findings?.find((r) => r.includes('"long"')) ?? '{}').scan_count === 6100, 'the long stream folded whole');

    const applied = await engine.rebuildProjections();
    assert.is(applied, head, 'every event up to the head, counted once');
    assert.equal(await dump(engine), live);
    // The rebuilt rows carry text exactly as written, not merely as the live path stored it.
    assert.equal((await engine.getFindingState(ids[12] as string))?.notes, [noteText(0)]);
    // And the rebuilt tables go on like the live ones did.
    await engine.trackFindings([{ findingId: 'long', assetId: 'asset-long', ruleId: 'rule-long' }]);
    assert.is((await engine.getFindingState('long'))?.scan_count, 6101);
  } finally {
    await engine.close();
  }
});

/** Note text as people write it: quotes, backslashes, a tab and a newline, accents, emoji, right-to-left script. */
function noteText(round: number): string {
  return `note ${round}: "C:\\tmp\\x" \t{"a":[1]}\nçà 🔑 שלום \u2028 end`;
}

Keyed.run();
