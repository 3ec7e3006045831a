import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { columns, projections, type Projection, type Row } from '../../projections/index.js';
import { foldOrder, type FindingEvent } from '../../src/domain/index.js';
import type { RecordedEvent } from '../../src/events/index.js';
import type { Backend, ImportRules } from '../../src/ports/backend.js';
import { at, falsePositive, noted, resolved, suppressed, tracked, unsuppressed } from '../support/findings.js';
import { collect } from '../support/events.js';

export interface BackendOpenOptions {
  readonly origin?: string;
  readonly projections?: readonly Projection[];
  readonly clock?: () => number;
}

/** Where backends of one test live: one SQLite file or one PostgreSQL schema; `open` may be called again (another process). */
export interface BackendPlace {
  open(options?: BackendOpenOptions): Promise<Backend>;
  dispose(): Promise<void>;
}

/**
 * A counter table: moved by deltas, rows at zero vanish. `open` rises with every sighting and falls with every
 * resolution, so a finding tracked then resolved leaves no row behind.
 */
export const talliesProjection: Projection = {
  name: 'tallies',
  version: 1,
  handles: ['FindingTracked', 'FindingResolved'],
  tables: [{ name: 'tallies', columns: columns('key:text value:real'), key: ['key'], counters: true }],
  reads: () => [],
  apply(rows, event) {
    if (event.type === 'FindingTracked') {
      rows.add('tallies', 'sightings', 1);
      rows.add('tallies', `from:${event.meta.origin}`, 1);
      rows.add('tallies', 'open', 1);
      rows.add('tallies', 'weight', 0.25);
    }
    if (event.type === 'FindingResolved') rows.add('tallies', 'open', -1);
  },
};

export const testProjections: readonly Projection[] = [...projections, talliesProjection];

const far = Date.UTC(2100, 0, 1);
export const openRules: ImportRules = { foldCap: null, clockLimit: far };

const write = (id: string, ...events: FindingEvent[]) => ({ stream: `finding-${id}`, events });

/** Every row of every read-model table, in key order: what "the same read models" means. */
export const dump = async (backend: Backend, list: readonly Projection[] = testProjections): Promise<Record<string, Row[]>> => {
  const out: Record<string, Row[]> = {};
  for (const p of list)
    for (const t of p.tables) out[t.name] = await backend.models.rows({ table: t.name, order: t.key.map((column) => ({ column })) });
  return out;
};

/** Whether some replicated event arrived after an event of its stream that it folds before (a refold). */
const hasLateEvent = (events: readonly RecordedEvent[]): boolean =>
  events.some((e, i) =>
    events.slice(0, i).some((x) => x.stream === e.stream && foldOrder(fold(x), fold(e)) > 0 && e.meta.origin !== 'central'),
  );
const fold = (e: Pick<RecordedEvent, 'meta' | 'revision'>) => ({ recordedAt: e.meta.recordedAt, origin: e.meta.origin, revision: e.revision });

/** Rows without their log positions, in a canonical order. */
const withoutPositions = (tables: Record<string, Row[]>): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(tables).map(([name, rows]) => [name, rows.map(({ position: _, ...rest }) => JSON.stringify(rest)).sort()]),
  );

/** Events of `from` after a position, as a hub would carry them (no position). */
const exported = async (from: Backend, after = 0) =>
  (await collect(from.log.readAll({ fromPosition: after, asStored: true }))).map(({ position: _, ...e }) => e);

