import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput, NewerSchema } from '../../src/errors.js';
import type { FindingRecord, StateEngine } from '../../src/engine/index.js';
import { onBackend, openTestEngine, siblingOf, type TestClock } from '../support/engine.js';
import { allOf, headOf } from '../support/log.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** Severity and the SLA on either backend: the write schema's rollout rule, deadlines, filters, stats, a policy change. */
const Severity = suite(onBackend('engine: severity and SLA'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Severity.before(() => {
  dir = makeTempDir('engine-severity');
});
Severity.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
Severity.after.each(() => engine.close());
Severity.after(() => removeDir(dir));

const f = (id: string, severity?: 'critical' | 'high' | 'medium' | 'low' | 'informational') => ({ findingId: id, assetId: 'a1', ruleId: 'r1', severity });
const ids = (page: { findings: readonly FindingRecord[] }) => page.findings.map((x) => x.finding_id);

Severity('until told to write schema 2, a sighting with a severity is refused naming it and writes nothing; one without is schema 1', async () => {
  const before = await headOf(engine);
  const refused = await raises(() => engine.trackFinding(f('f1', 'high')), InvalidInput);
  assert.is(refused.field, 'severity');
  assert.match(refused.message, /schema write FindingTracked 2/);
  const batch = await raises(() => engine.trackFindings([f('f0'), f('f1', 'low')]), InvalidInput);
  assert.is(batch.field, 'records[1].severity');
  assert.is(await headOf(engine), before);
  const record = await engine.trackFinding(f('f2'));
  assert.is(record.severity, 'unknown');
  const stored = (await allOf(engine, { asStored: true })).filter((e) => e.type === 'FindingTracked');
  assert.equal(stored.map((e) => [e.schema, 'severity' in (e.data as object)]), [[1, false]]);
  // Read as every reader reads it: upcast to schema 2.
  const read = (await allOf(engine)).filter((e) => e.type === 'FindingTracked');
  assert.equal(read.map((e) => [e.schema, (e.data as { severity: string }).severity]), [[2, 'unknown']]);
});

Severity('after `schema write FindingTracked 2`, sightings are stored at schema 2 with their severity, in every process at once; after going back to 1, at 1', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  try {
    assert.is((await engine.schemas.list()).find((r) => r.type === 'FindingTracked')?.write, 1);
    // The other process has written, so it holds the write schemas as they were (schema 1).
    await other.trackFinding(f('f0'));
    await engine.schemas.setWrite('FindingTracked', 2);
    // It writes schema 2 from the next commit on, without waiting for anything: in a commit straight to its backend
    // too, where no engine check looked the schemas up first.
    clock.advance(1);
    const at = new Date(clock.now()).toISOString();
    await other.backend.commit([
      {
        stream: 'finding-f9',
        events: [{ type: 'FindingTracked', data: { findingId: 'f9', assetId: 'a', ruleId: 'r', scanId: null, seenAt: at, accountId: '', region: '', collector: null, severity: 'high' } }],
      },
    ]);
    assert.is((await other.trackFinding(f('f1', 'critical'))).severity, 'critical');
    assert.is((await engine.trackFinding(f('f2', 'low'))).severity, 'low');
    await other.trackFinding(f('f3'));
    // Back to 1 (an older reader joined): no process writes schema 2 after the change, whatever it last read.
    await engine.schemas.setWrite('FindingTracked', 1);
    clock.advance(1);
    await other.trackFinding(f('f4'));
    const refused = await raises(() => other.trackFinding(f('f5', 'high')), InvalidInput);
    assert.is(refused.field, 'severity');
    const stored = (await allOf(engine, { asStored: true })).filter((e) => e.type === 'FindingTracked');
    assert.equal(
      stored.map((e) => [e.schema, (e.data as { findingId: string }).findingId, (e.data as { severity?: string }).severity]),
      [[1, 'f0', undefined], [2, 'f9', 'high'], [2, 'f1', 'critical'], [2, 'f2', 'low'], [2, 'f3', 'unknown'], [1, 'f4', undefined]],
    );
    assert.ok((await engine.backend.log.verify()).ok);
    const three = await raises(() => engine.schemas.setWrite('FindingTracked', 3), InvalidInput);
    assert.equal([three.field, three.value], ['schema', 3]);
    await raises(() => engine.schemas.setWrite('NoSuchEvent', 1), InvalidInput);
  } finally {
    await other.close();
  }
});

Severity('the severity is the latest stated; a sighting without one keeps it; stats count per severity', async () => {
  await engine.schemas.setWrite('FindingTracked', 2);
  await engine.trackFinding(f('f1', 'low'));
  clock.advance(1);
  await engine.trackFinding(f('f1', 'critical'));
  clock.advance(1);
  assert.is((await engine.trackFinding(f('f1'))).severity, 'critical');
  // The audit trail says what the severity was after each event.
  assert.equal((await engine.getFindingHistory('f1')).map((h) => h.severity), ['low', 'critical', 'critical']);
  await engine.trackFinding(f('f2', 'informational'));
  await engine.trackFinding(f('f3'));
  await engine.resolveFinding('f2', { reason: 'fixed' });
  const stats = await engine.getFindingStats();
  assert.equal(stats.by_severity.critical, { total: 1, open: 1, breached: 0 });
  assert.equal(stats.by_severity.informational, { total: 1, open: 0, breached: 0 });
  assert.equal(stats.by_severity.unknown, { total: 1, open: 1, breached: 0 });
  assert.equal(ids(await engine.listFindingStates({ severity: 'critical' })), ['f1']);
  assert.equal(ids(await engine.listFindingStates({ severity: 'unknown' })), ['f3']);
});

Severity('deadlines: open findings are due days x 24 h after their first sighting; --sla breached and due-within find them', async () => {
  await engine.schemas.setWrite('FindingTracked', 2);
  await engine.trackFinding(f('crit', 'critical')); // due day 8
  await engine.trackFinding(f('high', 'high')); // due day 31
  await engine.trackFinding(f('info', 'informational')); // never
  await engine.trackFinding(f('none')); // unknown: never
  await engine.trackFinding(f('low', 'low')); // due day 121, but resolved
  await engine.resolveFinding('low', { reason: 'fixed' });
  const crit = await engine.getFindingState('crit');
  assert.equal([crit?.sla_due_at, crit?.sla_breached], ['2026-01-08T00:00:00.000Z', false]);
  assert.equal([(await engine.getFindingState('low'))?.sla_due_at, (await engine.getFindingState('info'))?.sla_due_at], [null, null]);
  clock.days(6);
  assert.equal(ids(await engine.listFindingStates({ sla: { kind: 'breached' } })), []);
  assert.equal(ids(await engine.listFindingStates({ sla: { kind: 'due-within', ms: 2 * 86_400_000 } })), ['crit']);
  clock.days(1);
  const breached = await engine.listFindingStates({ sla: { kind: 'breached' } });
  assert.equal(ids(breached), ['crit']);
  assert.is(breached.findings[0]?.sla_breached, true);
  assert.equal(ids(await engine.listFindingStates({ sla: { kind: 'due-within', ms: 30 * 86_400_000 } })), ['high']);
  const stats = await engine.getFindingStats();
  assert.equal([stats.breached, stats.by_severity.critical.breached, stats.by_severity.high.breached], [1, 1, 0]);
  // A suppression takes it out of the breaches: the risk is accepted.
  await engine.suppressFinding('crit', { reason: 'accepted' });
  assert.equal(ids(await engine.listFindingStates({ sla: { kind: 'breached' } })), []);
});

Severity('a policy change applies at once to every finding and every process, without a rebuild', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  try {
    await engine.schemas.setWrite('FindingTracked', 2);
    await engine.trackFinding(f('m1', 'medium'));
    clock.days(20);
    assert.equal(ids(await other.listFindingStates({ sla: { kind: 'breached' } })), []);
    const positions = await engine.projectionStatus();
    const policy = await engine.sla.setPolicy({ medium: 14 });
    assert.equal(policy, { critical: 7, high: 30, medium: 14, low: 120, restartOnReopen: false });
    assert.equal(ids(await other.listFindingStates({ sla: { kind: 'breached' } })), ['m1']);
    assert.equal((await other.getFindingState('m1'))?.sla_due_at, '2026-01-15T00:00:00.000Z');
    // Only the access projection moved (the policy event); the findings read model was not rebuilt.
    const after = await engine.projectionStatus();
    assert.equal(
      after.map((p) => [p.name, p.version, p.rows]),
      positions.map((p) => [p.name, p.version, p.rows]),
    );
    // The same policy again writes nothing.
    const head = await headOf(engine);
    await engine.sla.setPolicy({ medium: 14 });
    assert.is(await headOf(engine), head);
    await raises(() => engine.sla.setPolicy({ high: 0 }), InvalidInput);
    assert.is(await headOf(engine), head);
  } finally {
    await other.close();
  }
});

