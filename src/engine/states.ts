import * as t from 'io-ts';
import { decideState, evolveState, stateStreamOf, type ChangeKind, type Identity, type StateCommand, type StateState, type StateType } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { canonicalJson, decodeOrThrow, Id, JsonRecord, optional, StateTypeName, Text, Transition } from '../events/index.js';
import type { AppendResult } from '../ports/log.js';
import { metaOf } from './actor.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents } from './decide.js';
import type { Input } from './inputs.js';
import { schemaFailure, validatorOf } from './schemas.js';
import { eventsOf } from './state-history.js';
import { getState, stateKind, type StateRecord } from './state-records.js';
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