export const runBackendSuite = (label: string, place: () => Promise<BackendPlace>): void => {
  const Backends = suite(`store/backend (${label}): read models through the ports`);
  const places: BackendPlace[] = [];
  const opened: Backend[] = [];
  const fresh = async () => {
    const p = await place();
    places.push(p);
    return {
      open: async (options: BackendOpenOptions = {}) => {
        const b = await p.open({ projections: testProjections, ...options });
        opened.push(b);
        return b;
      },
    };
  };
  const cleanup = async () => {
    for (const b of opened.splice(0)) await b.close();
    for (const p of places.splice(0)) await p.dispose();
  };
  Backends.after.each(cleanup);

  Backends('rows, count, min, counters and positions answer queries given as data, numbers as numbers', async () => {
    const backend = await (await fresh()).open({ origin: 'central' });
    await backend.commit([write('f1', tracked('f1', at(3))), write('f2', tracked('f2', at(1)), resolved('f2', at(2))), write('f3', tracked('f3', at(2)))]);
    await backend.commit([write('f4', tracked('f4', at(4)), suppressed('f4', at(5), at(9))), write('f1', tracked('f1', at(6)))]);
    const head = await backend.log.headPosition();
    const ids = (rows: readonly Row[]) => rows.map((r) => r.finding_id);
    const f1 = (await backend.models.rows({ table: 'findings', where: [{ column: 'finding_id', op: '=', value: 'f1' }] }))[0];
    assert.equal([f1?.lifecycle, f1?.scan_count, f1?.revision, typeof f1?.position], ['recurring', 2, 1, 'number']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', order: [{ column: 'first_seen', desc: true }], limit: 2 })), ['f4', 'f1']);
    const page1 = await backend.models.rows({ table: 'findings', columns: ['finding_id'], order: [{ column: 'finding_id' }], limit: 2 });
    assert.equal(page1, [{ finding_id: 'f1' }, { finding_id: 'f2' }]);
    const page2 = await backend.models.rows({ table: 'findings', columns: ['finding_id'], order: [{ column: 'finding_id' }], after: { columns: ['finding_id'], values: ['f2'] }, limit: 2 });
    assert.equal(ids(page2), ['f3', 'f4']);
    const desc = await backend.models.rows({ table: 'findings', order: [{ column: 'lifecycle', desc: true }, { column: 'finding_id', desc: true }], after: { columns: ['lifecycle', 'finding_id'], values: ['recurring', 'f1'] } });
    assert.equal(ids(desc), ['f3']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'lifecycle', op: 'in', value: ['new', 'resolved'] }], order: [{ column: 'finding_id' }] })), ['f2', 'f3']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'lifecycle', op: 'not in', value: ['new', 'resolved'] }], order: [{ column: 'finding_id' }] })), ['f1', 'f4']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'lifecycle', op: 'in', value: [] }] })), []);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'suppressed_until', op: 'is not null' }] })), ['f4']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'resolved_at', op: 'is null' }, { column: 'scan_count', op: '>=', value: 2 }] })), ['f1']);
    assert.equal(await backend.models.count({ table: 'findings', groupBy: 'lifecycle' }), [
      { key: 'new', n: 1 },
      { key: 'recurring', n: 1 },
      { key: 'resolved', n: 1 },
      { key: 'suppressed', n: 1 },
    ]);
    assert.equal(await backend.models.count({ table: 'findings', where: [{ column: 'lifecycle', op: '<>', value: 'resolved' }] }), [{ key: null, n: 3 }]);
    assert.equal(await backend.models.count({ table: 'findings', groupBy: 'scan_count' }), [{ key: 1, n: 3 }, { key: 2, n: 1 }]);
    assert.is(await backend.models.min('findings', 'first_seen'), at(1));
    assert.is(await backend.models.min('findings', 'first_seen', [{ column: 'lifecycle', op: '<>', value: 'resolved' }]), at(2));
    assert.is(await backend.models.min('findings', 'scan_count', [{ column: 'lifecycle', op: '=', value: 'recurring' }]), 2);
    assert.is(await backend.models.min('findings', 'first_seen', [{ column: 'lifecycle', op: '=', value: 'reopened' }]), null);
    assert.equal(Object.fromEntries(await backend.models.counters('tallies')), { sightings: 5, 'from:central': 5, open: 4, weight: 1.25 });
    assert.equal(
      (await backend.models.positions()).map((p) => [p.name, p.position]),
      testProjections.map((p) => [p.name, head]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)),
    );
    // Text compares byte-wise on every backend: upper case before lower, '_' between them.
    await backend.commit([write('A', tracked('A', at(1))), write('_x', tracked('_x', at(1))), write('b', tracked('b', at(1)))]);
    const all = ids(await backend.models.rows({ table: 'findings', order: [{ column: 'finding_id' }] }));
    assert.equal(all, ['A', '_x', 'b', 'f1', 'f2', 'f3', 'f4']);
    assert.equal(ids(await backend.models.rows({ table: 'findings', where: [{ column: 'finding_id', op: '<', value: 'a' }], order: [{ column: 'finding_id' }] })), ['A', '_x']);
  });

  Backends('a counter that comes back to zero leaves no row', async () => {
    const backend = await (await fresh()).open({ origin: 'central' });
    await backend.commit([write('f1', tracked('f1', at(1)))]);
    await backend.commit([write('f1', resolved('f1', at(2)))]);
    const counters = await backend.models.counters('tallies');
    assert.is(counters.has('open'), false);
    assert.is(counters.get('sightings'), 1);
  });

  Backends('rows with composite keys load and save in one batch; a prefix delete takes every row under it', async () => {
    // One row per (finding, word) of its notes, counting the word; the note `clear` takes the finding's rows away.
    const words: Projection = {
      name: 'words',
      version: 1,
      handles: ['FindingNoteAdded'],
      tables: [{ name: 'words', columns: columns('finding_id:text word:text n:integer'), key: ['finding_id', 'word'] }],
      reads: (e) => (e.type === 'FindingNoteAdded' ? [{ table: 'words', key: [(e.data as { findingId: string }).findingId, (e.data as { text: string }).text] }] : []),
      apply(rows, e) {
        if (e.type !== 'FindingNoteAdded') return;
        const { findingId, text } = e.data as { findingId: string; text: string };
        if (text === 'clear') return rows.deletePrefix('words', [findingId]);
        rows.put('words', { finding_id: findingId, word: text, n: ((rows.get('words', [findingId, text])?.n as number | undefined) ?? 0) + 1 });
      },
    };
    const backend = await (await fresh()).open({ origin: 'central', projections: [...testProjections, words] });
    const notes = (id: string, ...texts: string[]) => write(id, ...texts.map((t) => noted(id, at(1), t)));
    await backend.commit([notes('f1', 'a', 'b', 'a'), notes('f2', 'a')]);
    await backend.commit([notes('f1', 'b', 'clear', 'c'), notes('f2', 'a')]);
    const rows = await backend.models.rows({ table: 'words', order: [{ column: 'finding_id' }, { column: 'word' }] });
    assert.equal(rows, [{ finding_id: 'f1', word: 'c', n: 1 }, { finding_id: 'f2', word: 'a', n: 2 }]);
    await backend.commit([notes('f1', 'clear')]);
    assert.equal(await backend.models.rows({ table: 'words', where: [{ column: 'finding_id', op: '=', value: 'f1' }] }), []);
  });

  Backends('a commit and its projections land together: a projection that throws rolls the events back', async () => {
    const refuses: Projection = {
      name: 'refuses',
      version: 1,
      handles: ['FindingNoteAdded'],
      tables: [{ name: 'refused', columns: columns('id:text'), key: ['id'] }],
      reads: () => [],
      apply(_rows, event) {
        if (event.type === 'FindingNoteAdded' && (event.data as { text: string }).text === 'boom') throw new Error('projection refused');
      },
    };
    const backend = await (await fresh()).open({ origin: 'central', projections: [...testProjections, refuses] });
    await backend.commit([write('f1', tracked('f1', at(1)))]);
    const before = await dump(backend);
    const head = await backend.log.headPosition();
    const error = await backend
      .commit([write('f1', tracked('f1', at(2))), write('f2', tracked('f2', at(2)), noted('f2', at(2), 'boom'))])
      .then(() => null, (e: Error) => e);
    assert.is(error?.message, 'projection refused');
    assert.is(await backend.log.headPosition(), head);
    assert.equal(await dump(backend), before);
    assert.is(await backend.log.streamRevision('finding-f2'), null);
    await backend.commit([write('f2', tracked('f2', at(3)))]);
    assert.is((await backend.models.rows({ table: 'findings' })).length, 2);
  });

  Backends('a unit of work lands its commits and their rows together, or none of them', async () => {
    const backend = await (await fresh()).open({ origin: 'central' });
    const failed = await backend
      .unitOfWork(async () => {
        await backend.commit([write('f1', tracked('f1', at(1)))]);
        await backend.commit([write('f2', tracked('f2', at(1)))]);
        throw new Error('no');
      })
      .then(() => null, (e: Error) => e);
    assert.is(failed?.message, 'no');
    assert.equal([await backend.log.headPosition(), (await backend.models.rows({ table: 'findings' })).length], [0, 0]);
    await backend.unitOfWork(async () => {
      await backend.commit([write('f1', tracked('f1', at(1)))]);
      await backend.commit([write('f1', tracked('f1', at(2)))]);
    });
    assert.is((await backend.models.rows({ table: 'findings' }))[0]?.scan_count, 2);
  });

  Backends('a snapshot reads one state of the read models and returns the position it reflects', async () => {
    const p = await fresh();
    const reader = await p.open({ origin: 'central' });
    const writer = await p.open({ origin: 'central' });
    await writer.commit([write('f1', tracked('f1', at(1)))]);
    await reader.waitFor(await writer.log.headPosition(), 5000);
    const { position, value } = await reader.models.snapshot(async (m) => {
      const first = await m.count({ table: 'findings' });
      await writer.commit([write('f2', tracked('f2', at(1)))]);
      const second = await m.count({ table: 'findings' });
      const rows = await m.rows({ table: 'findings' });
      return [first[0]?.n, second[0]?.n, rows.length];
    });
    assert.equal(value, [1, 1, 1]);
    assert.is(position, 1);
    assert.ok(await reader.waitFor(2, 5000));
    assert.is((await reader.models.count({ table: 'findings' }))[0]?.n, 2);
  });

  Backends("a snapshot holds for reads through the backend's own models too (the engine's path), and for many at once", async () => {
    const p = await fresh();
    const reader = await p.open({ origin: 'central' });
    const writer = await p.open({ origin: 'central' });
    await writer.commit([write('f1', tracked('f1', at(1)))]);
    await reader.waitFor(await writer.log.headPosition(), 5000);
    const alone = await reader.models.snapshot(async () => {
      const first = await reader.models.count({ table: 'findings' });
      await writer.commit([write('g1', tracked('g1', at(1)))]);
      return [first[0]?.n, (await reader.models.rows({ table: 'findings' })).length];
    });
    assert.equal(alone.value, [1, 1]);
    let n = 1;
    // More concurrent snapshots than a connection pool holds: each reads on its own snapshot, none waits on another.
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        reader.models.snapshot(async () => {
          const first = await reader.models.count({ table: 'findings' });
          if (i === 0) await writer.commit([write(`g${(n += 1)}`, tracked(`g${n}`, at(1)))]);
          const rows = await reader.models.rows({ table: 'findings' });
          return [first[0]?.n, rows.length];
        }),
      ),
    );
    for (const { position, value } of answers) {
      assert.is(value[0], value[1], 'one state within a snapshot');
      assert.is(value[0], position, 'the count its position implies (one finding per event here)');
    }
    assert.equal(answers[0]?.value, [2, 2]);
  });

  Backends("two backends on one store see each other's commits through waitFor", async () => {
    const p = await fresh();
    const a = await p.open({ origin: 'central' });
    const b = await p.open({ origin: 'central' });
    const waiting = b.waitFor(2, 10_000);
    const [result] = await a.commit([write('f1', tracked('f1', at(1)), noted('f1', at(2), 'seen from b'))]);
    assert.is(result?.position, 2);
    assert.ok(await waiting);
    assert.is((await b.models.rows({ table: 'finding_notes' }))[0]?.text, 'seen from b');
    assert.is(await b.waitFor(3, 100), false);
  });

  Backends('a changed conflict policy refolds the read models (remerge); the policy is shared configuration', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = () => now;
    const p = await fresh();
    const central = await p.open({ origin: 'central', clock });
    const other = await p.open({ origin: 'central', clock });
    const spokePlace = await fresh();
    const spoke = await spokePlace.open({ origin: 'spoke', clock });
    await central.commit([write('f1', tracked('f1', at(1)))]);
    now += 1000;
    await central.commit([write('f1', resolved('f1', at(2)))]);
    now += 1000;
    // The spoke decides later: under latest_wins its suppression stands, under local_wins the central resolution does.
    await spoke.commit([write('f1', suppressed('f1', at(3)))]);
    await central.importReplicated(await exported(spoke), openRules, () => []);
    const lifecycle = async (b: Backend) => (await b.models.rows({ table: 'findings' }))[0]?.lifecycle;
    assert.is(await lifecycle(central), 'suppressed');
    assert.is(await central.remerge('local_wins'), true);
    assert.is(await lifecycle(central), 'resolved');
    assert.is(await central.setting('conflict_policy'), 'local_wins');
    assert.is(await central.remerge('local_wins'), false);
    assert.is(await other.setting('conflict_policy'), 'local_wins');
    assert.is(await lifecycle(other), 'resolved');
    assert.is(await central.remerge('latest_wins'), true);
    assert.is(await lifecycle(other), 'suppressed');
  });

  Backends('a process folds its commits under the merge context another process stored, not the one it opened with', async () => {
      let now = Date.UTC(2026, 0, 1);
      const clock = () => now;
      const p = await fresh();
      const central = await p.open({ origin: 'central', clock });
      const other = await p.open({ origin: 'central', clock });
      const spoke = await (await fresh()).open({ origin: 'spoke', clock });
      await central.commit([write('f1', tracked('f1', at(1)), resolved('f1', at(2)))]);
      await central.remerge('local_wins');
      now += 1000;
      // Later than the local resolution: it would stand under latest_wins, the policy `other` opened with.
      await spoke.commit([write('f1', falsePositive('f1', at(4)))]);
      await other.importReplicated(await exported(spoke), openRules, () => []);
      assert.is((await other.models.rows({ table: 'findings' }))[0]?.lifecycle, 'resolved');
      assert.is(other.merge().policy, 'local_wins');
      assert.is(await central.remerge('latest_wins'), true);
      assert.is((await other.models.rows({ table: 'findings' }))[0]?.lifecycle, 'false_positive');
    });

  Backends('rebuild gives the same read models as folding commit by commit, with replicated events arriving late', async () => {
    type Step =
      | { readonly who: 'central' | 'spoke'; readonly finding: number; readonly kind: number; readonly dt: number }
      | { readonly who: 'pull' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ who: fc.constantFrom('central' as const, 'spoke' as const), finding: fc.integer({ min: 1, max: 3 }), kind: fc.integer({ min: 0, max: 5 }), dt: fc.integer({ min: 0, max: 3 }) }) },
      { weight: 1, arbitrary: fc.constant({ who: 'pull' as const }) },
    );
    const eventOf = (id: string, kind: number, when: number): FindingEvent => {
      const t = at(1 + (when % 27), when % 24);
      switch (kind) {
        case 0:
        case 1:
          return tracked(id, t);
        case 2:
          return resolved(id, t);
        case 3:
          return suppressed(id, t, null);
        case 4:
          return unsuppressed(id, t);
        default:
          return noted(id, t, `note ${when}`);
      }
    };
    const fp = (id: string, when: number) => falsePositive(id, at(1 + (when % 27)));
    let late = 0;
    const runs = Number(process.env.BACKEND_PROPERTY_RUNS ?? 40);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 24 }), async (steps) => {
        const spokeNow = { t: Date.UTC(2026, 0, 1) };
        const centralNow = { t: Date.UTC(2026, 0, 1) };
        const central = await (await fresh()).open({ origin: 'central', clock: () => centralNow.t });
        const spoke = await (await fresh()).open({ origin: 'spoke', clock: () => spokeNow.t });
        let pulled = 0;
        let i = 0;
        for (const s of steps) {
          i += 1;
          if (s.who === 'pull') {
            const events = await exported(spoke, pulled);
            pulled = await spoke.log.headPosition();
            if (events.length > 0) await central.importReplicated(events, openRules, () => []);
            continue;
          }
          // The spoke's clock runs behind: its events often sort before central events already applied.
          const now = s.who === 'spoke' ? spokeNow : centralNow;
          now.t += (s.who === 'spoke' ? 500 : 1000) * (s.dt + 1);
          const id = `f${s.finding}`;
          const event = s.kind === 5 && i % 7 === 0 ? fp(id, i) : eventOf(id, s.kind, i);
          await (s.who === 'spoke' ? spoke : central).commit([write(id, event)]);
        }
        const rest = await exported(spoke, pulled);
        if (rest.length > 0) await central.importReplicated(rest, openRules, () => []);
        const incremental = await dump(central);
        await central.rebuild();
        assert.equal(await dump(central), incremental);
        // A replica that receives every event already in fold order folds without refolds: the same rows, but for
        // the positions (its log holds the events at other places).
        const inOrder = await (await fresh()).open({ origin: 'central' });
        const all = (await exported(central)).sort((a, b) => foldOrder(fold(a), fold(b)));
        await inOrder.importReplicated(all, openRules, () => []);
        assert.equal(withoutPositions(await dump(inOrder)), withoutPositions(incremental));
        if (hasLateEvent(await collect(central.log.readAll()))) late += 1;
        await cleanup();
      }),
      { numRuns: runs },
    );
    // The generator must reach the case that matters: a replicated event folding before one already applied. About
    // a quarter of the runs do; asking for a sixteenth keeps the check meaningful (a generator that never reaches it
    // fails) without failing one CI run in a hundred by chance (9 of 40 was seen once against a bound of 10).
    assert.ok(late * 16 >= runs, `only ${late} of ${runs} runs had a late replicated event`);
  });

  Backends.run();
};
