import type Database from 'better-sqlite3';
import { asDomainEvent, type DomainEvent, type RecordedEvent } from '../src/events/index.js';
import type { Projection, TableNamer } from './projection.js';

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
export const syncStatusProjection: Projection = {
  name: 'sync_status',
  version: 1,
  tables: ['sync_status'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('sync_status')} (hub TEXT NOT NULL, origin TEXT NOT NULL, direction TEXT NOT NULL,
      position INTEGER NOT NULL, batches INTEGER NOT NULL, last_recorded_at TEXT, last_sync_at TEXT NOT NULL,
      blocked_reason TEXT, blocked_at TEXT, PRIMARY KEY (hub, origin, direction)) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer) {
    const load = db.prepare<[string, string, string], SyncStatusRow>(
      `SELECT * FROM ${t('sync_status')} WHERE hub = ? AND origin = ? AND direction = ?`,
    );
    const save = db.prepare<[SyncStatusRow]>(
      `INSERT OR REPLACE INTO ${t('sync_status')} (hub, origin, direction, position, batches, last_recorded_at,
        last_sync_at, blocked_reason, blocked_at) VALUES (@hub, @origin, @direction, @position, @batches,
        @last_recorded_at, @last_sync_at, @blocked_reason, @blocked_at)`,
    );
    const apply = (event: RecordedEvent) => {
      if (!event.stream.startsWith('sync-')) return;
      const step = syncStepOf(asDomainEvent(event), event.meta.origin);
      if (step === null) return;
      const row = load.get(step.hub, step.origin, step.direction) ?? fresh(step.hub, step.origin, step.direction, event.meta.recordedAt);
      save.run(step.change(row));
    };
    return { apply };
  },
};
