import * as t from 'io-ts';
import { stateFromRow, type StateRow } from '../../projections/index.js';
import {
  decideState,
  evolveState,
  isStateEvent,
  stateStreamOf,
  type ChangeKind,
  type Identity,
  type StateCommand,
  type StateEvent,
  type StateState,
  type StateType,
} from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import {
  asDomainEvent,
  canonicalJson,
  decodeOrThrow,
  Id,
  Instant,
  JsonRecord,
  optional,
  StateTypeName,
  StatusName,
  Text,
  Transition,
  type RecordedEvent,
} from '../events/index.js';
import type { AppendResult } from '../ports/log.js';
import { metaOf } from './actor.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents, type EntityKind } from './decide.js';
import type { Input } from './inputs.js';
import { schemaFailure, validatorOf } from './schemas.js';
import { requireStateType } from './state-types.js';

export const RegisterStateInput = t.strict({
  stateId: Id,
  type: StateTypeName,
  name: optional(Text),
  data: JsonRecord,
  metadata: optional(JsonRecord),
});
export type RegisterStateInput = Input<typeof RegisterStateInput>;

export const ChangeStateInput = t.strict({
  transition: optional(Transition),
  data: optional(JsonRecord),
  metadata: optional(JsonRecord),
});
export type ChangeStateInput = Input<typeof ChangeStateInput>;

/** Ids the HTTP routes use as words (`/v1/states/changes`): a state may not be named so. */
export const reservedStateIds: readonly string[] = ['changes', 'types', 'health', 'feed'];

/** The largest data (and metadata) a state holds, as canonical JSON: every change carries it whole. */
export const maxStateDataBytes = 256 * 1024;

/**
 * A validator the library registers for a type (the seed's `register_validator`): true, nothing or null accept;
 * false or a message refuse (the message says what was expected). Run after the type's JSON Schema, in this process.
 */
export type StateValidator = (
  data: JsonRecord,
  context: { readonly stateId: string; readonly type: string; readonly change: ChangeKind },
) => boolean | string | null | undefined | void;

export interface StateOptions {
  readonly validators?: readonly StateValidator[];
  readonly identity?: Identity | undefined;
}

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

const checkSize = (field: string, value: JsonRecord): void => {
  const bytes = Buffer.byteLength(canonicalJson(value));
  if (bytes > maxStateDataBytes) throw new InvalidInput(field, `${bytes} bytes`, `at most ${maxStateDataBytes} bytes of JSON`);
};

/** The type's JSON Schema (its current version), then the library's validators: the first failure, naming the field. */
export const validateData = async (
  type: StateType,
  data: JsonRecord,
  context: { stateId: string; change: ChangeKind },
  validators: readonly StateValidator[] = [],
): Promise<void> => {
  checkSize('data', data);
  if (type.schema !== null) {
    const validate = await validatorOf(type.schema.schema, type.schema.sha256);
    if (!validate(data)) {
      const first = validate.errors?.[0];
      throw first === undefined ? new InvalidInput('data', data, `data the ${type.type} schema accepts`) : schemaFailure(first, data, type.type, type.schema.version);
    }
  }
  for (const validator of validators) {
    const verdict = validator(data, { ...context, type: type.type });
    if (verdict === false) throw new InvalidInput('data', data, `data the ${type.type} validator accepts`);
    if (typeof verdict === 'string') throw new InvalidInput('data', data, verdict);
  }
};

/** Read-your-writes where read models run behind the log (EventStoreDB); a no-op where they commit with it. */
export const settle = async (core: Core, appended: readonly AppendResult[]): Promise<void> => {
  if (core.backend.inline || appended.length === 0) return;
  await core.backend.waitFor(Math.max(...appended.map((a) => a.position)), 10_000);
};

/**
 * Decides one command on a state (loaded from its snapshot row plus whatever the log holds after it), checks the
 * data every resulting event carries (when it changed) against the type's schema and validators, and commits at the
 * revision of that load. A refusal of either kind writes nothing.
 */
