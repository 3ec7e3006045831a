import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import type { JsonRecord } from '../../src/events/index.js';
import { openTestEngine, onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Props = suite(onBackend('engine/states: properties of histories, rollbacks and search'));
let dir = '';
Props.before(() => {
  dir = makeTempDir('states-props');
});
Props.after(() => removeDir(dir));

const attempt = async (work: () => Promise<unknown>): Promise<void> => {
  try {
    await work();
  } catch (error) {
    if (!['DomainError', 'InvalidInput'].includes((error as Error).name)) throw error;
  }
};

type Op =
  | { kind: 'register'; id: string; type: 'user' | 'feature'; data: JsonRecord }
  | { kind: 'change'; id: string; transition: 'update' | 'activate' | 'suspend' | 'resume' | 'expire' | 'delete'; data: JsonRecord | null }
  | { kind: 'rollback'; id: string; to: number };

const ids = fc.constantFrom('a', 'b', 'c');
const small = fc.dictionary(fc.constantFrom('k', 'n', 'flag'), fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('x', 'y'), fc.boolean()), { maxKeys: 3, noNullPrototype: true });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('register' as const), id: ids, type: fc.constantFrom('user' as const, 'feature' as const), data: small }),
  fc.record({
    kind: fc.constant('change' as const),
    id: ids,
    transition: fc.constantFrom('update' as const, 'activate' as const, 'suspend' as const, 'resume' as const, 'expire' as const, 'delete' as const),
    data: fc.option(small, { nil: null }),
  }),
  fc.record({ kind: fc.constant('rollback' as const), id: ids, to: fc.nat({ max: 6 }) }),
);

const run = async (engine: StateEngine, o: Op) => {
  if (o.kind === 'register') return attempt(() => engine.states.register({ stateId: o.id, type: o.type, data: o.data }));
  if (o.kind === 'change') return attempt(() => engine.states.change(o.id, { transition: o.transition, ...(o.data === null ? {} : { data: o.data }) }));
  return attempt(() => engine.states.rollback(o.id, o.to));
};

Props('replaying any history gives the current state; after a rollback the history still folds to it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const { engine } = await openTestEngine(dir);
      try {
        for (const o of ops) await run(engine, o);
        for (const id of ['a', 'b', 'c']) {
          const current = await engine.states.get(id);
          if (current === null) continue;
          const history = await engine.states.history(id);
          const last = history[history.length - 1];
          assert.equal([last?.new_data, last?.status, last?.revision, last?.new_metadata], [current.data, current.status, current.revision, current.metadata]);
          // Each step starts where the one before ended.
          for (let i = 1; i < history.length; i += 1) assert.equal(history[i]?.old_data, history[i - 1]?.new_data);
          // A rollback holds the data of the revision it names.
          for (const h of history) if (h.transition === 'rollback') assert.equal(h.new_data, history[h.to_revision as number]?.new_data);
          // As of its last change, the state is the current state.
          const asOf = await engine.states.asOf(id, last?.recorded_at as string);
          assert.equal([asOf?.data, asOf?.status, asOf?.revision], [current.data, current.status, current.revision]);
        }
        // The read models are what a rebuild from the log makes of it.
        const before = await snapshotRows(engine);
        await engine.rebuildProjections('states');
        assert.equal(await snapshotRows(engine), before);
      } finally {
        await engine.close();
      }
    }),
    { numRuns: 40 },
  );
});

const snapshotRows = async (engine: StateEngine) => {
  const tables = ['states', 'state_fields', 'state_changes', 'state_types'];
  const out: Record<string, unknown> = {};
  for (const table of tables) out[table] = (await engine.backend.models.rows({ table })).map((r) => JSON.stringify(r)).sort();
  out.counters = [...(await engine.backend.models.counters('state_stats'))].sort();
  return JSON.parse(JSON.stringify(out)) as unknown;
};

/*
 * The model of search, written here apart from src/domain/state-query.ts: a state matches when, for every
 * condition, following the keys through objects reaches a scalar that compares as the condition says.
 */
