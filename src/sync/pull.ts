import { instantOf, type DomainEvent, type ConflictPolicy } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { importReplicated } from '../engine/replication.js';
import type { StateEngine } from '../engine/index.js';
import { decodeBatch, type BatchSecurity } from './batch.js';
import type { HubStorage } from './hub/index.js';
import { hubStream, parseBatchKey, type BatchName } from './naming.js';
import type { SyncResult } from './result.js';
import { hubState, isReplicated } from './state.js';

export interface PullOptions {
  readonly security: BatchSecurity;
  readonly policy: ConflictPolicy;
  readonly clock: () => number;
  readonly onBatch?: (events: number) => void;
}

/** Every batch on the hub, by origin, each origin's in position order. */
const listBatches = async (hub: HubStorage): Promise<Map<string, BatchName[]>> => {
  const byOrigin = new Map<string, BatchName[]>();
  for await (const key of hub.list('')) {
    const name = parseBatchKey(key);
    if (name === null) continue;
    byOrigin.set(name.origin, [...(byOrigin.get(name.origin) ?? []), name]);
  }
  for (const names of byOrigin.values()) names.sort((a, b) => a.first - b.first || a.last - b.last);
  return byOrigin;
};

/**
 * Pulls the batches of every other origin this data dir has not applied, in each origin's position order. A batch
 * is checked whole (see decodeBatch, then every event's chain in the import) and applied in one transaction with
 * the record of its pull, so a crash at any point leaves either both or neither. A bad batch stops that origin
 * (what follows depends on it) and is reported; other origins go on.
 */
export const pull = async (engine: StateEngine, hub: HubStorage, options: PullOptions, result: SyncResult): Promise<void> => {
  const own = engine.store.origin;
  const state = hubState(engine.store, hub.url);
  const batches = await listBatches(hub);
  for (const [origin, names] of [...batches].sort(([a], [b]) => a.localeCompare(b))) {
    // Our own batches come back only to restore a data dir that lost what it had pushed.
    let pulled = origin === own ? Math.max(state.pushed, state.pulled.get(origin) ?? 0) : (state.pulled.get(origin) ?? 0);
    for (const name of names) {
      if (name.last <= pulled) continue;
      const object = await hub.read(name.key);
      if (object === null) continue;
      let events: readonly unknown[];
      let sha256: string;
      try {
        const decoded = decodeBatch(name, object, options.security);
        if (decoded.previous > pulled) {
          result.errors.push(`pull ${name.key}: follows position ${decoded.previous} of ${origin}, but only ${pulled} was pulled: a batch is missing; the rest of ${origin} waits`);
          result.success = false;
          break;
        }
        ({ events, sha256 } = decoded);
        // Only what replicates may arrive: a token or policy event from a hub would let whoever writes to the hub
        // grant themselves access here.
        events.forEach((e, i) => {
          const stream = (e as { stream?: unknown } | null)?.stream;
          if (typeof stream !== 'string' || !isReplicated(stream))
            throw new InvalidInput(`${name.key} line ${i + 1}.stream`, stream, 'a stream of a replicated category (scan, finding, checkpoint)');
        });
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        result.errors.push(`pull rejected: ${error.message}`);
        result.rejected_batches += 1;
        result.success = false;
        break;
      }
      const at = instantOf(options.clock());
      try {
        const outcome = importReplicated(engine, events, (o) => {
          const records: DomainEvent[] = o.diverged.map((d) => ({
            type: 'SyncConflictResolved',
            data: {
              hub: hub.url,
              origin: d.origin,
              stream: d.stream,
              revision: d.revision,
              localChecksum: d.localChecksum,
              remoteChecksum: d.remoteChecksum,
              policy: options.policy,
              // The log is append-only: the copy it holds stays; the other is reported here (and stays on the hub).
              kept: 'local',
              at,
            },
          }));
          records.push({
            type: 'SyncPulled',
            data: { hub: hub.url, origin, batch: name.key, firstPosition: name.first, lastPosition: name.last, count: events.length, applied: o.imported.length, sha256, at },
          });
          return [{ stream: hubStream(hub.url), events: records }];
        });
        result.records_synced += outcome.imported.length;
        result.records_skipped += outcome.skipped;
        result.conflicts_resolved += outcome.diverged.length;
        for (const d of outcome.diverged)
          result.errors.push(`diverged: ${d.stream} revision ${d.revision} of ${d.origin} differs (local ${d.localChecksum.slice(0, 12)}…, hub ${d.remoteChecksum.slice(0, 12)}…); kept the local event, recorded both`);
        result.batches_pulled += 1;
        options.onBatch?.(events.length);
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        result.errors.push(`pull rejected: batch ${name.key}: ${error.message}`);
        result.rejected_batches += 1;
        result.success = false;
        break;
      }
      pulled = name.last;
    }
  }
};
