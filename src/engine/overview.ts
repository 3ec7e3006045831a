import { scanScopeOf, type ScanRow, type SyncStatusRow } from '../../projections/index.js';
import type { Core } from './core.js';
import { scanRecord, type ScanRecord } from './records.js';

/**
 * The newest scan of each account and region, whatever its status (a running or failed scan is what an overview
 * must show): the scopes from the scan_scopes counters, then per scope one row of the scans_by_scope_start index.
 * A read per scope, each a single index step, whatever the number of scans kept.
 */
export const latestScans = async (core: Core): Promise<ScanRecord[]> => {
  const scopes = [...(await core.backend.models.counters('scan_scopes')).keys()]
    .map(scanScopeOf)
    .sort((a, b) => (a.accountId === b.accountId ? cmp(a.region, b.region) : cmp(a.accountId, b.accountId)));
  const latest: ScanRecord[] = [];
  for (const { accountId, region } of scopes) {
    const [row] = await core.backend.models.rows({
      table: 'scans',
      where: [
        { column: 'account_id', op: '=', value: accountId },
        { column: 'region', op: '=', value: region },
      ],
      order: [
        { column: 'started_at', desc: true },
        { column: 'scan_id', desc: true },
      ],
      limit: 1,
    });
    if (row !== undefined) latest.push(scanRecord(row as unknown as ScanRow));
  }
  return latest;
};

/** Code-unit order, as SQL's ORDER BY on text compares (localeCompare would not). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
export const syncOverview = async (core: Core): Promise<SyncOverview> => {
  const now = core.clock();
  const rows = (await core.backend.models.rows({
    table: 'sync_status',
    order: [{ column: 'hub' }, { column: 'direction', desc: true }, { column: 'origin' }],
  })) as unknown as SyncStatusRow[];
  return {
    origin: core.backend.origin,
    head_position: await core.backend.log.headPosition(),
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
