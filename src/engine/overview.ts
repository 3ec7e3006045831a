import type { ScanRow, SyncStatusRow } from '../../projections/index.js';
import { sql, type Core } from './core.js';
import { scanRecord, type ScanRecord } from './records.js';

/**
 * The newest scan of each account and region, whatever its status (a running or failed scan is what an overview
 * must show), from the scans read model.
 */
export const latestScans = (core: Core): ScanRecord[] =>
  sql<[], ScanRow>(
    core,
    `SELECT * FROM scans AS s WHERE scan_id = (SELECT scan_id FROM scans AS x
       WHERE x.account_id = s.account_id AND x.region = s.region ORDER BY started_at DESC, scan_id DESC LIMIT 1)
     ORDER BY account_id, region`,
  )
    .all()
    .map(scanRecord);

/** One direction of what this data dir exchanged with a hub for one origin. */
export interface SyncOriginRecord {
  readonly hub: string;
  readonly origin: string;
  /** push: this data dir's own events out to the hub; pull: another origin's events in. */
  readonly direction: 'push' | 'pull';
  readonly position: number;
  readonly batches: number;
  readonly last_recorded_at: string | null;
  readonly last_sync_at: string;
  /** Pulls: seconds from the newest event pulled of that origin to now; null for pushes or before a chained pull. */
  readonly lag_seconds: number | null;
  readonly blocked: { readonly reason: string; readonly at: string } | null;
}

export interface SyncOverview {
  readonly origin: string;
  readonly head_position: number;
  readonly origins: readonly SyncOriginRecord[];
}

/** From the sync_status read model: nothing is listed on a hub, nothing is read from the log. */
export const syncOverview = (core: Core): SyncOverview => {
  const now = core.clock();
  const rows = sql<[], SyncStatusRow>(core, 'SELECT * FROM sync_status ORDER BY hub, direction DESC, origin').all();
  return {
    origin: core.store.origin,
    head_position: core.store.headPositionSync(),
    origins: rows.map((r) => ({
      hub: r.hub,
      origin: r.origin,
      direction: r.direction,
      position: r.position,
      batches: r.batches,
      last_recorded_at: r.last_recorded_at,
      last_sync_at: r.last_sync_at,
      lag_seconds:
        r.direction === 'pull' && r.last_recorded_at !== null
          ? Math.max(0, Math.round((now - Date.parse(r.last_recorded_at)) / 1000))
          : null,
      blocked: r.blocked_reason === null ? null : { reason: r.blocked_reason, at: r.blocked_at ?? r.last_sync_at },
    })),
  };
};