type Cond = { path: readonly string[]; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: string | number | boolean | null };
const reach = (data: unknown, path: readonly string[]): unknown => {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
};
const bytes = (s: string) => Buffer.from(s, 'utf8');
const modelHolds = (data: unknown, c: Cond): boolean => {
  const v = reach(data, c.path);
  if (v === undefined || (v !== null && typeof v === 'object')) return false;
  const equal = typeof v === typeof c.value && v === c.value;
  if (c.op === '=') return equal;
  if (c.op === '!=') return !equal;
  if (typeof v !== typeof c.value || (typeof v !== 'number' && typeof v !== 'string')) return false;
  const order = typeof v === 'number' ? v - (c.value as number) : Buffer.compare(bytes(v as string), bytes(c.value as string));
  return { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[c.op];
};
const written = (c: Cond): string => {
  const value = typeof c.value === 'string' ? (/^[a-zé]+$/u.test(c.value) ? c.value : JSON.stringify(c.value)) : String(c.value);
  return `data.${c.path.join('.')}${c.op}${value}`;
};

// Beyond ASCII on purpose: é, a fullwidth letter (U+FF21) and an emoji (a surrogate pair) sort differently by
// UTF-16 code unit than by code point, and the read model sorts by code point.
const text = fc.constantFrom('a', 'b', 'é', '\uff21', '😀', 'aa', 'B');
const scalar = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 2 }), weight: 4 },
  { arbitrary: text, weight: 4 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true }), weight: 1 },
);
const leaf = fc.dictionary(fc.constantFrom('x', 'y'), scalar, { minKeys: 1, maxKeys: 2, noNullPrototype: true });
const document = fc.dictionary(
  fc.constantFrom('x', 'y', 'o'),
  fc.oneof({ arbitrary: scalar, weight: 4 }, { arbitrary: leaf, weight: 2 }, { arbitrary: fc.array(scalar, { maxLength: 2 }), weight: 1 }),
  { minKeys: 2, maxKeys: 3, noNullPrototype: true },
);
const cond: fc.Arbitrary<Cond> = fc
  .record({
    path: fc.oneof({ arbitrary: fc.constantFrom(['x'], ['y'], ['o']), weight: 3 }, { arbitrary: fc.constantFrom(['o', 'x'], ['o', 'y']), weight: 1 }),
    op: fc.constantFrom('=' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const),
    value: fc.oneof({ arbitrary: fc.integer({ min: -2, max: 2 }), weight: 4 }, { arbitrary: text, weight: 4 }, { arbitrary: fc.boolean(), weight: 1 }, { arbitrary: fc.constant(null), weight: 1 }),
  })
  .filter((c) => c.op === '=' || c.op === '!=' || typeof c.value === 'number' || typeof c.value === 'string');

Props('search returns, page by page, exactly the states a filter over every state keeps, in id order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ type: fc.constantFrom('user', 'user', 'feature'), data: document, deleted: fc.nat({ max: 5 }).map((n) => n === 0) }), { minLength: 8, maxLength: 30 }),
      fc.array(cond, { minLength: 1, maxLength: 2 }),
      fc.integer({ min: 1, max: 7 }),
      async (states, conditions, limit) => {
        const { engine } = await openTestEngine(dir);
        try {
          const ids = states.map((_, i) => `s${String(i).padStart(2, '0')}`);
          for (const [i, s] of states.entries()) {
            await engine.states.register({ stateId: ids[i] as string, type: s.type, data: s.data });
            if (s.deleted) await engine.states.change(ids[i] as string, { transition: 'delete' });
          }
          const expected = ids.filter((_, i) => {
            const s = states[i];
            return s !== undefined && s.type === 'user' && !s.deleted && conditions.every((c) => modelHolds(s.data, c));
          });
          const found: string[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 40; pages += 1) {
            const page = await engine.states.search({ type: 'user', where: conditions.map(written), limit, after });
            found.push(...page.states.map((s) => s.state_id));
            if (page.next === null) break;
            after = page.next;
          }
          assert.equal(found, expected, conditions.map(written).join(' and '));
        } finally {
          await engine.close();
        }
      },
    ),
    { numRuns: 150 },
  );
});

Props.run();
