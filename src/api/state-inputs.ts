import * as t from 'io-ts';
import { InstantFromIso } from '../engine/index.js';
import { Id, IntFromString, JsonDocument, JsonRecord, NonNegativeInt, optional, StateTypeName, StatusName, Transition } from '../events/index.js';
import { Limit } from './inputs.js';

/*
 * What /v1/states and /v1/sessions accept: query parameters named as the CLI's options, bodies in snake_case like
 * the records they answer with.
 */

const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined, t.null], codec.name);
const Flag = t.keyof({ true: null, false: null }, 'true or false');

export const StatesQuery = t.strict({
  type: optional(StateTypeName),
  status: optional(StatusName),
  /** Repeated: `where=data.status=active&where=data.amount>100` (read apart from the codec, see v1-states.ts). */
  where: optional(t.string),
  include_deleted: optional(Flag),
  limit: optional(Limit),
  cursor: optional(Id),
});
export const StateQuery = t.strict({ as_of: optional(InstantFromIso) });
export const ChangesQuery = t.strict({
  transition: optional(t.union([Transition, t.literal('rollback')], 'a transition or rollback')),
  state_id: optional(Id),
  limit: optional(Limit),
});
export const FeedQuery = t.strict({
  after_position: optional(IntFromString('a log position (0 or more)')),
  limit: optional(Limit),
  wait_seconds: optional(IntFromString('seconds (0-30)', 0, 30)),
});

export const RegisterStateBody = t.strict({
  state_id: Id,
  type: StateTypeName,
  name: nullable(t.string),
  data: JsonRecord,
  metadata: nullable(JsonRecord),
});
export const UpdateStateBody = t.strict({
  transition: nullable(Transition),
  data: nullable(JsonRecord),
  metadata: nullable(JsonRecord),
});
export const RollbackBody = t.strict({ to_revision: NonNegativeInt });
/** A type's table, as `state type set` reads it from a file. */
export const DefineTypeBody = t.strict({ table: t.unknown });
export const SchemaBody = t.strict({ schema: t.union([JsonRecord, t.null], 'a JSON Schema (an object) or null to clear it') });

const Fence = NonNegativeInt;
const LeaseSeconds = t.refinement(NonNegativeInt, (n) => n >= 1 && n <= 604_800, 'seconds (1-604800)');

export const SessionsQuery = t.strict({ status: optional(t.keyof({ active: null, paused: null }, 'active or paused')) });
export const SaveSessionBody = t.strict({ document: JsonDocument, fence: nullable(Fence) });
export const CheckpointBody = t.strict({ document: JsonDocument, branch: nullable(Id), fence: nullable(Fence) });
export const FenceBody = t.strict({ fence: nullable(Fence) });
export const PauseBody = t.strict({ document: nullable(JsonDocument), fence: nullable(Fence) });
export const HoldBody = t.strict({ owner: nullable(Id), lease_seconds: nullable(LeaseSeconds) });
export const RenewBody = t.strict({ fence: Fence, lease_seconds: nullable(LeaseSeconds) });
export const ReleaseBody = t.strict({ fence: Fence });
export const KeepLastBody = t.strict({ keep_last: NonNegativeInt });
export const CleanupSessionsBody = t.strict({ older_than_days: t.refinement(NonNegativeInt, (n) => n <= 36_500, 'days (0-36500)'), keep_last: nullable(NonNegativeInt) });
export const VacuumBody = t.strict({ grace_minutes: nullable(t.refinement(NonNegativeInt, (n) => n <= 100_000, 'minutes (0-100000)')) });
