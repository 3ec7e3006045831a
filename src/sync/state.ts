import { asDomainEvent, categoryOf, replicatedCategories, type Json } from '../events/index.js';
import type { EventLog } from '../ports/backend.js';
import { hubStream } from './naming.js';

/** What this data dir pulled of one origin from one hub. */
export interface OriginPullState {
  /** The last of its positions applied (0: none). */
  readonly position: number;
  /** The SHA-256 of the last batch applied: the next one must name it as its previous. */
  readonly sha256: string | null;
  /** Whether that batch was of the chained format (v2): then only the origin's newer epoch folders are listed. */
  readonly chained: boolean;
  /** The newest recordedAt applied: the origin's clock may not go back behind it. */
  readonly lastRecordedAt: string | null;
  readonly batches: number;
  /** Why its pulls stopped, when they did and nothing was applied since. */
  readonly blocked: { readonly reason: string; readonly batch: string | null; readonly at: string } | null;
  readonly capped: number;
}

/** What this data dir has exchanged with one hub, folded from its `sync-<hub>` stream. */
export interface HubState {
  /** The last own position pushed (0: none), and the SHA-256 of that batch (the next batch's previous). */
  readonly pushed: number;
  readonly pushedSha256: string | null;
  readonly pushedBatches: number;
  readonly origins: ReadonlyMap<string, OriginPullState>;
  readonly pulledBatches: number;
  readonly conflicts: number;
  readonly lastSyncAt: string | null;
}

const empty: OriginPullState = { position: 0, sha256: null, chained: false, lastRecordedAt: null, batches: 0, blocked: null, capped: 0 };

export const hubState = async (log: EventLog, hub: string): Promise<HubState> => {
  let pushed = 0;
  let pushedSha256: string | null = null;
  let pushedBatches = 0;
  let pulledBatches = 0;
  let conflicts = 0;
  let lastSyncAt: string | null = null;
  const origins = new Map<string, OriginPullState>();
  const update = (origin: string, change: (s: OriginPullState) => OriginPullState) =>
    origins.set(origin, change(origins.get(origin) ?? empty));
  for await (const recorded of log.readStream(hubStream(hub))) {
    const e = asDomainEvent(recorded);
    switch (e.type) {
      case 'SyncPushed':
        if (e.data.lastPosition >= pushed) {
          pushed = e.data.lastPosition;
          pushedSha256 = e.data.sha256;
        }
        pushedBatches += 1;
        lastSyncAt = e.data.at;
        break;
      case 'SyncPulled': // a batch of the first format
        update(e.data.origin, (s) => ({
          ...s,
          position: Math.max(s.position, e.data.lastPosition),
          sha256: e.data.sha256,
          batches: s.batches + 1,
          blocked: null,
        }));
        pulledBatches += 1;
        lastSyncAt = e.data.at;
        break;
      case 'SyncBatchPulled':
        update(e.data.origin, (s) => ({
          ...s,
          position: Math.max(s.position, e.data.lastPosition),
          sha256: e.data.sha256,
          chained: true,
          lastRecordedAt: s.lastRecordedAt === null || e.data.lastRecordedAt > s.lastRecordedAt ? e.data.lastRecordedAt : s.lastRecordedAt,
          batches: s.batches + 1,
          blocked: null,
        }));
        pulledBatches += 1;
        lastSyncAt = e.data.at;
        break;
      case 'SyncOriginBlocked':
        update(e.data.origin, (s) => ({ ...s, blocked: { reason: e.data.reason, batch: e.data.batch, at: e.data.at } }));
        break;
      case 'SyncClockCapped':
        update(e.data.origin, (s) => ({ ...s, capped: s.capped + e.data.count }));
        break;
      case 'SyncConflictResolved':
        conflicts += 1;
        break;
      default:
        break;
    }
  }
  return { pushed, pushedSha256, pushedBatches, origins, pulledBatches, conflicts, lastSyncAt };
};

/**
 * What travels: scans, findings and checkpoints, and nothing else, so a new category stays local until it is named
 * in `replicatedCategories`. Sync records and trust material stay local (they are this replica's own state),
 * scheduler jobs never cross (a job runs commands on the data dir that owns it), nor do tokens and policies (a
 * replica must never grant access), and retention is each replica's own: a scan's archiving is not replicated.
 */
export const isReplicated = (stream: string, type?: string): boolean =>
  (replicatedCategories as readonly string[]).includes(categoryOf(stream)) && type !== 'ScanArchived';

/** The hubs this data dir has synced with, from the hub URLs its sync records name. */
export const knownHubs = async (log: EventLog): Promise<string[]> => {
  const hubs = new Set<string>();
  for await (const e of log.readAll({ filter: { streamPrefix: 'sync-', types: ['SyncPushed', 'SyncPulled', 'SyncBatchPulled'] } }))
    if (e.meta.origin === log.origin) hubs.add((e.data as { hub: string }).hub);
  return [...hubs].sort();
};

/** Own events not yet pushed to a hub. */
export const unpushed = async (log: EventLog, after: number): Promise<number> => {
  let n = 0;
  for await (const e of log.readAll({ fromPosition: after })) if (e.meta.origin === log.origin && isReplicated(e.stream, e.type)) n += 1;
  return n;
};

/** The trust material this replica recorded (its `sync-trust` stream), newest last. */
export interface TrustRecords {
  readonly document: Json | null;
  readonly credentials: readonly { readonly serial: string; readonly document: Json }[];
  readonly revocations: readonly { readonly key: string; readonly document: Json }[];
  readonly authority: Json | null;
}

export const trustStreamName = 'sync-trust';

export const trustRecords = async (log: EventLog): Promise<TrustRecords> => {
  let document: Json | null = null;
  let authority: Json | null = null;
  const credentials: { serial: string; document: Json }[] = [];
  const revocations: { key: string; document: Json }[] = [];
  // Local by construction (sync never imports sync-* streams), so read under any name this data dir had.
  for (const recorded of await log.readEntity(trustStreamName)) {
    const e = asDomainEvent(recorded);
    if (e.type === 'SyncTrustSet') document = e.data.document as Json;
    else if (e.type === 'SyncCredentialRecorded') credentials.push({ serial: e.data.serial, document: e.data.document as Json });
    else if (e.type === 'SyncRevocationRecorded')
      revocations.push({ key: `${e.data.origin}\u0000${e.data.serial ?? ''}\u0000${e.data.keepThrough}`, document: e.data.document as Json });
    else if (e.type === 'SyncAuthorityRecorded') authority = { mode: e.data.mode, central: e.data.central, origins: e.data.origins } as Json;
  }
  return { document, credentials, revocations, authority };
};
