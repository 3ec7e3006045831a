import type Database from 'better-sqlite3';
import { checkpoint, checkpointIdOf, isCheckpointEvent, type Checkpoint } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type Instant, type JsonRecord, type RecordedEvent } from '../src/events/index.js';
import type { Projection, TableNamer } from './projection.js';

/** A row of the checkpoints table, named as the original's Checkpoint.to_dict. */
export interface CheckpointRow {
  checkpoint_id: string;
  collector_name: string;
  account_id: string;
  region: string;
  last_scan_id: string;
  last_scan_time: string;
  cursor: string;
  metadata: string;
}

export const checkpointFromRow = (r: CheckpointRow): Checkpoint => ({
  collector: r.collector_name,
  accountId: r.account_id,
  region: r.region,
  scanId: r.last_scan_id,
  scanTime: r.last_scan_time as Instant,
  cursor: r.cursor,
  metadata: JSON.parse(r.metadata) as JsonRecord,
});

export const checkpointsProjection: Projection = {
  name: 'checkpoints',
  // 2: checkpoint_id encodes `%` and `:` in scope parts, so scopes that collided on `:` get rows of their own.
  version: 2,
  tables: ['checkpoints'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('checkpoints')} (checkpoint_id TEXT PRIMARY KEY, collector_name TEXT NOT NULL,
      account_id TEXT NOT NULL, region TEXT NOT NULL, last_scan_id TEXT NOT NULL, last_scan_time TEXT NOT NULL,
      cursor TEXT NOT NULL, metadata TEXT NOT NULL, UNIQUE (collector_name, account_id, region)) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer) {
    const load = db.prepare<[string, string, string], CheckpointRow>(
      `SELECT * FROM ${t('checkpoints')} WHERE collector_name = ? AND account_id = ? AND region = ?`,
    );
    const save = db.prepare<[CheckpointRow]>(
      `INSERT OR REPLACE INTO ${t('checkpoints')} VALUES (@checkpoint_id, @collector_name, @account_id, @region,
        @last_scan_id, @last_scan_time, @cursor, @metadata)`,
    );
    const drop = db.prepare<[string]>(`DELETE FROM ${t('checkpoints')} WHERE checkpoint_id = ?`);
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isCheckpointEvent(e)) return;
      const key = e.data;
      const row = load.get(key.collector, key.accountId, key.region);
      const next = checkpoint.evolve(row === undefined ? null : checkpointFromRow(row), e);
      const id = checkpointIdOf(key);
      if (next === null) drop.run(id);
      else
        save.run({
          checkpoint_id: id,
          collector_name: next.collector,
          account_id: next.accountId,
          region: next.region,
          last_scan_id: next.scanId,
          last_scan_time: next.scanTime,
          cursor: next.cursor,
          metadata: canonicalJson(next.metadata),
        });
    };
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (isCheckpointEvent(e)) drop.run(checkpointIdOf(e.data));
    };
    return { apply, forget };
  },
};
