import { asDomainEvent, categoryOf, replicatedCategories } from '../events/index.js';
import type { SqliteEventStore } from '../store/index.js';
import { hubStream, originStream } from './naming.js';

/** What this data dir has exchanged with one hub, folded from its `sync-<hub>` stream. */
export interface HubState {
  /** The last own position pushed (0: none). */
  readonly pushed: number;
  readonly pushedBatches: number;
  /** Per remote origin: the last of its positions pulled. */
  readonly pulled: ReadonlyMap<string, number>;
  readonly pulledBatches: number;
  readonly conflicts: number;
  readonly lastSyncAt: string | null;
}

export const hubState = (store: SqliteEventStore, hub: string): HubState => {
  let pushed = 0;
  let pushedBatches = 0;
  let pulledBatches = 0;
  let conflicts = 0;
  let lastSyncAt: string | null = null;
  const pulled = new Map<string, number>();
  for (const recorded of store.readStreamSync(hubStream(hub))) {
    const e = asDomainEvent(recorded);
    switch (e.type) {
      case 'SyncPushed':
        pushed = Math.max(pushed, e.data.lastPosition);
        pushedBatches += 1;
        lastSyncAt = e.data.at;
        break;
      case 'SyncPulled':
        pulled.set(e.data.origin, Math.max(pulled.get(e.data.origin) ?? 0, e.data.lastPosition));
        pulledBatches += 1;
        lastSyncAt = e.data.at;
        break;
      case 'SyncConflictResolved':
        conflicts += 1;
        break;
      default:
        break;
    }
  }
  return { pushed, pushedBatches, pulled, pulledBatches, conflicts, lastSyncAt };
};

/**
 * What travels: scans, findings and checkpoints, and an origin's name; nothing else, so a new category stays local
 * until it is named here. Sync records stay local (they would otherwise make every push create more to push), and
 * so do scheduler jobs (a job fires on the data dir that owns it; the scans its runs start do travel), tokens and
 * policies (who may act here is this data dir's own business: a replica must never grant access).
 */
export const isReplicated = (stream: string): boolean =>
  stream === originStream || (replicatedCategories as readonly string[]).includes(categoryOf(stream));

/** The hubs this data dir has synced with, from the hub URLs its sync records name. */
export const knownHubs = (store: SqliteEventStore): string[] => {
  const hubs = new Set<string>();
  for (const e of store.readAllSync({ filter: { streamPrefix: 'sync-', types: ['SyncPushed', 'SyncPulled'] } }))
    if (e.meta.origin === store.origin) hubs.add((e.data as { hub: string }).hub);
  return [...hubs].sort();
};

/** Own events not yet pushed to a hub. */
export const unpushed = (store: SqliteEventStore, after: number): number => {
  let n = 0;
  for (const e of store.readAllSync({ fromPosition: after })) if (e.meta.origin === store.origin && isReplicated(e.stream)) n += 1;
  return n;
};
