import * as t from 'io-ts';
import { Id, Instant, JsonRecord, NonNegativeInt, orNull, Text } from './primitives.js';

/** The seven verbs of the seed's StateTransition; which are allowed from which status is the type's table. */
export const Transition = t.keyof(
  { create: null, update: null, activate: null, suspend: null, resume: null, expire: null, delete: null },
  'Transition (create, update, activate, suspend, resume, expire or delete)',
);
export type Transition = t.TypeOf<typeof Transition>;
export const transitions: readonly Transition[] = ['create', 'update', 'activate', 'suspend', 'resume', 'expire', 'delete'];

/** A type or status name: lower-case letters, digits and `_`, starting with a letter, at most 64 characters. */
export const StateTypeName = t.refinement(t.string, (s) => /^[a-z][a-z0-9_]{0,63}$/.test(s), 'a type name (a-z, 0-9, _; 1-64, starting with a letter)');
export type StateTypeName = t.TypeOf<typeof StateTypeName>;
export const StatusName = t.refinement(t.string, (s) => /^[a-z][a-z0-9_]{0,63}$/.test(s), 'a status name (a-z, 0-9, _; 1-64, starting with a letter)');
export type StatusName = t.TypeOf<typeof StatusName>;

/** From-status to to-status, for one transition. */
export const StatusMap = t.record(StatusName, StatusName, 'StatusMap');
export type StatusMap = t.TypeOf<typeof StatusMap>;

/**
 * A type's transition table: the status a state starts in (create), and per other transition the status it may be
 * taken from and the one it leads to. A transition missing, or a status missing from its map, is not allowed.
 */
export const TransitionTable = t.strict({
  initial: StatusName,
  transitions: t.partial({
    update: StatusMap,
    activate: StatusMap,
    suspend: StatusMap,
    resume: StatusMap,
    expire: StatusMap,
    delete: StatusMap,
  }),
});
export type TransitionTable = t.TypeOf<typeof TransitionTable>;

const Sha256 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex');

/**
 * Schema 1 of each typed-state event's data (stream `state-<stateId>`, a local category: sync never carries it).
 * Every event carries the whole data, metadata and status it leaves: the history reads old and new from two
 * neighbouring events, and a callback gets both without folding.
 */
export const stateEvents = {
  StateRegistered: t.strict({
    stateId: Id,
    name: Text,
    type: StateTypeName,
    status: StatusName,
    data: JsonRecord,
    metadata: JsonRecord,
    at: Instant,
  }),
  StateChanged: t.strict({
    stateId: Id,
    transition: Transition,
    fromStatus: StatusName,
    status: StatusName,
    data: JsonRecord,
    metadata: JsonRecord,
    at: Instant,
  }),
  /** The data and metadata of an earlier revision, restored by a new event (the status stays). */
  StateRolledBack: t.strict({
    stateId: Id,
    toRevision: NonNegativeInt,
    status: StatusName,
    data: JsonRecord,
    metadata: JsonRecord,
    at: Instant,
  }),
};

/**
 * Schema 1 of each state-type event's data (stream `statetype-<type>`, local). A deployment's own types are defined
 * by a table; every type (the built-in five too) may carry a JSON Schema its states' data must satisfy, numbered so
 * every process compiles each version once and enforces the same one.
 */
export const stateTypeEvents = {
  StateTypeDefined: t.strict({ type: StateTypeName, table: TransitionTable, at: Instant }),
  StateSchemaSet: t.strict({ type: StateTypeName, version: NonNegativeInt, schema: orNull(JsonRecord), sha256: orNull(Sha256), at: Instant }),
};
