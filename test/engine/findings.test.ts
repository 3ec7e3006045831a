import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, InvalidInput } from '../../src/errors.js';
import { StateEngine } from '../../src/engine/index.js';
import { onBackend, openTestEngine, siblingOf, type TestClock } from '../support/engine.js';
import { allOf, headOf } from '../support/log.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Findings = suite(onBackend('engine: findings'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Findings.before(() => {
  dir = makeTempDir('engine-findings');
});
Findings.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
Findings.after.each(() => engine.close());
Findings.after(() => removeDir(dir));

const f = (id: string, asset = 'a1', rule = 'r1') => ({ findingId: id, assetId: asset, ruleId: rule });

Findings('tracking makes a finding new, then recurring, and keeps the original fields', async () => {
  const first = await engine.trackFinding(f('f1'));
  assert.equal(
    [first.lifecycle, first.scan_count, first.first_seen, first.last_seen, first.resolved_at, first.notes],
    ['new', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', null, []],
  );
  clock.days(1);
  const again = await engine.trackFinding(f('f1'));
  assert.equal([again.lifecycle, again.scan_count, again.last_seen], ['recurring', 2, '2026-01-02T00:00:00.000Z']);
});

Findings('a suppressed finding stays suppressed when a scan sees it again', async () => {
  await engine.trackFinding(f('f1'));
  await engine.suppressFinding('f1', { by: 'bob', reason: 'accepted' });
  clock.days(1);
  const seen = await engine.trackFinding(f('f1'));
  assert.equal([seen.lifecycle, seen.scan_count, seen.suppressed_by, seen.suppression_reason], ['suppressed', 2, 'bob', 'accepted']);
});

Findings('an expired suppression returns the finding to recurring with a SuppressionExpired event', async () => {
  await engine.trackFinding(f('f1'));
  await engine.suppressFinding('f1', { by: 'bob', reason: 'accepted', until: '2026-01-03T00:00:00.000Z' as never });
  clock.days(5);
  const seen = await engine.trackFinding(f('f1'));
  assert.is(seen.lifecycle, 'recurring');
  const history = await engine.getFindingHistory('f1');
  assert.equal(history.map((h) => h.type), ['FindingTracked', 'FindingSuppressed', 'SuppressionExpired', 'FindingTracked']);
  assert.is(history[2]?.reason, 'risk acceptance by bob (accepted) ended 2026-01-03T00:00:00.000Z');
});

Findings('the expiry sweep lifts suppressions whose end has passed', async () => {
  await engine.trackFinding(f('f1'));
  await engine.trackFinding(f('f2'));
  await engine.suppressFinding('f1', { by: 'bob', reason: 'accepted', until: '2026-01-02T00:00:00.000Z' as never });
  await engine.suppressFinding('f2', { by: 'bob', reason: 'accepted' });
  clock.days(3);
  assert.is(await engine.expireSuppressions(), 1);
  assert.is((await engine.getFindingState('f1'))?.lifecycle, 'recurring');
  assert.is((await engine.getFindingState('f2'))?.lifecycle, 'suppressed');
});

Findings('resolve, reopen, false positive, notes and unsuppress as a person does them', async () => {
  await engine.trackFinding(f('f1'));
  const resolved = await engine.resolveFinding('f1', { by: 'alice', reason: 'patched' });
  assert.equal([resolved.lifecycle, resolved.resolved_by, resolved.resolution_reason, resolved.resolved_at], ['resolved', 'alice', 'patched', '2026-01-01T00:00:00.000Z']);
  clock.days(1);
  assert.is((await engine.trackFinding(f('f1'))).lifecycle, 'reopened');
  await engine.suppressFinding('f1', { by: 'bob', reason: 'accepted' });
  assert.is((await engine.unsuppressFinding('f1', 'bob')).lifecycle, 'reopened');
  const fp = await engine.markFalsePositive('f1', { by: 'carol', reason: 'sandbox' });
  assert.equal([fp.lifecycle, fp.false_positive_by, fp.false_positive_reason], ['false_positive', 'carol', 'sandbox']);
  await engine.addFindingNote('f1', { by: 'dan', text: 'ticket SEC-42' });
  assert.equal((await engine.addFindingNote('f1', { by: 'dan', text: 'closed' })).notes, ['ticket SEC-42', 'closed']);
});

Findings('commands on unknown findings and illegal transitions are domain errors', async () => {
  assert.is((await raises(() => engine.resolveFinding('nope'), DomainError)).code, 'unknown_finding');
  await engine.trackFinding(f('f1'));
  assert.is((await raises(() => engine.unsuppressFinding('f1', 'bob'), DomainError)).code, 'illegal_transition');
  assert.is((await raises(() => engine.trackFinding({ ...f('f2'), scanId: 'nope' }), DomainError)).code, 'unknown_scan');
});

Findings('trackFindings appends a batch atomically and reports what happened', async () => {
  await engine.trackFindings([f('a'), f('b')]);
  await engine.resolveFinding('b');
  await engine.suppressFinding('a', { by: 'bob', reason: 'accepted' });
  const head = await headOf(engine);
  const summary = await engine.trackFindings([f('a'), f('b'), f('c'), f('c')]);
  assert.equal(
    { ...summary, position: 0 },
    { tracked: 4, new: 1, recurring: 1, reopened: 1, still_suppressed: 1, suppressions_expired: 0, already_seen: 0, position: 0 },
  );
  assert.is(summary.position, head + 4);
  assert.is((await engine.getFindingState('c'))?.scan_count, 2);
});

Findings('a batch re-run into the same scan records nothing again and says so, on every read model', async () => {
  await engine.startScan({ scanId: 's1', snapshotId: 'x' });
  await engine.trackFindings([f('a'), f('b')], { scanId: 's1' });
  const tables = async () => [await engine.backend.models.rows({ table: 'findings' }), await engine.backend.models.rows({ table: 'finding_stats' })];
  const head = await headOf(engine);
  const before = await tables();
  const again = await engine.trackFindings([f('a'), f('b'), f('c')], { scanId: 's1' });
  assert.equal([again.tracked, again.new, again.already_seen], [1, 1, 2]);
  assert.is(await headOf(engine), head + 1, 'only c was recorded');
  assert.is((await engine.getFindingState('a'))?.scan_count, 1);
  const after = await tables();
  assert.equal(after[0]?.filter((r) => (r as { finding_id: string }).finding_id !== 'c'), before[0]);
  assert.is((await engine.getFindingStats()).sightings, 3);
});

Findings('an import is all or nothing across its batches: a record gone bad between check and append rolls all back', async () => {
  const records = Array.from({ length: 2_500 }, (_, i) => ({ where: `line ${i + 1}`, value: { finding_id: `imp-${i}`, asset_id: 'a', rule_id: 'r' } }));
  const head = await headOf(engine);
  let pass = 0;
  const read = function* () {
    pass += 1;
    for (const [i, r] of records.entries()) yield pass === 2 && i === 2_200 ? { ...r, value: { finding_id: '' } } : r;
  };
  const error = await raises(() => engine.importFindings(read), InvalidInput);
  assert.is(error.field, 'line 2201.finding_id');
  assert.is(await headOf(engine), head, 'the first two batches were rolled back with the third');
  assert.is(await engine.getFindingState('imp-0'), null);
  const done = await engine.importFindings(function* () {
    yield* records;
  });
  // Exactly the 2,500 events after the head, ending at the position reported (a rolled-back PostgreSQL transaction
  // leaves its sequence values unused, so positions need not be contiguous).
  assert.equal([done.tracked, done.position], [2_500, await headOf(engine)]);
  assert.is((await allOf(engine, { fromPosition: head })).length, 2_500);
});

Findings('an import refuses a finding listed twice, naming both places, before writing anything', async () => {
  const r = (where: string, id: string) => ({ where, value: { finding_id: id, asset_id: 'a', rule_id: 'r' } });
  const head = await headOf(engine);
  const error = await raises(() => engine.importFindings(() => [r('line 1', 'x'), r('line 2', 'y'), r('line 3', 'x')]), InvalidInput);
  assert.equal([error.field, error.expected], ['line 3.finding_id', 'a finding listed once (also at line 1)']);
  assert.is(await headOf(engine), head);
});

Findings('one bad record rejects the whole batch, naming its index and field, and writes nothing', async () => {
  const head = await headOf(engine);
  const error = await raises(() => engine.trackFindings([f('a'), { findingId: 'b', assetId: '', ruleId: 'r' }]), InvalidInput);
  assert.is(error.field, 'records[1].assetId');
  assert.is(await headOf(engine), head);
  assert.is(await engine.getFindingState('a'), null);
});

Findings('stats count every lifecycle without a cap, with the mean time to resolve', async () => {
  const many = Array.from({ length: 10_050 }, (_, i) => f(`bulk-${String(i).padStart(5, '0')}`));
  await engine.trackFindings(many);
  clock.advance(120);
  await engine.resolveFinding('bulk-00000');
  await engine.suppressFinding('bulk-00001', { by: 'x', reason: 'accepted' });
  await engine.markFalsePositive('bulk-00002', { by: 'x' });
  const stats = await engine.getFindingStats();
  assert.equal(stats, {
    new: 10_047,
    recurring: 0,
    resolved: 1,
    reopened: 0,
    suppressed: 1,
    false_positive: 1,
    total: 10_050,
    open: 10_047,
    sightings: 10_050,
    resolutions: 1,
    mean_time_to_resolve_seconds: 7200,
    breached: 0,
    by_severity: {
      critical: { total: 0, open: 0, breached: 0 },
      high: { total: 0, open: 0, breached: 0 },
      medium: { total: 0, open: 0, breached: 0 },
      low: { total: 0, open: 0, breached: 0 },
      informational: { total: 0, open: 0, breached: 0 },
      unknown: { total: 10_050, open: 10_047, breached: 0 },
    },
  });
});

Findings('listFindingStates filters and pages with a stable cursor', async () => {
  await engine.trackFindings([f('f1', 'web'), f('f2', 'db'), f('f3', 'web', 'r2'), f('f4', 'web')]);
  await engine.resolveFinding('f4');
  assert.equal((await engine.listFindingStates({ assetId: 'web' })).findings.map((x) => x.finding_id), ['f1', 'f3', 'f4']);
  assert.equal((await engine.listFindingStates({ lifecycle: 'resolved' })).findings.map((x) => x.finding_id), ['f4']);
  assert.equal((await engine.listFindingStates({ ruleId: 'r2' })).findings.map((x) => x.finding_id), ['f3']);
  const first = await engine.listFindingStates({ limit: 2 });
  assert.equal([first.findings.map((x) => x.finding_id), first.next_cursor], [['f1', 'f2'], 'f2']);
  await engine.trackFinding(f('f0'));
  const second = await engine.listFindingStates({ limit: 2, cursor: first.next_cursor ?? undefined });
  assert.equal([second.findings.map((x) => x.finding_id), second.next_cursor], [['f3', 'f4'], null]);
});

Findings('history tells every event with actor and reason, and as-of folds up to an instant', async () => {
  await engine.trackFinding(f('f1'));
  clock.days(1);
  await engine.resolveFinding('f1', { by: 'alice', reason: 'patched' });
  clock.days(1);
  await engine.trackFinding(f('f1'));
  const history = await engine.getFindingHistory('f1');
  assert.equal(
    history.map((h) => [h.type, h.actor, h.reason, h.lifecycle, h.recorded_at]),
    [
      ['FindingTracked', '', '', 'new', '2026-01-01T00:00:00.000Z'],
      ['FindingResolved', 'alice', 'patched', 'resolved', '2026-01-02T00:00:00.000Z'],
      ['FindingTracked', '', '', 'reopened', '2026-01-03T00:00:00.000Z'],
    ],
  );
  assert.is((await engine.getFindingAsOf('f1', '2026-01-01T12:00:00.000Z'))?.lifecycle, 'new');
  assert.is((await engine.getFindingAsOf('f1', '2026-01-02T00:00:00.000Z'))?.lifecycle, 'resolved');
  assert.is((await engine.getFindingAsOf('f1', '2026-01-05T00:00:00.000Z'))?.lifecycle, 'reopened');
  assert.is(await engine.getFindingAsOf('f1', '2025-12-31T00:00:00.000Z'), null);
});

Findings('a writer slipped in between a decision’s load and its append forces the decision again, and both stand', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  let commits = 0;
  // The other writer appends to the same stream after this engine loaded the finding and before it commits.
  const racing = await siblingOf(engine, {
    clock: clock.now,
    beforeCommit: async () => {
      commits += 1;
      if (commits === 1) await other.addFindingNote('f1', { by: 'x', text: 'from the other process' });
    },
  });
  await other.trackFinding(f('f1'));
  const record = await racing.addFindingNote('f1', { by: 'y', text: 'from this one' });
  assert.is(commits, 2, 'the first append met the other writer and the decision was made again');
  assert.equal(record.notes, ['from the other process', 'from this one']);
  await other.close();
  await racing.close();
});

Findings.run();
