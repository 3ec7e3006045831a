import { DomainError } from '../errors.js';
import { canonicalJson, type DomainEvent, type Instant, type JsonRecord, type Transition, type TransitionTable } from '../events/index.js';
import type { Decider } from './decider.js';
import { allowedFrom, targetOf } from './state-types.js';

export type StateEvent = Extract<DomainEvent, { type: 'StateRegistered' | 'StateChanged' | 'StateRolledBack' }>;
export const stateTypes: ReadonlySet<string> = new Set<string>(['StateRegistered', 'StateChanged', 'StateRolledBack']);
export const isStateEvent = (e: { type: string }): e is StateEvent => stateTypes.has(e.type);

/** The seed's state structure: id, name, type, data, metadata, instants, and where its table has it. */
export interface TypedState {
  readonly stateId: string;
  readonly name: string;
  readonly type: string;
  readonly status: string;
  readonly data: JsonRecord;
  readonly metadata: JsonRecord;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  /** The last change was a delete: it is kept for its history but no longer listed or searched. */
  readonly deleted: boolean;
}
export type StateState = TypedState | null; // null: never registered

/** Where a change leaves a state, as a change record names it. `rollback` is an update to an earlier revision's data. */
export type ChangeKind = Transition | 'rollback';

export type StateCommand =
  | {
      type: 'RegisterState';
      data: { stateId: string; name: string; type: string; data: JsonRecord; metadata: JsonRecord; at: Instant; table: TransitionTable };
    }
  | {
      type: 'ChangeState';
      /** `data`/`metadata` null: unchanged (a transition that moves only the status). */
      data: {
        stateId: string;
        transition: Exclude<Transition, 'create'>;
        data: JsonRecord | null;
        metadata: JsonRecord | null;
        at: Instant;
        table: TransitionTable;
      };
    }
  | {
      type: 'RollbackState';
      /** `target` is the state as it stood at `toRevision` (the engine folds it from the log). */
      data: { stateId: string; toRevision: number; target: { data: JsonRecord; metadata: JsonRecord }; at: Instant; table: TransitionTable };
    };

export const evolveState = (state: StateState, event: StateEvent): StateState => {
  switch (event.type) {
    case 'StateRegistered': {
      const { stateId, name, type, status, data, metadata, at } = event.data;
      return { stateId, name, type, status, data, metadata, createdAt: at, updatedAt: at, deleted: false };
    }
    case 'StateChanged': {
      const { status, data, metadata, at, transition } = event.data;
      return state && { ...state, status, data, metadata, updatedAt: at, deleted: transition === 'delete' };
    }
    case 'StateRolledBack': {
      const { data, metadata, at } = event.data;
      return state && { ...state, data, metadata, updatedAt: at };
    }
  }
};

const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

const refuse = (state: TypedState, transition: string, table: TransitionTable): DomainError => {
  const allowed = allowedFrom(table, state.status);
  return new DomainError(
    'illegal_transition',
    `state ${state.stateId} (${state.type}) is ${state.status}: ${transition} is not allowed` +
      ` (from ${state.status}: ${allowed.length === 0 ? 'nothing' : allowed.join(', ')})`,
  );
};

export const decideState = (state: StateState, command: StateCommand): readonly StateEvent[] | DomainError => {
  const { stateId, at, table } = command.data;
  if (command.type === 'RegisterState') {
    if (state !== null) return new DomainError('conflict', `state ${stateId} is registered (${state.type}, ${state.status})`);
    const { name, type, data, metadata } = command.data;
    return [{ type: 'StateRegistered', data: { stateId, name, type, status: table.initial, data, metadata, at } }];
  }
  if (state === null) return new DomainError('unknown_state', `no state ${stateId}`);
  if (command.type === 'ChangeState') {
    const { transition } = command.data;
    const status = targetOf(table, transition, state.status);
    if (status === undefined) return refuse(state, transition, table);
    const data = command.data.data ?? state.data;
    const metadata = command.data.metadata ?? state.metadata;
    // An update that changes nothing records nothing (as resolving a resolved finding does).
    if (transition === 'update' && status === state.status && sameJson(data, state.data) && sameJson(metadata, state.metadata)) return [];
    return [{ type: 'StateChanged', data: { stateId, transition, fromStatus: state.status, status, data, metadata, at } }];
  }
  // A rollback is an update whose data is an earlier revision's: allowed where an update is, and the status stays.
  if (targetOf(table, 'update', state.status) === undefined) return refuse(state, 'rollback (an update)', table);
  const { data, metadata } = command.data.target;
  if (sameJson(data, state.data) && sameJson(metadata, state.metadata)) return [];
  return [{ type: 'StateRolledBack', data: { stateId, toRevision: command.data.toRevision, status: state.status, data, metadata, at } }];
};

export const typedState: Decider<StateState, StateCommand, StateEvent> = {
  initialState: () => null,
  decide: decideState,
  evolve: evolveState,
};

export const stateStreamOf = (stateId: string): string => `state-${stateId}`;

/** What kind of change an event is. */
export const changeKindOf = (event: StateEvent): ChangeKind =>
  event.type === 'StateRegistered' ? 'create' : event.type === 'StateRolledBack' ? 'rollback' : event.data.transition;
