import * as t from 'io-ts';
import { stateFromRow, type StateRow } from '../../projections/index.js';
import { evolveState, isStateEvent, stateStreamOf, type ChangeKind, type StateState } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { asDomainEvent, decodeOrThrow, Id, optional, StateTypeName, StatusName, Transition, type JsonRecord } from '../events/index.js';
import type { Core } from './core.js';
import type { EntityKind } from './decide.js';
import type { Input } from './inputs.js';

/** The seed's state structure as printed: snake_case, with where it stands. */
export interface StateRecord {
  readonly state_id: string;
  readonly name: string;
  readonly type: string;
  readonly status: string;
  readonly data: JsonRecord;
  readonly metadata: JsonRecord;
  readonly created_at: string;
  readonly updated_at: string;
  /** The revision of the state's stream this record reflects: `rollback --to` takes one. */
  readonly revision: number;
  readonly deleted: boolean;
  readonly created_by: string | null;
  readonly updated_by: string | null;
}

export const stateRecord = (r: StateRow): StateRecord => ({
  state_id: r.state_id,
  name: r.name,
  type: r.type,
  status: r.status,
  data: JSON.parse(r.data) as JsonRecord,
  metadata: JSON.parse(r.metadata) as JsonRecord,
  created_at: r.created_at,
  updated_at: r.updated_at,
  revision: r.revision,
  deleted: r.deleted === 1,
  created_by: r.created_by,
  updated_by: r.updated_by,
});

export const stateKind: EntityKind<StateState> = {
  table: 'states',
  key: 'state_id',
  streamOf: stateStreamOf,
  fromRow: (row) => stateFromRow(row as unknown as StateRow),
  initial: null,
  evolve: (state, event) => {
    const e = asDomainEvent(event);
    return isStateEvent(e) ? evolveState(state, e) : state;
  },
};

export const stateRowOf = async (core: Core, stateId: string): Promise<StateRow | undefined> =>
  (await core.backend.models.rows({ table: 'states', where: [{ column: 'state_id', op: '=', value: stateId }] }))[0] as StateRow | undefined;

export const getState = async (core: Core, stateId: string): Promise<StateRecord | null> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  const row = await stateRowOf(core, id);
  return row === undefined ? null : stateRecord(row);
};

export const ListStatesInput = t.strict({
  type: optional(StateTypeName),
  status: optional(StatusName),
  includeDeleted: optional(t.boolean),
  after: optional(Id),
  limit: optional(t.number),
});
export type ListStatesInput = Input<typeof ListStatesInput>;

export interface StatePage {
  readonly states: StateRecord[];
  /** The last state_id of the page when more may follow: pass it as `after`. */
  readonly next: string | null;
}

export const limitOf = (limit: number | undefined): number => {
  const n = limit ?? 100;
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new InvalidInput('limit', n, 'a whole number from 1 to 10000');
  return n;
};

/** States (of a type, in a status), by id, a keyset page at a time; deleted ones only when asked. */
export const listStates = async (core: Core, input: ListStatesInput = {}): Promise<StatePage> => {
  const i = decodeOrThrow(ListStatesInput, input);
  const limit = limitOf(i.limit);
  const where: { column: string; op: '='; value: string | number }[] = [];
  if (i.type !== undefined) where.push({ column: 'type', op: '=', value: i.type });
  if (i.includeDeleted !== true) where.push({ column: 'deleted', op: '=', value: 0 });
  if (i.status !== undefined) where.push({ column: 'status', op: '=', value: i.status });
  const rows = (await core.backend.models.rows({
    table: 'states',
    where,
    order: [{ column: 'state_id' }],
    ...(i.after === undefined ? {} : { after: { columns: ['state_id'], values: [i.after] } }),
    limit: limit + 1,
  })) as unknown as StateRow[];
  const page = rows.slice(0, limit).map(stateRecord);
  return { states: page, next: rows.length > limit ? (page[page.length - 1]?.state_id ?? null) : null };
};

/** A change as the recent-changes list shows it (from the read model: no data; the history has it). */
export interface StateChangeRecord {
  readonly position: number;
  readonly state_id: string;
  readonly type: string;
  readonly transition: ChangeKind;
  readonly revision: number;
  readonly from_status: string | null;
  readonly status: string;
  readonly at: string;
  readonly by: string | null;
}

export const ListChangesInput = t.strict({
  transition: optional(t.union([Transition, t.literal('rollback')])),
  stateId: optional(Id),
  limit: optional(t.number),
  /** Only changes before this position (the previous page's last): newest first, a keyset page at a time. */
  before: optional(t.number),
});
export type ListChangesInput = Input<typeof ListChangesInput>;

/** Recent changes across states (or of one), newest first; by transition when asked (the seed's changes by transition). */
export const listStateChanges = async (core: Core, input: ListChangesInput = {}): Promise<StateChangeRecord[]> => {
  const i = decodeOrThrow(ListChangesInput, input);
  const where: { column: string; op: '=' | '<'; value: string | number }[] = [];
  if (i.transition !== undefined) where.push({ column: 'change', op: '=', value: i.transition });
  if (i.stateId !== undefined) where.push({ column: 'state_id', op: '=', value: i.stateId });
  if (i.before !== undefined) where.push({ column: 'position', op: '<', value: i.before });
  const rows = await core.backend.models.rows({ table: 'state_changes', where, order: [{ column: 'position', desc: true }], limit: limitOf(i.limit ?? 20) });
  return rows.map((r) => ({
    position: r.position as number,
    state_id: r.state_id as string,
    type: r.type as string,
    transition: r.change as ChangeKind,
    revision: r.revision as number,
    from_status: r.from_status as string | null,
    status: r.status as string,
    at: r.at as string,
    by: r.actor as string | null,
  }));
};

/** Counts from the read model's counters (never a count over rows). */
export const stateCounts = async (core: Core): Promise<{ states: number; by_type: Record<string, number>; by_status: Record<string, Record<string, number>> }> => {
  const counters = await core.backend.models.counters('state_stats');
  const byType: Record<string, number> = {};
  const byStatus: Record<string, Record<string, number>> = {};
  for (const [key, value] of counters) {
    const [kind, type, status] = key.split(':');
    if (kind === 'type' && type !== undefined) byType[type] = value;
    if (kind === 'status' && type !== undefined && status !== undefined) (byStatus[type] ??= {})[status] = value;
  }
  return { states: counters.get('states') ?? 0, by_type: byType, by_status: byStatus };
};
