import { checkpoint, checkpointIdOf, checkpointStreamOf, isCheckpointEvent, type Checkpoint, type CheckpointKey } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type Instant, type JsonRecord } from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

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
  /** This origin's revision of the checkpoint's stream (-1: none), and the position of the last event folded. */
  revision: number;
  position: number;
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
  version: 3,
  handles: ['CheckpointUpdated', 'CheckpointDeleted'],
  tables: [
    {
      name: 'checkpoints',
      columns: columns(`checkpoint_id:text collector_name:text account_id:text region:text last_scan_id:text
        last_scan_time:text cursor:text metadata:text revision:integer position:integer`),
      key: ['checkpoint_id'],
      indexes: [{ name: 'checkpoints_by_scope', columns: ['collector_name', 'account_id', 'region'], unique: true }],
    },
  ],
  reads: (event) => (isCheckpointEvent(event) ? [{ table: 'checkpoints', key: [checkpointIdOf(event.data as CheckpointKey)] }] : []),
  apply(rows, event, context) {
    const e = asDomainEvent(event);
    if (!isCheckpointEvent(e)) return;
    const id = checkpointIdOf(e.data);
    const row = rows.get('checkpoints', [id]) as CheckpointRow | undefined;
    const next = checkpoint.evolve(row === undefined ? null : checkpointFromRow(row), e);
    if (next === null) {
      rows.delete('checkpoints', [id]);
      return;
    }
    const local = context.merge().local;
    const next_row: CheckpointRow = {
      checkpoint_id: id,
      collector_name: next.collector,
      account_id: next.accountId,
      region: next.region,
      last_scan_id: next.scanId,
      last_scan_time: next.scanTime,
      cursor: next.cursor,
      metadata: canonicalJson(next.metadata),
      // The revision a decision appends at is that of the key's own stream (older logs may hold its events in the
      // stream a colliding scope shared before scope parts were escaped).
      revision: event.meta.origin === local && event.stream === checkpointStreamOf(e.data) ? event.revision : (row?.revision ?? -1),
      position: event.position,
    };
    rows.put('checkpoints', next_row as unknown as Row);
  },
  forget(rows, event) {
    const e = asDomainEvent(event);
    if (isCheckpointEvent(e)) rows.delete('checkpoints', [checkpointIdOf(e.data)]);
  },
};