const decideOnState = async (
  core: Core,
  stateId: string,
  command: (state: StateState, type: (name: string) => Promise<StateType>) => Promise<StateCommand>,
  options: StateOptions,
): Promise<readonly AppendResult[]> => {
  const stream = stateStreamOf(stateId);
  const types = new Map<string, StateType>();
  const typeOf = async (name: string) => {
    let type = types.get(name);
    if (type === undefined) types.set(name, (type = await requireStateType(core, name)));
    return type;
  };
  const { appended } = await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadOne(core, stateKind, stateId);
    const c = await command(state, typeOf);
    const decided = decideState(state, c);
    if (decided instanceof DomainError) throw decided;
    let before = state;
    for (const e of decided) {
      const after = evolveState(before, e);
      if (after !== null && canonicalJson(after.data) !== canonicalJson(before?.data ?? null))
        await validateData(await typeOf(after.type), after.data, { stateId, change: e.type === 'StateRegistered' ? 'create' : e.type === 'StateRolledBack' ? 'rollback' : e.data.transition }, options.validators);
      if (after !== null) checkSize('metadata', after.metadata);
      before = after;
    }
    const writes = decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, metaOf(options.identity)), expectedRevision: revision }];
    return { writes, value: null };
  });
  await settle(core, appended);
  return appended;
};

const rowOf = async (core: Core, stateId: string): Promise<StateRow | undefined> =>
  (await core.backend.models.rows({ table: 'states', where: [{ column: 'state_id', op: '=', value: stateId }] }))[0] as StateRow | undefined;

export const getState = async (core: Core, stateId: string): Promise<StateRecord | null> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  const row = await rowOf(core, id);
  return row === undefined ? null : stateRecord(row);
};

const requireRecord = async (core: Core, stateId: string): Promise<StateRecord> => {
  const record = await getState(core, stateId);
  if (record === null) throw new DomainError('unknown_state', `no state ${stateId}`);
  return record;
};

/** Registers a state of a type in the status its table starts in. */
export const registerState = async (core: Core, input: RegisterStateInput, options: StateOptions = {}): Promise<StateRecord> => {
  const i = decodeOrThrow(RegisterStateInput, input);
  if (reservedStateIds.includes(i.stateId)) throw new InvalidInput('state_id', i.stateId, `an id other than ${reservedStateIds.join(', ')} (words of the HTTP routes)`);
  const type = await requireStateType(core, i.type);
  await decideOnState(
    core,
    i.stateId,
    async () => ({
      type: 'RegisterState',
      data: { stateId: i.stateId, name: i.name ?? '', type: i.type, data: i.data, metadata: i.metadata ?? {}, at: now(core), table: type.table },
    }),
    options,
  );
  return requireRecord(core, i.stateId);
};

/**
 * Changes a state by a transition (default `update`): its table must allow it from the current status. Data and
 * metadata, when given, replace the old ones whole; a transition without data keeps them.
 */
export const changeState = async (core: Core, stateId: string, input: ChangeStateInput, options: StateOptions = {}): Promise<StateRecord> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  const i = decodeOrThrow(ChangeStateInput, input);
  const transition = i.transition ?? 'update';
  if (transition === 'create') throw new InvalidInput('transition', transition, 'one of update, activate, suspend, resume, expire, delete (create is register)');
  if (transition === 'update' && i.data === undefined && i.metadata === undefined) throw new InvalidInput('data', undefined, 'the new data of an update');
  await decideOnState(
    core,
    id,
    async (state, typeOf) => ({
      type: 'ChangeState',
      data: {
        stateId: id,
        transition,
        data: i.data ?? null,
        metadata: i.metadata ?? null,
        at: now(core),
        table: state === null ? { initial: 'none', transitions: {} } : (await typeOf(state.type)).table,
      },
    }),
    options,
  );
  return requireRecord(core, id);
};

/** Every event of a state's stream, oldest first (states are local: one origin). */
const eventsOf = async (core: Core, stateId: string): Promise<RecordedEvent[]> => core.backend.log.readEntity(stateStreamOf(stateId));

/**
 * Restores the data and metadata a state had at an earlier revision, by a new event (the history keeps everything);
 * the status stays, and the restored data must satisfy the type's current schema as any update does.
 */
