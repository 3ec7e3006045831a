import { isStateEvent, stateStreamOf, changeKindOf, type ChangeKind } from '../domain/index.js';
import { asDomainEvent, type JsonRecord, type RecordedEvent } from '../events/index.js';
import type { EventLog } from '../ports/backend.js';

/** One change of a typed state as callbacks and `state watch` see it: what it was, what it is, and how. */
export interface StateChange {
  readonly position: number;
  readonly state_id: string;
  readonly type: string;
  readonly transition: ChangeKind;
  readonly revision: number;
  readonly from_status: string | null;
  readonly status: string;
  readonly old_data: JsonRecord | null;
  readonly new_data: JsonRecord;
  readonly old_metadata: JsonRecord | null;
  readonly new_metadata: JsonRecord;
  readonly at: string;
  readonly recorded_at: string;
  readonly by: string | null;
}

/** The events of typed states, as a subscription or a read of the log filters them. */
export const stateEventFilter = { streamPrefix: 'state-', types: ['StateRegistered', 'StateChanged', 'StateRolledBack'] } as const;

/**
 * The change an event made. Every state event carries the whole data, metadata and status it leaves, so the old
 * side is the event before it in the stream: one read, whatever the stream's length.
 */
export const changeOf = async (log: EventLog, event: RecordedEvent, typeOf: (stateId: string) => string | undefined = () => undefined): Promise<StateChange | null> => {
  const e = asDomainEvent(event);
  if (!isStateEvent(e)) return null;
  let previous: RecordedEvent | undefined;
  if (event.revision > 0)
    for await (const p of log.readStream(event.stream, { from: event.revision - 1, limit: 1, origin: event.meta.origin })) previous = p;
  const before = previous === undefined ? null : (previous.data as { status: string; data: JsonRecord; metadata: JsonRecord; type?: string });
  const type = e.type === 'StateRegistered' ? e.data.type : (typeOf(e.data.stateId) ?? (await typeFromStart(log, e.data.stateId)));
  return {
    position: event.position,
    state_id: e.data.stateId,
    type,
    transition: changeKindOf(e),
    revision: event.revision,
    from_status: before?.status ?? null,
    status: e.data.status,
    old_data: before?.data ?? null,
    new_data: e.data.data,
    old_metadata: before?.metadata ?? null,
    new_metadata: e.data.metadata,
    at: e.data.at,
    recorded_at: event.meta.recordedAt,
    by: event.meta.actor ?? null,
  };
};

/** A state's type, from its first event (a type never changes): one read, cached by the callers that ask often. */
const typeFromStart = async (log: EventLog, stateId: string): Promise<string> => {
  for await (const first of log.readStream(stateStreamOf(stateId), { from: 0, limit: 1 })) return (first.data as { type?: string }).type ?? '';
  return '';
};

/** Remembers the type of the states a feed has seen (bounded), so most changes cost one read for the old side only. */
export const typeCache = (): { readonly get: (id: string) => string | undefined; readonly set: (id: string, type: string) => void } => {
  const types = new Map<string, string>();
  return {
    get: (id) => types.get(id),
    set: (id, type) => {
      if (types.size >= 10_000) types.clear();
      types.set(id, type);
    },
  };
};

/**
 * Changes of typed states from a log position on (exclusive), then live as they are committed (by any process):
 * what `state watch` prints. Ends when `signal` aborts; `caughtUp` is called once the backlog is delivered.
 */
export async function* watchStateChanges(
  log: EventLog,
  options: { readonly fromPosition?: number; readonly signal?: AbortSignal; readonly caughtUp?: (position: number) => void } = {},
): AsyncGenerator<StateChange> {
  const subscription = log.subscribe({ fromPosition: options.fromPosition ?? 0, filter: stateEventFilter });
  const stop = () => void subscription.close();
  options.signal?.addEventListener('abort', stop, { once: true });
  const types = typeCache();
  try {
    for await (const item of subscription) {
      if (options.signal?.aborted) return;
      if (item.kind === 'caught_up') {
        options.caughtUp?.(item.position);
        continue;
      }
      const change = await changeOf(log, item.event, types.get);
      if (change === null) continue;
      types.set(change.state_id, change.type);
      yield change;
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await subscription.close();
  }
}
