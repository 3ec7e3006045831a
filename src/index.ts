/**
 * The library: `import { getStateManager } from 'stance-state'`. Typed states and resumable sessions (the seeds'
 * state managers) over a store, and the engine itself for everything else the CLI and HTTP API do.
 */
export { getStateManager, defaultStoreUrl } from './manager.js';
export { openEngine, openLog, type OpenEngineOptions } from './open.js';
export {
  StateManager,
  SessionHold,
  CallbackRunner,
  StateEngine,
  type BodySettings,
  type CallbackContext,
  type CallbackOptions,
  type Health,
  type InitialState,
  type SeedCallback,
  type SessionRecord,
  type SessionCheckpointRecord,
  type StateChange,
  type StateChangeRecord,
  type StateHistoryEntry,
  type StatePage,
  type StateRecord,
  type StateTypeRecord,
  type StateValidator,
  type StorageStats,
  type VacuumReport,
  type BodiesReport,
} from './engine/index.js';
export { builtinTables, type ChangeKind } from './domain/index.js';
export type { JsonRecord, Transition, TransitionTable } from './events/index.js';
export { AccessDenied, DomainError, InvalidInput } from './errors.js';
