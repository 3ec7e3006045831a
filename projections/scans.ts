import { scan, isScanEvent, scanTypes, type Scan } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type Instant, type JsonRecord, type ScanStatus } from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

/** A row of the scans table, named as the original's ScanRecord.to_dict. */
export interface ScanRow {
  scan_id: string;
  snapshot_id: string;
  status: ScanStatus;
  started_at: string;
  completed_at: string | null;
  config_name: string;
  account_id: string;
  region: string;
  collectors: string;
  full_scope: number;
  asset_count: number;
  finding_count: number;
  error_message: string;
  duration_seconds: number;
  metadata: string;
  /** The origin that started the scan: only its events move the row. */
  origin: string;
  /** This origin's revision of the scan's stream (-1: none), and the position of the last event folded. */
  revision: number;
  position: number;
}

export const scanFromRow = (r: ScanRow): Scan => ({
  scanId: r.scan_id,
  snapshotId: r.snapshot_id,
  status: r.status,
  startedAt: r.started_at as Instant,
  completedAt: r.completed_at as Instant | null,
  configName: r.config_name,
  accountId: r.account_id,
  region: r.region,
  collectors: JSON.parse(r.collectors) as string[],
  fullScope: r.full_scope === 1,
  assetCount: r.asset_count,
  findingCount: r.finding_count,
  errorMessage: r.error_message,
  durationSeconds: r.duration_seconds,
  metadata: JSON.parse(r.metadata) as JsonRecord,
  archived: false,
});

const rowOf = (s: Scan, origin: string, revision: number, position: number): ScanRow => ({
  scan_id: s.scanId,
  snapshot_id: s.snapshotId,
  status: s.status,
  started_at: s.startedAt,
  completed_at: s.completedAt,
  config_name: s.configName,
  account_id: s.accountId,
  region: s.region,
  collectors: JSON.stringify(s.collectors),
  full_scope: s.fullScope ? 1 : 0,
  asset_count: s.assetCount,
  finding_count: s.findingCount,
  error_message: s.errorMessage,
  duration_seconds: s.durationSeconds,
  // Canonical: the live event keeps its writer's key order, a rebuild reads the stored (sorted) JSON.
  metadata: canonicalJson(s.metadata),
  origin,
  revision,
  position,
});

/** The key of a scope's counter in `scan_scopes`: JSON, so any account or region name (`:` included) stays apart. */
export const scanScopeKey = (accountId: string, region: string): string => JSON.stringify([accountId, region]);

export const scanScopeOf = (key: string): { accountId: string; region: string } => {
  const [accountId, region] = JSON.parse(key) as [string, string];
  return { accountId, region };
};

const scopes = 'scan_scopes';

/**
 * Scans as the original's ScanRecord. A scan is its starter's: another origin that names the same scan id (in its
 * own chain of the stream) moves nothing, and the first start in fold order holds the row on every replica.
 * Retention: an archived scan leaves the read model; its events stay in the log for audit.
 *
 * `scan_scopes` counts the scans of each (account, region) in the read model (a counter, gone at zero): the scopes an
 * overview lists, each then answered by one read of the scans_by_scope_start index (GET /v1/scans/latest). A count,
 * not a pointer to the newest scan: a row leaves on retention (ScanArchived names no scope, so `reads` could not ask
 * for a pointer row to move), and only the scans table itself knows which scan is newest after that.
 */
export const scansProjection: Projection = {
  name: 'scans',
  version: 4, // 4: scan_scopes and the scans_by_scope_start index (the dashboard's latest scan per scope)
  handles: [...scanTypes],
  partition: 'stream',
  tables: [
    {
      name: 'scans',
      columns: columns(`scan_id:text snapshot_id:text status:text started_at:text completed_at:text? config_name:text
        account_id:text region:text collectors:text full_scope:integer asset_count:integer finding_count:integer
        error_message:text duration_seconds:real metadata:text origin:text revision:integer position:integer`),
      key: ['scan_id'],
      indexes: [
        { name: 'scans_by_start', columns: ['started_at', 'scan_id'] },
        { name: 'scans_by_scope', columns: ['account_id', 'region', 'status', 'completed_at'] },
        { name: 'scans_by_scope_start', columns: ['account_id', 'region', 'started_at', 'scan_id'] },
      ],
    },
    { name: scopes, columns: columns('key:text value:real'), key: ['key'], counters: true },
  ],
  reads: (event) => (isScanEvent(event) ? [{ table: 'scans', key: [(event.data as { scanId: string }).scanId] }] : []),
  apply(rows, event, context) {
    const e = asDomainEvent(event);
    if (!isScanEvent(e)) return;
    const row = rows.get('scans', [e.data.scanId]) as ScanRow | undefined;
    const local = context.merge().local;
    // This replica's own retention archives any scan it holds, whoever started it.
    const archivedHere = e.type === 'ScanArchived' && event.meta.origin === local;
    if (row !== undefined && row.origin !== event.meta.origin && !archivedHere) return;
    const next = scan.evolve(row === undefined ? null : scanFromRow(row), e);
    if (next === null || next.archived) {
      if (row === undefined) return;
      rows.delete('scans', [e.data.scanId]);
      rows.add(scopes, scanScopeKey(row.account_id, row.region), -1);
    } else {
      const revision = event.meta.origin === local ? event.revision : (row?.revision ?? -1);
      rows.put('scans', rowOf(next, event.meta.origin, revision, event.position) as unknown as Row);
      // A scan's scope is set by its start and never moves.
      if (row === undefined) rows.add(scopes, scanScopeKey(next.accountId, next.region), 1);
    }
  },
  forget(rows, event) {
    const e = asDomainEvent(event);
    if (!isScanEvent(e)) return;
    const row = rows.get('scans', [e.data.scanId]) as ScanRow | undefined;
    if (row === undefined) return;
    rows.delete('scans', [e.data.scanId]);
    rows.add(scopes, scanScopeKey(row.account_id, row.region), -1);
  },
};
