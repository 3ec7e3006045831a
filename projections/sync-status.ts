import { asDomainEvent, type DomainEvent, type RecordedEvent } from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

/** Per hub and origin, one direction: this data dir's pushes (its own origin) or its pulls of another origin. */
export interface SyncStatusRow {
  hub: string;
  origin: string;
  direction: 'push' | 'pull';
  /** The last position pushed, or the last of the origin's positions applied. */
  position: number;
  batches: number;
  /** The newest recordedAt among the origin's events applied (pulls of chained batches only). */
  last_recorded_at: string | null;
  /** When this data dir last pushed to or pulled from the hub for this origin. */
  last_sync_at: string;
  blocked_reason: string | null;
  blocked_at: string | null;
}

export interface SyncStep {
  readonly hub: string;
  readonly origin: string;
  readonly direction: 'push' | 'pull';
  readonly change: (row: SyncStatusRow) => SyncStatusRow;
}

const fresh = (hub: string, origin: string, direction: 'push' | 'pull', at: string): SyncStatusRow => ({
  hub,
  origin,
  direction,
  position: 0,
  batches: 0,
  last_recorded_at: null,
  last_sync_at: at,
  blocked_reason: null,
  blocked_at: null,
});

/**
 * The pure step: which row a sync record moves, and how. Pushes name no origin (it is the recording data dir's own);
 * a pull clears a block of its origin, as a later SyncBatchPulled does in `sync status`.
 */
export const syncStepOf = (e: DomainEvent, ownOrigin: string): SyncStep | null => {
  switch (e.type) {
    case 'SyncPushed':
      return {
        hub: e.data.hub,
        origin: ownOrigin,
        direction: 'push',
        change: (r) => ({ ...r, position: Math.max(r.position, e.data.lastPosition), batches: r.batches + 1, last_sync_at: e.data.at }),
      };
    case 'SyncPulled':
    case 'SyncBatchPulled': {
      const newest = e.type === 'SyncBatchPulled' ? e.data.lastRecordedAt : null;
      return {
        hub: e.data.hub,
        origin: e.data.origin,
        direction: 'pull',
        change: (r) => ({
          ...r,
          position: Math.max(r.position, e.data.lastPosition),
          batches: r.batches + 1,
          last_recorded_at: newest !== null && (r.last_recorded_at === null || newest > r.last_recorded_at) ? newest : r.last_recorded_at,
          last_sync_at: e.data.at,
          blocked_reason: null,
          blocked_at: null,
        }),
      };
    }
    case 'SyncOriginBlocked':
      return {
        hub: e.data.hub,
        origin: e.data.origin,
        direction: 'pull',
        change: (r) => ({ ...r, blocked_reason: e.data.reason, blocked_at: e.data.at }),
      };
    default:
      return null;
  }
};

/**
 * What this data dir exchanged with each hub, for `GET /v1/sync` (the dashboard's sync lag): its own pushes, and per
 * other origin how far its pulls got and how new the newest event pulled is. Sync records are local (never
 * replicated), so only this data dir's own records move it.
 */
const stepOf = (event: RecordedEvent): SyncStep | null =>
  event.stream.startsWith('sync-') ? syncStepOf(asDomainEvent(event), event.meta.origin) : null;

export const syncStatusProjection: Projection = {
  name: 'sync_status',
  version: 2,
  handles: ['SyncPushed', 'SyncPulled', 'SyncBatchPulled', 'SyncOriginBlocked'],
  tables: [
    {
      name: 'sync_status',
      columns: columns(`hub:text origin:text direction:text position:integer batches:integer last_recorded_at:text?
        last_sync_at:text blocked_reason:text? blocked_at:text?`),
      key: ['hub', 'origin', 'direction'],
    },
  ],
  reads: (event) => {
    const step = stepOf(event);
    return step === null ? [] : [{ table: 'sync_status', key: [step.hub, step.origin, step.direction] }];
  },
  apply(rows, event) {
    const step = stepOf(event);
    if (step === null) return;
    const row =
      (rows.get('sync_status', [step.hub, step.origin, step.direction]) as SyncStatusRow | undefined) ??
      fresh(step.hub, step.origin, step.direction, event.meta.recordedAt);
    rows.put('sync_status', step.change(row) as unknown as Row);
  },
};
