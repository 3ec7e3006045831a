import { DomainError } from '../errors.js';
import type { DomainEvent, Instant, JsonRecord, StatusMap, Transition, TransitionTable } from '../events/index.js';
import type { Decider } from './decider.js';

export type StateTypeEvent = Extract<DomainEvent, { type: 'StateTypeDefined' | 'StateSchemaSet' }>;
export const isStateTypeEvent = (e: { type: string }): e is StateTypeEvent => e.type === 'StateTypeDefined' || e.type === 'StateSchemaSet';

const same = (...statuses: string[]): StatusMap => Object.fromEntries(statuses.map((s) => [s, s]));
const to = (target: string, ...from: string[]): StatusMap => Object.fromEntries(from.map((s) => [s, target]));

/**
 * The seed's five types. A status may only be left the ways its table says; `delete` ends a state (nothing leads
 * out of `deleted`), and `update` changes data without moving the status.
 */
export const builtinTables: Readonly<Record<'user' | 'transaction' | 'subscription' | 'feature' | 'session', TransitionTable>> = {
  // Registered awaiting verification, then active; suspended and resumed; expired or deleted for good.
  user: {
    initial: 'pending',
    transitions: {
      update: same('pending', 'active', 'suspended'),
      activate: to('active', 'pending'),
      suspend: to('suspended', 'active'),
      resume: to('active', 'suspended'),
      expire: to('expired', 'pending', 'active', 'suspended'),
      delete: to('deleted', 'pending', 'active', 'suspended', 'expired'),
    },
  },
  // A payment: pending until completed (activate) or failed (expire); held and released meanwhile. A finished
  // transaction is never edited; only its record may go.
  transaction: {
    initial: 'pending',
    transitions: {
      update: same('pending', 'on_hold'),
      activate: to('completed', 'pending'),
      suspend: to('on_hold', 'pending'),
      resume: to('pending', 'on_hold'),
      expire: to('failed', 'pending', 'on_hold'),
      delete: to('deleted', 'completed', 'failed'),
    },
  },
  // A plan: active once paid, suspended when billing fails, expired at its end and renewable (activate again);
  // an active subscription is not deleted under its holder.
  subscription: {
    initial: 'pending',
    transitions: {
      update: same('pending', 'active', 'suspended'),
      activate: to('active', 'pending', 'expired'),
      suspend: to('suspended', 'active'),
      resume: to('active', 'suspended'),
      expire: to('expired', 'active', 'suspended'),
      delete: to('deleted', 'pending', 'suspended', 'expired'),
    },
  },
  // A flag or rollout: off until activated, suspended by a kill switch, retired (expire); removed only when off.
  feature: {
    initial: 'inactive',
    transitions: {
      update: same('inactive', 'active', 'suspended'),
      activate: to('active', 'inactive'),
      suspend: to('suspended', 'active'),
      resume: to('active', 'suspended'),
      expire: to('expired', 'inactive', 'active', 'suspended'),
      delete: to('deleted', 'inactive', 'expired'),
    },
  },
  // An authenticated session starts active; locked (suspend) and unlocked (resume); it ends by expiry or logout.
  session: {
    initial: 'active',
    transitions: {
      update: same('active', 'suspended'),
      suspend: to('suspended', 'active'),
      resume: to('active', 'suspended'),
      expire: to('expired', 'active', 'suspended'),
      delete: to('deleted', 'active', 'suspended', 'expired'),
    },
  },
};

export const builtinTypes = Object.keys(builtinTables) as (keyof typeof builtinTables)[];
export const isBuiltinType = (type: string): type is keyof typeof builtinTables => Object.hasOwn(builtinTables, type);

export interface StateSchema {
  readonly version: number;
  readonly schema: JsonRecord;
  readonly sha256: string;
}

/** A type: its table, and the JSON Schema its states' data must satisfy (if any). */
export interface StateType {
  readonly type: string;
  readonly builtin: boolean;
  readonly table: TransitionTable;
  readonly schema: StateSchema | null;
  /** How many schemas were ever set (a cleared schema counts): the next one's version is this plus one. */
  readonly schemaVersions: number;
  readonly definedAt: Instant | null;
}
export type StateTypeState = StateType | null; // null: a deployment type never defined

export type StateTypeCommand =
  | { type: 'DefineStateType'; data: { type: string; table: TransitionTable; at: Instant } }
  | { type: 'SetStateSchema'; data: { type: string; schema: JsonRecord | null; sha256: string | null; at: Instant } };

/** The type as it stands before any of its events: the built-in table, or nothing. */
export const initialStateType = (type: string): StateTypeState =>
  isBuiltinType(type) ? { type, builtin: true, table: builtinTables[type], schema: null, schemaVersions: 0, definedAt: null } : null;

const evolve = (state: StateTypeState, event: StateTypeEvent): StateTypeState => {
  if (event.type === 'StateTypeDefined') {
    const { type, table, at } = event.data;
    return { type, builtin: false, table, schema: state?.schema ?? null, schemaVersions: state?.schemaVersions ?? 0, definedAt: at };
  }
  if (state === null) return null;
  const { version, schema, sha256 } = event.data;
  return { ...state, schema: schema === null || sha256 === null ? null : { version, schema, sha256 }, schemaVersions: version };
};

/** Statuses a table names (as a start, a source or a target): what a listing shows and a check refers to. */
export const statusesOf = (table: TransitionTable): string[] => {
  const all = new Set<string>([table.initial]);
  for (const map of Object.values(table.transitions)) for (const [from, target] of Object.entries(map ?? {})) all.add(from).add(target);
  return [...all].sort();
};

const decide = (state: StateTypeState, command: StateTypeCommand): readonly StateTypeEvent[] | DomainError => {
  const { type, at } = command.data;
  if (command.type === 'DefineStateType') {
    if (state?.builtin) return new DomainError('illegal_transition', `${type} is a built-in type: its table is fixed (define a type of another name)`);
    return [{ type: 'StateTypeDefined', data: { type, table: command.data.table, at } }];
  }
  if (state === null) return new DomainError('unknown_state_type', `no state type ${type} (built in: ${builtinTypes.join(', ')}; others are defined first)`);
  const { schema, sha256 } = command.data;
  if ((state.schema?.sha256 ?? null) === sha256) return [];
  return [{ type: 'StateSchemaSet', data: { type, version: state.schemaVersions + 1, schema, sha256, at } }];
};

/** The decider of one type's stream (`statetype-<type>`): its fold starts from the built-in table, if it has one. */
export const stateTypeDecider = (type: string): Decider<StateTypeState, StateTypeCommand, StateTypeEvent> => ({
  initialState: () => initialStateType(type),
  decide,
  evolve,
});

export const stateTypeStreamOf = (type: string): string => `statetype-${type}`;

/** Where a transition may lead from a status, or undefined when the table does not allow it. */
export const targetOf = (table: TransitionTable, transition: Exclude<Transition, 'create'>, from: string): string | undefined => {
  const map = table.transitions[transition];
  return map !== undefined && Object.hasOwn(map, from) ? map[from] : undefined;
};

/** The transitions a table allows from a status, in the seed's order. */
export const allowedFrom = (table: TransitionTable, from: string): Exclude<Transition, 'create'>[] =>
  (['update', 'activate', 'suspend', 'resume', 'expire', 'delete'] as const).filter((t) => targetOf(table, t, from) !== undefined);
