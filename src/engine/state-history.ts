import { evolveState, isStateEvent, stateStreamOf, type ChangeKind, type StateEvent, type StateState } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { asDomainEvent, decodeOrThrow, Id, Instant, type JsonRecord, type RecordedEvent } from '../events/index.js';
import type { Core } from './core.js';
import { stateKind, type StateRecord } from './state-records.js';

/** Every event of a state's stream, oldest first (states are local: one origin). */
export const eventsOf = async (core: Core, stateId: string): Promise<RecordedEvent[]> => core.backend.log.readEntity(stateStreamOf(stateId));

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
