import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { DomainError } from '../../src/errors.js';
import { onBackend, openTestEngine, TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Props = suite(onBackend('engine/projections: incremental equals rebuild'));
let dir = '';
Props.before(() => {
  dir = makeTempDir('projection-props');
});
Props.after(() => removeDir(dir));

const findingIds = ['f1', 'f2', 'f3', 'f4', 'f5'];
const scanIds = ['s1', 's2', 's3'];
const scopes = [
  ['111', 'us-east-1'],
  ['222', 'eu-west-1'],
] as const;

type Step =
  | { op: 'start'; scan: string; scope: number; fullScope: boolean; collector: string | null }
  | { op: 'complete'; scan: string; failed: boolean }
  | { op: 'cancel'; scan: string }
  | { op: 'track'; findings: string[]; scan: string | null }
  | { op: 'resolve' | 'unsuppress' | 'fp'; finding: string }
  | { op: 'suppress'; finding: string; hours: number | null }
  | { op: 'note'; finding: string; text: string }
  | { op: 'checkpoint'; scan: string; scope: number; force: boolean }
  | { op: 'deleteCheckpoint'; scope: number }
  | { op: 'clock'; minutes: number }
  | { op: 'cleanup'; days: number }
  | { op: 'expire' };

const finding = fc.constantFrom(...findingIds);
const scan = fc.constantFrom(...scanIds);
const scope = fc.nat({ max: scopes.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('start' as const), scan, scope, fullScope: fc.boolean(), collector: fc.constantFrom(null, 'iam', 's3') }),
  fc.record({ op: fc.constant('complete' as const), scan, failed: fc.boolean() }),
  fc.record({ op: fc.constant('cancel' as const), scan }),
  fc.record({ op: fc.constant('track' as const), findings: fc.array(finding, { minLength: 1, maxLength: 4 }), scan: fc.option(scan, { nil: null }) }),
  fc.record({ op: fc.constantFrom('resolve' as const, 'unsuppress' as const, 'fp' as const), finding }),
  fc.record({ op: fc.constant('suppress' as const), finding, hours: fc.option(fc.integer({ min: 1, max: 72 }), { nil: null }) }),
  fc.record({ op: fc.constant('note' as const), finding, text: fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim().length > 0 && !/[\u0000-\u001f\u007f]/.test(s)) }),
  fc.record({ op: fc.constant('checkpoint' as const), scan, scope, force: fc.boolean() }),
  fc.record({ op: fc.constant('deleteCheckpoint' as const), scope }),
  fc.record({ op: fc.constant('clock' as const), minutes: fc.integer({ min: 1, max: 3000 }) }),
  fc.record({ op: fc.constant('cleanup' as const), days: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('expire' as const) }),
);

const run = async (engine: StateEngine, clock: TestClock, s: Step): Promise<void> => {
  const iso = (hours: number) => new Date(clock.ms + hours * 3_600_000).toISOString();
  switch (s.op) {
    case 'start': {
      const [accountId, region] = scopes[s.scope] ?? ['', ''];
      await engine.startScan({ scanId: s.scan, snapshotId: 'snap', accountId, region, fullScope: s.fullScope, collectors: s.collector ? [s.collector] : [] });
      return;
    }
    case 'complete':
      await engine.completeScan(s.scan, { assetCount: 1, findingCount: 1, errorMessage: s.failed ? 'boom' : '' });
      return;
    case 'cancel':
      await engine.cancelScan(s.scan, 'ops');
      return;
    case 'track':
      await engine.trackFindings(s.findings.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: 'rule' })), { scanId: s.scan ?? undefined });
      return;
    case 'resolve':
      await engine.resolveFinding(s.finding, { by: 'alice' });
      return;
    case 'unsuppress':
      await engine.unsuppressFinding(s.finding, 'bob');
      return;
    case 'fp':
      await engine.markFalsePositive(s.finding, { by: 'carol' });
      return;
    case 'suppress':
      await engine.suppressFinding(s.finding, { by: 'bob', reason: 'accepted', until: s.hours === null ? undefined : (iso(s.hours) as never) });
      return;
    case 'note':
      await engine.addFindingNote(s.finding, { by: 'dan', text: s.text });
      return;
    case 'checkpoint': {
      const [accountId, region] = scopes[s.scope] ?? ['', ''];
      await engine.updateCheckpoint({ collector: 'iam', accountId, region, scanId: s.scan, force: s.force });
      return;
    }
    case 'deleteCheckpoint': {
      const [accountId, region] = scopes[s.scope] ?? ['', ''];
      await engine.deleteCheckpoint('iam', accountId, region);
      return;
    }
    case 'clock':
      clock.advance(s.minutes);
      return;
    case 'cleanup':
      await engine.cleanupOldScans(s.days);
      return;
    case 'expire':
      await engine.expireSuppressions();
  }
};

const tables = ['scans', 'scan_scopes', 'findings', 'finding_notes', 'finding_stats', 'finding_days', 'finding_days_findings', 'checkpoints'];
/** Every read-model row, through the port (so the same comparison holds on every backend), in a stable order. */
const dump = async (engine: StateEngine) =>
  Object.fromEntries(
    await Promise.all(
      tables.map(async (t) => [t, (await engine.backend.models.rows({ table: t })).map((r) => JSON.stringify(r)).sort()] as const),
    ),
  );

Props('after any command sequence, rebuilt projections equal the incrementally maintained ones', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const { engine, clock } = await openTestEngine(dir, new TestClock());
      try {
        for (const s of steps) {
          try {
            await run(engine, clock, s);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
        }
        const incremental = await dump(engine);
        await engine.rebuildProjections();
        assert.equal(await dump(engine), incremental);
        // Stats counters agree with the findings they count.
        const stats = await engine.getFindingStats();
        const byLifecycle = await engine.backend.models.count({ table: 'findings', groupBy: 'lifecycle' });
        for (const l of ['new', 'recurring', 'resolved', 'reopened', 'suppressed', 'false_positive'] as const)
          assert.is(stats[l], byLifecycle.find((r) => r.key === l)?.n ?? 0, l);
        // The daily series adds up to the same figures: every finding new once, the open count as the stats have it
        // (summed over the days and in the running total alike).
        const days = await engine.backend.models.counters('finding_days');
        const sum = (prefix: string) => [...days].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
        assert.equal([sum('new:'), sum('open:'), days.get('open') ?? 0], [stats.total, stats.open, stats.open], 'daily sums');
        // Each finding row is the fold of its stream (what --as-of replays).
        for (const id of findingIds)
          assert.equal(await engine.getFindingAsOf(id, '2999-01-01T00:00:00.000Z'), await engine.getFindingState(id), id);
      } finally {
        await engine.close();
      }
    }),
    { numRuns: 60 },
  );
});

Props.run();
