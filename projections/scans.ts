import type Database from 'better-sqlite3';
import { scan, isScanEvent, type Scan } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type Instant, type JsonRecord, type RecordedEvent, type ScanStatus } from '../src/events/index.js';
import type { Projection, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

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

const rowOf = (s: Scan, origin: string): ScanRow => ({
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
});

export const scansProjection: Projection = {
  name: 'scans',
  version: 2,
  tables: ['scans'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('scans')} (scan_id TEXT PRIMARY KEY, snapshot_id TEXT NOT NULL, status TEXT NOT NULL,
      started_at TEXT NOT NULL, completed_at TEXT, config_name TEXT NOT NULL, account_id TEXT NOT NULL,
      region TEXT NOT NULL, collectors TEXT NOT NULL, full_scope INTEGER NOT NULL, asset_count INTEGER NOT NULL,
      finding_count INTEGER NOT NULL, error_message TEXT NOT NULL, duration_seconds REAL NOT NULL,
      metadata TEXT NOT NULL, origin TEXT NOT NULL) STRICT`,
    `CREATE INDEX ${t('scans_by_start')} ON ${t('scans')} (started_at DESC, scan_id DESC)`,
    `CREATE INDEX ${t('scans_by_scope')} ON ${t('scans')} (account_id, region, status, completed_at DESC)`,
  ],
  prepare(db: Database.Database, t: TableNamer) {
    const load = db.prepare<[string], ScanRow>(`SELECT * FROM ${t('scans')} WHERE scan_id = ?`);
    const save = rowWriter<ScanRow>(db, t('scans'), 'scan_id');
    const drop = db.prepare<[string]>(`DELETE FROM ${t('scans')} WHERE scan_id = ?`);
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isScanEvent(e)) return;
      const row = load.get(e.data.scanId);
      // A scan is its starter's: another origin that names the same scan id (in its own chain of the stream) moves
      // nothing; the first start in fold order holds the row on every replica.
      if (row !== undefined && row.origin !== event.meta.origin) return;
      const next = scan.evolve(row === undefined ? null : scanFromRow(row), e);
      // Retention: an archived scan leaves the read model; its events stay in the log for audit.
      if (next === null || next.archived) drop.run(e.data.scanId);
      else save(row, rowOf(next, event.meta.origin));
    };
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (isScanEvent(e)) drop.run(e.data.scanId);
    };
    return { apply, forget };
  },
};
