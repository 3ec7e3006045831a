import type Database from 'better-sqlite3';
import { isFindingEvent, nextLifecycle, type LifecycleState } from '../src/domain/index.js';
import { asDomainEvent, type Lifecycle, type RecordedEvent } from '../src/events/index.js';
import type { Projection, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

interface LifecycleRow {
  lifecycle: Lifecycle;
  underlying: Lifecycle | null;
  opened_at: string;
}

/**
 * Counters each event moves (never a COUNT over a capped scan, as the original's 10,000-row stats were):
 * `lifecycle:<name>` per lifecycle, `findings`, `sightings`, `resolutions` and `resolve_seconds` (the sum of
 * open-to-resolved durations, for the mean time to resolve). It keeps its own minimal lifecycle per finding,
 * since a projection never reads another projection's tables.
 */
export const findingStatsProjection: Projection = {
  name: 'finding_stats',
  version: 1,
  tables: ['finding_stats_lifecycles', 'finding_stats'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('finding_stats')} (key TEXT PRIMARY KEY, value REAL NOT NULL) STRICT`,
    `CREATE TABLE ${t('finding_stats_lifecycles')} (finding_id TEXT PRIMARY KEY, lifecycle TEXT NOT NULL,
      underlying TEXT, opened_at TEXT NOT NULL) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer) {
    const load = db.prepare<[string], LifecycleRow & { finding_id: string }>(
      `SELECT * FROM ${t('finding_stats_lifecycles')} WHERE finding_id = ?`,
    );
    const save = rowWriter<LifecycleRow & { finding_id: string }>(db, t('finding_stats_lifecycles'), 'finding_id');
    const upsert = db.prepare<[{ key: string; delta: number }]>(
      `INSERT INTO ${t('finding_stats')} (key, value) VALUES (@key, @delta)
       ON CONFLICT (key) DO UPDATE SET value = value + @delta`,
    );
    const deltas = new Map<string, number>();
    const add = (key: string, delta: number) => deltas.set(key, (deltas.get(key) ?? 0) + delta);
    const flush = () => {
      for (const [key, delta] of deltas) upsert.run({ key, delta });
      deltas.clear();
    };
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const id = e.data.findingId;
      const row = load.get(id);
      const before: LifecycleState | null = row === undefined ? null : row;
      const after = nextLifecycle(before, e);
      if (after === null) return;
      let openedAt = row?.opened_at ?? '';
      if (e.type === 'FindingTracked') {
        add('sightings', 1);
        if (before === null) {
          add('findings', 1);
          openedAt = e.data.seenAt;
        } else if (before.lifecycle === 'resolved') openedAt = e.data.seenAt;
      }
      if (e.type === 'FindingResolved' && before?.lifecycle !== 'resolved') {
        add('resolutions', 1);
        add('resolve_seconds', Math.max(0, (Date.parse(e.data.at) - Date.parse(openedAt)) / 1000));
      }
      if (before?.lifecycle !== after.lifecycle) {
        if (before !== null) add(`lifecycle:${before.lifecycle}`, -1);
        add(`lifecycle:${after.lifecycle}`, 1);
      }
      save(row, { finding_id: id, lifecycle: after.lifecycle, underlying: after.underlying, opened_at: openedAt });
    };
    return { apply, flush };
  },
};
