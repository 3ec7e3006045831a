import { schemaOf, type Schema } from './openapi-schemas.js';
import * as inputs from './state-inputs.js';

const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const bool = { type: 'boolean' };
const instant = { type: 'string', format: 'date-time', description: 'UTC instant with milliseconds' };
const anyObject = { type: 'object', additionalProperties: true };
const nullable = (s: Schema) => ({ ...s, nullable: true });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (name: string) => ({ type: 'array', items: ref(name) });
const object = (properties: Record<string, unknown>): Schema => ({ type: 'object', properties, required: Object.keys(properties) });
const transition = { type: 'string', enum: ['create', 'update', 'activate', 'suspend', 'resume', 'expire', 'delete', 'rollback'] };
const statusMaps = { type: 'object', additionalProperties: { type: 'object', additionalProperties: str } };

const StateRecord = object({
  state_id: str,
  name: str,
  type: str,
  status: str,
  data: anyObject,
  metadata: anyObject,
  created_at: instant,
  updated_at: instant,
  revision: int,
  deleted: bool,
  created_by: nullable(str),
  updated_by: nullable(str),
});
const StateChange = object({
  position: int,
  state_id: str,
  type: str,
  transition,
  revision: int,
  from_status: nullable(str),
  status: str,
  at: instant,
  by: nullable(str),
});
const StateChangeFull = object({
  ...(StateChange.properties as object),
  old_data: nullable(anyObject),
  new_data: anyObject,
  old_metadata: nullable(anyObject),
  new_metadata: anyObject,
  recorded_at: instant,
});
const StateHistoryEntry = object({
  revision: int,
  position: int,
  at: instant,
  recorded_at: instant,
  transition,
  from_status: nullable(str),
  status: str,
  old_data: nullable(anyObject),
  new_data: anyObject,
  old_metadata: nullable(anyObject),
  new_metadata: anyObject,
  by: nullable(str),
  to_revision: nullable(int),
});
const StateType = object({
  type: str,
  builtin: bool,
  initial: str,
  transitions: statusMaps,
  statuses: { type: 'array', items: str },
  schema: nullable(anyObject),
  schema_version: int,
  schema_sha256: nullable(str),
  defined_at: nullable(instant),
});
const SessionRecord = object({
  session_id: str,
  status: { type: 'string', enum: ['active', 'paused'] },
  owner: nullable(str),
  fence: int,
  lease_until: nullable(instant),
  checkpoints: int,
  latest_checkpoint_id: nullable(str),
  sha256: nullable(str),
  size: int,
  stored: int,
  created_at: instant,
  updated_at: instant,
  revision: int,
});
const SessionCheckpoint = object({
  checkpoint_id: str,
  session_id: str,
  seq: int,
  branch: nullable(str),
  sha256: str,
  size: int,
  stored: int,
  created_at: instant,
});
const Purged = object({ sha256: str, stored: int });
const held = { session: ref('SessionRecord'), fence: int, lease_until: instant };

/** The answers and bodies of /v1/states and /v1/sessions, as /openapi.json documents them. */
export const stateComponentSchemas: Readonly<Record<string, Schema>> = {
  StateRecord,
  StatePage: object({ states: list('StateRecord'), next_cursor: nullable(str) }),
  StateChange,
  StateChangeList: object({ changes: list('StateChange') }),
  StateChangeFull,
  StateFeed: object({ changes: list('StateChangeFull'), last_position: int }),
  StateHistoryEntry,
  StateHistory: object({ state_id: str, history: list('StateHistoryEntry') }),
  StateType,
  StateTypeList: object({ types: list('StateType') }),
  StateHealth: object({
    status: { type: 'string', enum: ['healthy', 'degraded'] },
    reasons: { type: 'array', items: str },
    state_count: int,
    states_by_type: { type: 'object', additionalProperties: int },
    session_count: int,
    head_position: int,
    projection_lag: int,
    consumers: {
      type: 'array',
      items: object({ name: str, holder: nullable(str), fence: int, position: int, lag: int, lease_expires_at: nullable(instant), dead_letters: int }),
    },
    store: str,
    checked_at: instant,
  }),
  RegisterState: schemaOf(inputs.RegisterStateBody),
  UpdateState: schemaOf(inputs.UpdateStateBody),
  RollbackState: schemaOf(inputs.RollbackBody),
  DefineStateType: object({ table: object({ initial: str, transitions: statusMaps }) }),
  SetStateSchema: { type: 'object', properties: { schema: nullable(anyObject) }, required: ['schema'] },
  SessionRecord,
  SessionList: object({ sessions: list('SessionRecord') }),
  SessionDocument: object({ session: ref('SessionRecord'), document: anyObject }),
  SessionCheckpoint,
  SessionCheckpointList: object({ checkpoints: list('SessionCheckpoint') }),
  RestoredCheckpoint: object({ session: ref('SessionRecord'), checkpoint: ref('SessionCheckpoint'), document: anyObject }),
  CheckpointCleanup: object({ removed: { type: 'array', items: str }, purged: list('PurgedBody') }),
  PurgedBody: Purged,
  HeldSession: object(held),
  ResumedSession: object({ ...held, document: nullable(anyObject) }),
  SessionCleanup: object({ deleted: { type: 'array', items: str }, purged: list('PurgedBody') }),
  StorageStats: object({
    session_count: int,
    checkpoint_count: int,
    bytes_raw: int,
    bytes_stored: int,
    total_size_mb: { type: 'number' },
    blobs: object({ count: int, bytes: int }),
    store_bytes: nullable(int),
  }),
  VacuumReport: object({ purged: list('PurgedBody'), before: int, after: int }),
  SaveSession: { ...schemaOf(inputs.SaveSessionBody), properties: { document: anyObject, fence: nullable(int) } },
  CreateCheckpoint: { ...schemaOf(inputs.CheckpointBody), properties: { document: anyObject, branch: nullable(str), fence: nullable(int) } },
  PauseSession: { ...schemaOf(inputs.PauseBody), properties: { document: nullable(anyObject), fence: nullable(int) } },
  Fence: schemaOf(inputs.FenceBody),
  Hold: schemaOf(inputs.HoldBody),
  Renew: schemaOf(inputs.RenewBody),
  Release: schemaOf(inputs.ReleaseBody),
  KeepLast: schemaOf(inputs.KeepLastBody),
  CleanupSessions: schemaOf(inputs.CleanupSessionsBody),
  Vacuum: schemaOf(inputs.VacuumBody),
};
