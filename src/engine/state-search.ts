import * as t from 'io-ts';
import type { StateRow } from '../../projections/index.js';
import { matches, parseCondition, type Condition } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow, Id, optional, StateTypeName, StatusName, type JsonRecord } from '../events/index.js';
import type { Filter, ReadModels } from '../ports/read-models.js';
import type { Core } from './core.js';
import type { Input } from './inputs.js';
import { listStates, stateRecord, type StatePage, type StateRecord } from './states.js';

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

/** Equality narrows most, then a range, then `!=` (states having the field at all). */
const driverOf = (conditions: readonly Condition[]): Condition =>
  (conditions.find((c) => c.op === '=') ?? conditions.find((c) => c.op !== '!=') ?? conditions[0]) as Condition;

/**
 * States of a type whose data meets every condition, by id, a keyset page at a time: answered from the read
 * model, never the log. One condition drives (an index range on state_fields: type, path, value, in state_id order
 * for equality), and its candidates are checked against all conditions on their rows, so every condition holds as
 * src/domain/state-query.ts defines it. All pages are read on one snapshot.
 */
export const searchStates = async (core: Core, input: SearchStatesInput): Promise<StatePage> => {
  const i = decodeOrThrow(SearchStatesInput, input);
  const conditions = (i.where ?? []).map((w, n) => parseCondition(w, `where[${n}]`));
  const limit = i.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidInput('limit', limit, 'a whole number from 1 to 10000');
  if (conditions.length === 0) return listStates(core, { type: i.type, status: i.status, after: i.after, limit });
  const driver = driverOf(conditions);
  const batch = Math.min(2000, Math.max(100, limit * 2));
  const { value } = await core.backend.models.snapshot(async (models: ReadModels) => {
    const found: StateRecord[] = [];
    let after = i.after;
    for (;;) {
      const candidates = await models.rows({
        table: 'state_fields',
        where: [{ column: 'type', op: '=', value: i.type }, { column: 'path', op: '=', value: driver.path }, ...indexFilters(driver)],
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