Severity('restart on reopen: a reopened finding is due from its reopening, once the policy says so', async () => {
  await engine.schemas.setWrite('FindingTracked', 2);
  await engine.trackFinding(f('r1', 'critical'));
  clock.days(1);
  await engine.resolveFinding('r1', { reason: 'fixed' });
  clock.days(9);
  await engine.trackFinding(f('r1', 'critical')); // reopened on day 11
  assert.is((await engine.getFindingState('r1'))?.sla_breached, true);
  await engine.sla.setPolicy({ restartOnReopen: true });
  const r = await engine.getFindingState('r1');
  assert.equal([r?.lifecycle, r?.sla_due_at, r?.sla_breached], ['reopened', '2026-01-18T00:00:00.000Z', false]);
  assert.equal(ids(await engine.listFindingStates({ sla: { kind: 'breached' } })), []);
});

Severity('the breached filter equals a filter over every finding (property)', async () => {
  await engine.schemas.setWrite('FindingTracked', 2);
  const severities = ['critical', 'high', 'medium', 'low', 'informational', undefined] as const;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ severity: fc.constantFrom(...severities), days: fc.integer({ min: 0, max: 40 }), resolve: fc.boolean() }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 30 }),
      async (steps, mediumDays) => {
        const run = `p${clock.ms}`;
        for (const [i, s] of steps.entries()) {
          clock.days(s.days);
          await engine.trackFinding(f(`${run}-${i}`, s.severity));
          if (s.resolve) await engine.resolveFinding(`${run}-${i}`, { reason: 'x' });
        }
        await engine.sla.setPolicy({ medium: mediumDays });
        const all = (await engine.listFindingStates({ limit: 10_000 })).findings;
        const listed = ids(await engine.listFindingStates({ sla: { kind: 'breached' }, limit: 10_000 }));
        assert.equal(listed, all.filter((x) => x.sla_breached).map((x) => x.finding_id));
        assert.is((await engine.getFindingStats()).breached, listed.length);
      },
    ),
    { numRuns: 15 },
  );
});

Severity('an event at a schema newer than this release reads is reported as such, never as corruption', async () => {
  const e = {
    id: '00000000-0000-4000-8000-000000000001',
    stream: 'finding-n1',
    revision: 0,
    type: 'FindingTracked',
    schema: 3,
    data: { findingId: 'n1' },
    meta: { origin: 'newer-spoke', recordedAt: '2026-01-01T00:00:00.000Z' },
    checksum: '0'.repeat(64),
  };
  const before = await headOf(engine);
  const error = await raises(() => engine.backend.importReplicated([e], { foldCap: null, clockLimit: Date.now() + 86_400_000 }, () => []), NewerSchema);
  assert.match(error.message, /events\[0\] \(event 00000000-0000-4000-8000-000000000001 of newer-spoke, stream finding-n1\): FindingTracked schema 3 is newer than this stance-state \(0\.2\.0\) reads \(FindingTracked up to schema 2\)/);
  assert.is(await headOf(engine), before);
});

Severity.run();
