import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jobFromRow, type JobRow } from '../../projections/index.js';
import { fold, isJobEvent, job, type JobEvent } from '../../src/domain/index.js';
import type { StateEngine } from '../../src/engine/index.js';
import { DomainError, InvalidInput } from '../../src/errors.js';
import { asDomainEvent } from '../../src/events/index.js';
import { onBackend, openTestEngine, TestClock } from '../support/engine.js';
import { streamOf } from '../support/log.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Props = suite(onBackend('engine/jobs: the jobs projection equals a rebuild'));
let dir = '';
Props.before(() => {
  dir = makeTempDir('jobs-props');
});
Props.after(() => removeDir(dir));

const names = ['a', 'b', 'c'];
type Step =
  | {
      op: 'add';
      name: string;
      schedule: string;
      tz: string;
      misfire: 'skip' | 'fire_once' | 'fire_all';
      overlap: 'skip' | 'allow';
    }
  | { op: 'update'; name: string; schedule: string }
  | { op: 'enable' | 'disable' | 'remove' | 'runNow' | 'fire'; name: string }
  | { op: 'finish'; name: string; result: 'success' | 'failed' | 'timeout' | 'abandoned'; counts: number }
  | { op: 'clock'; minutes: number };

const name = fc.constantFrom(...names);
const schedule = fc.constantFrom(
  '*/10 * * * *',
  'rate(25 minutes)',
  'cron(0 1-5 ? * MON-FRI *)',
  'at(2026-01-02T03:00:00)',
  '30 1 * * *',
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    name,
    schedule,
    tz: fc.constantFrom('UTC', 'America/New_York', 'Australia/Lord_Howe'),
    misfire: fc.constantFrom('skip' as const, 'fire_once' as const, 'fire_all' as const),
    overlap: fc.constantFrom('skip' as const, 'allow' as const),
  }),
  fc.record({ op: fc.constant('update' as const), name, schedule }),
  fc.record({ op: fc.constantFrom('enable' as const, 'disable' as const, 'remove' as const, 'runNow' as const), name }),
  fc.record({ op: fc.constant('fire' as const), name }),
  fc.record({ op: fc.constant('fire' as const), name }),
  fc.record({
    op: fc.constant('finish' as const),
    name,
    result: fc.constantFrom('success' as const, 'failed' as const, 'timeout' as const, 'abandoned' as const),
    counts: fc.nat({ max: 50 }),
  }),
  fc.record({ op: fc.constant('clock' as const), minutes: fc.integer({ min: 1, max: 900 }) }),
);

const claim = { host: 'h', pid: 1 };

const run = async (engine: StateEngine, clock: TestClock, ids: Map<string, string>, s: Step): Promise<void> => {
  const id = 'name' in s ? (ids.get(s.name) ?? `missing-${s.name}`) : '';
  switch (s.op) {
    case 'add':
      ids.set(
        s.name,
        (await engine.jobs.add({ ...s, timezone: s.tz, metadata: { team: 'sec', n: 1 } })).id,
      );
      return;
    case 'update':
      await engine.jobs.update(id, { schedule: s.schedule });
      return;
    case 'enable':
      await engine.jobs.enable(id);
      return;
    case 'disable':
      await engine.jobs.disable(id);
      return;
    case 'remove':
      await engine.jobs.remove(id);
      return;
    case 'runNow':
      await engine.jobs.runNow(id, claim);
      return;
    case 'fire':
      await engine.jobs.fireDue(id, claim, { graceMs: 60_000, catchUpLimit: 5 });
      return;
    case 'finish': {
      const open = (await engine.jobs.openRuns()).find((o) => o.jobId === id);
      if (open !== undefined)
        await engine.jobs.finishRun(id, open.run.runId, { result: s.result, assetCount: s.counts, findingCount: s.counts });
      return;
    }
    case 'clock':
      clock.advance(s.minutes);
  }
};

/** Every row of each table, through the read-model port (so the same comparison holds on every backend), by key. */
const tables = [['jobs', 'job_id'], ['scans', 'scan_id']] as const;
const dump = async (engine: StateEngine) =>
  Object.fromEntries(await Promise.all(tables.map(async ([t, key]) => [t, await engine.backend.models.rows({ table: t, order: [{ column: key }] })] as const)));

Props('after any command sequence, the jobs (and their scans) rebuilt equal those kept incrementally', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const { engine, clock } = await openTestEngine(dir, new TestClock());
      const ids = new Map<string, string>();
      try {
        for (const s of steps) {
          try {
            await run(engine, clock, ids, s);
          } catch (error) {
            // Refusals (an at() already past, a job removed) are part of any sequence; anything else is a bug.
            if (!(error instanceof DomainError || error instanceof InvalidInput)) throw error;
          }
        }
        const incremental = await dump(engine);
        await engine.rebuildProjections();
        assert.equal(await dump(engine), incremental);
        // Each row is the fold of its job's stream, at that stream's revision.
        for (const row of (await engine.backend.models.rows({ table: 'jobs' })) as unknown as JobRow[]) {
          const events = await streamOf(engine, `job-${row.job_id}`);
          const folded = fold(job, events.map(asDomainEvent).filter((e): e is JobEvent => isJobEvent(e)));
          assert.equal(jobFromRow(row), folded);
          assert.is(row.revision, events.length - 1);
        }
      } finally {
        await engine.close();
      }
    }),
    { numRuns: 60 },
  );
});

Props.run();
