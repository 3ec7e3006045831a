import * as t from 'io-ts';
import type { StateRow } from '../../projections/index.js';
import { matches, parseCondition, type Condition } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow, Id, optional, StateTypeName, StatusName, type JsonRecord } from '../events/index.js';
import type { Filter, ReadModels } from '../ports/read-models.js';
import type { Core } from './core.js';
import type { Input } from './inputs.js';
import { listStates, stateRecord, type StatePage, type StateRecord } from './state-records.js';

export const SearchStatesInput = t.strict({
  type: StateTypeName,
  /** `data.<path><op><value>` each (see src/domain/state-query.ts), all of which must hold. */
  where: optional(t.array(t.string)),
  status: optional(StatusName),
  after: optional(Id),
  limit: optional(t.number),
});
export type SearchStatesInput = Input<typeof SearchStatesInput>;

/** The index condition a driving condition becomes on state_fields; `!=` only narrows to states having the field. */
const indexFilters = (c: Condition): Filter[] => {
  const v = c.value;
  if (c.op === '!=') return [];
  if (c.op === '=') {
    if (typeof v === 'string') return [{ column: 'str', op: '=', value: v }];
    if (typeof v === 'number') return [{ column: 'num', op: '=', value: v }];
    return [{ column: 'lit', op: '=', value: String(v) }];
  }
  return [{ column: typeof v === 'number' ? 'num' : 'str', op: c.op, value: v as string | number }];
};

const fieldFilters = (type: string, c: Condition): Filter[] => [
  { column: 'type', op: '=', value: type },
  { column: 'path', op: '=', value: c.path },
  ...indexFilters(c),
];

/**
 * The condition whose index range is narrowest drives: with one condition that is it; with several, each index
 * range is counted (an index-only count) and the smallest wins, `!=` (every state having the field) last.
 */
const driverOf = async (models: ReadModels, type: string, conditions: readonly Condition[]): Promise<Condition> => {
  const indexed = conditions.filter((c) => c.op !== '!=');
  if (indexed.length === 0) return conditions[0] as Condition;
  if (indexed.length === 1) return indexed[0] as Condition;
  let best = indexed[0] as Condition;
  let fewest = Number.POSITIVE_INFINITY;
  for (const c of indexed) {
    const n = (await models.count({ table: 'state_fields', where: fieldFilters(type, c) }))[0]?.n ?? 0;
    if (n < fewest) [best, fewest] = [c, n];
  }
  return best;
};

/**
 * States of a type whose data meets every condition, by id, a keyset page at a time: answered from the read
 * model, never the log. The narrowest condition drives (an index range on state_fields: type, path, value, in
 * state_id order for equality), and its candidates are checked against all conditions on their rows, so every
 * condition holds as src/domain/state-query.ts defines it. All pages are read on one snapshot.
 */
export const searchStates = async (core: Core, input: SearchStatesInput): Promise<StatePage> => {
  const i = decodeOrThrow(SearchStatesInput, input);
  const conditions = (i.where ?? []).map((w, n) => parseCondition(w, `where[${n}]`));
  const limit = i.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInput('limit', limit, 'a whole number from 1 to 10000');
  if (conditions.length === 0) return listStates(core, { type: i.type, status: i.status, after: i.after, limit });
  const batch = Math.min(5000, Math.max(200, limit * 2));
  const { value } = await core.backend.models.snapshot(async (models: ReadModels) => {
    const driver = await driverOf(models, i.type, conditions);
    const found: StateRecord[] = [];
    let after = i.after;
    for (;;) {
      const candidates = await models.rows({
        table: 'state_fields',
        where: fieldFilters(i.type, driver),
        order: [{ column: 'state_id' }],
        ...(after === undefined ? {} : { after: { columns: ['state_id'], values: [after] } }),
        limit: batch,
        columns: ['state_id'],
      });
      const ids = candidates.map((r) => r.state_id as string);
      if (ids.length > 0) {
        const where: Filter[] = [{ column: 'state_id', op: 'in', value: ids }, { column: 'deleted', op: '=', value: 0 }];
        if (i.status !== undefined) where.push({ column: 'status', op: '=', value: i.status });
        const rows = new Map(((await models.rows({ table: 'states', where })) as unknown as StateRow[]).map((r) => [r.state_id, r]));
        for (const id of ids) {
          const row = rows.get(id);
          if (row === undefined || !matches(JSON.parse(row.data) as JsonRecord, conditions)) continue;
          found.push(stateRecord(row));
          if (found.length > limit) return found;
        }
      }
      if (ids.length < batch) return found;
      after = ids[ids.length - 1];
    }
  });
  const page = value.slice(0, limit);
  return { states: page, next: value.length > limit ? (page[page.length - 1]?.state_id ?? null) : null };
};
