import { instantOf, type RecordedEvent } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { appendRecords } from '../engine/replication.js';
import type { StateEngine } from '../engine/index.js';
import { decodeBatch, encodeBatch, type BatchSecurity, type EncodedBatch } from './batch.js';
import type { HubStorage } from './hub/index.js';
import { hubStream, originPrefix, parseBatchKey } from './naming.js';
import type { SyncResult } from './result.js';
import { hubState, isReplicated } from './state.js';

export interface PushOptions {
  readonly batchSize: number;
  readonly security: BatchSecurity;
  readonly clock: () => number;
  /** Called after each batch, for progress. */
  readonly onBatch?: (events: number) => void;
}

/** The store's own events after a position that sync replicates, in position order, `size` at a time. */
function* ownBatches(engine: StateEngine, after: number, size: number): Generator<RecordedEvent[]> {
  let batch: RecordedEvent[] = [];
  for (const e of engine.store.readAllSync({ fromPosition: after })) {
    if (e.meta.origin !== engine.store.origin || !isReplicated(e.stream)) continue;
    batch.push(e);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const sameEvents = (a: readonly unknown[], b: readonly RecordedEvent[]): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const e = x as { id?: unknown; checksum?: unknown };
    return e.id === b[i]?.id && e.checksum === b[i]?.checksum;
  });

/**
 * Pushes own events the hub does not have yet as immutable batches. A create that meets an existing object is
 * compared by content: the same events (a retried or interrupted earlier push) count as already there; other
 * events under our name mean our history diverged from what the hub holds (a data dir restored from an old
 * backup), which stops the push and is reported: nothing on the hub is overwritten.
 */
export const push = async (engine: StateEngine, hub: HubStorage, options: PushOptions, result: SyncResult): Promise<void> => {
  const origin = engine.store.origin;
  let previous = hubState(engine.store, hub.url).pushed;
  // A batch an interrupted push created but did not record: adopt it when it holds exactly our events.
  const onHub = new Map<number, number>();
  for await (const key of hub.list(originPrefix(origin))) {
    const name = parseBatchKey(key);
    if (name !== null && name.origin === origin && name.first > previous) onHub.set(name.first, Math.max(onHub.get(name.first) ?? 0, name.last));
  }
  for (const events of ownBatches(engine, previous, options.batchSize)) {
    const first = events[0] as RecordedEvent;
    const adopt = onHub.get(first.position);
    const chosen = adopt === undefined ? events : events.filter((e) => e.position <= adopt);
    const batch = encodeBatch(origin, chosen, previous, options.security);
    const created = await hub.create(batch.key, batch.body, batch.metadata);
    if (created === 'exists' && !(await holdsSame(hub, batch, chosen, options.security))) {
      result.success = false;
      result.errors.push(
        `push ${batch.key}: the hub holds other events under this name: this data dir's history diverged from what it pushed before (restored from a backup?). Nothing was overwritten; pull first, or give this data dir a new origin.`,
      );
      return;
    }
    if (created === 'exists') result.records_skipped += chosen.length;
    else result.records_synced += chosen.length;
    const last = chosen[chosen.length - 1] as RecordedEvent;
    appendRecords(engine, [
      {
        stream: hubStream(hub.url),
        events: [
          {
            type: 'SyncPushed',
            data: { hub: hub.url, batch: batch.key, firstPosition: first.position, lastPosition: last.position, count: chosen.length, sha256: batch.sha256, at: instantOf(options.clock()) },
          },
        ],
      },
    ]);
    result.batches_pushed += 1;
    previous = last.position;
    options.onBatch?.(chosen.length);
    // The rest of an adopted range's batch goes in the next round of the loop (it starts after `previous`).
    if (chosen.length < events.length) return push(engine, hub, options, result);
  }
};

const holdsSame = async (hub: HubStorage, batch: EncodedBatch, events: readonly RecordedEvent[], security: BatchSecurity): Promise<boolean> => {
  const name = parseBatchKey(batch.key);
  const object = await hub.read(batch.key);
  if (name === null || object === null) return false;
  if (object.metadata.sha256 === batch.sha256) return true;
  try {
    return sameEvents(decodeBatch(name, object, { ...security, trusted: null }).events, events);
  } catch (error) {
    if (error instanceof InvalidInput) return false;
    throw error;
  }
};