export const rollbackState = async (core: Core, stateId: string, toRevision: number, options: StateOptions = {}): Promise<StateRecord> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  await decideOnState(
    core,
    id,
    async (state, typeOf) => {
      if (state === null) throw new DomainError('unknown_state', `no state ${id}`);
      const events = await eventsOf(core, id);
      const last = events[events.length - 1]?.revision ?? -1;
      if (!Number.isSafeInteger(toRevision) || toRevision < 0 || toRevision > last)
        throw new InvalidInput('to', toRevision, `a revision of state ${id} (0 to ${last})`);
      let target: StateState = null;
      for (const e of events) if (e.revision <= toRevision) target = stateKind.evolve(target, e, core.backend.merge());
      return {
        type: 'RollbackState',
        data: { stateId: id, toRevision, target: { data: target?.data ?? {}, metadata: target?.metadata ?? {} }, at: now(core), table: (await typeOf(state.type)).table },
      };
    },
    options,
  );
  return requireRecord(core, id);
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

const limitOf = (limit: number | undefined): number => {
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

/** One change of a state's history: when, which transition, who, and the data before and after. */
export interface StateHistoryEntry {
  readonly revision: number;
  readonly position: number;
  readonly at: string;
  readonly recorded_at: string;
  readonly transition: ChangeKind;
  readonly from_status: string | null;
  readonly status: string;
  readonly old_data: JsonRecord | null;
  readonly new_data: JsonRecord;
  readonly old_metadata: JsonRecord | null;
  readonly new_metadata: JsonRecord;
  readonly by: string | null;
  /** For a rollback: the revision whose data it restored. */
  readonly to_revision: number | null;
}

const historyOf = (events: readonly RecordedEvent[]): StateHistoryEntry[] => {
  let state: StateState = null;
  const out: StateHistoryEntry[] = [];
  for (const event of events) {
    const e = asDomainEvent(event);
    if (!isStateEvent(e)) continue;
    const before: StateState = state;
    state = evolveState(state, e as StateEvent);
    if (state === null) continue;
    out.push({
      revision: event.revision,
      position: event.position,
      at: e.data.at,
      recorded_at: event.meta.recordedAt,
      transition: e.type === 'StateRegistered' ? 'create' : e.type === 'StateRolledBack' ? 'rollback' : e.data.transition,
      from_status: before?.status ?? null,
      status: state.status,
      old_data: before?.data ?? null,
      new_data: state.data,
      old_metadata: before?.metadata ?? null,
      new_metadata: state.metadata,
      by: event.meta.actor ?? null,
      to_revision: e.type === 'StateRolledBack' ? e.data.toRevision : null,
    });
  }
  return out;
};

/** Every change of a state, oldest first, folded from its events (an audit read: the log, not a read model). */
export const getStateHistory = async (core: Core, stateId: string): Promise<StateHistoryEntry[]> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  const history = historyOf(await eventsOf(core, id));
  if (history.length === 0) throw new DomainError('unknown_state', `no state ${id}`);
  return history;
};

/** The state as it stood at an instant: the fold of the events recorded up to it (inclusive); null before it existed. */
export const getStateAsOf = async (core: Core, stateId: string, asOf: string): Promise<StateRecord | null> => {
  const id = decodeOrThrow(Id, stateId, 'state_id');
  if (!Instant.is(asOf)) throw new InvalidInput('as_of', asOf, 'an ISO-8601 UTC instant with milliseconds');
  let state: StateState = null;
  let tip: RecordedEvent | null = null;
  let created: RecordedEvent | null = null;
  for (const event of await eventsOf(core, id)) {
    if (event.meta.recordedAt > asOf) break;
    state = stateKind.evolve(state, event, core.backend.merge());
    tip = event;
    created ??= event;
  }
  if (state === null || tip === null) return null;
  return {
    state_id: state.stateId,
    name: state.name,
    type: state.type,
    status: state.status,
    data: state.data,
    metadata: state.metadata,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
    revision: tip.revision,
    deleted: state.deleted,
    created_by: created?.meta.actor ?? null,
    updated_by: tip.meta.actor ?? null,
  };
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
