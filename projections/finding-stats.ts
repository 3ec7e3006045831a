import type Database from 'better-sqlite3';
import { admits, decidedAfter, isFindingEvent, nextLifecycle } from '../src/domain/index.js';
import { asDomainEvent, type Lifecycle, type RecordedEvent } from '../src/events/index.js';
import type { Projection, ProjectionContext, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

/** One finding's lifecycle and what it has added to the counters (so a refold can take it back). */
interface LifecycleRow {
  finding_id: string;
  lifecycle: Lifecycle;
  underlying: Lifecycle | null;
  opened_at: string;
  decided_by: string | null;
  decided_rank: number;
  sightings: number;
  resolutions: number;
  resolve_ms: number;
}

/**
 * Counters each event moves (never a COUNT over a capped scan, as the original's 10,000-row stats were):
 * `lifecycle:<name>` per lifecycle, `findings`, `sightings`, `resolutions` and `resolve_ms` (the sum of
 * open-to-resolved durations, for the mean time to resolve). It keeps its own minimal lifecycle per finding,
 * since a projection never reads another projection's tables.
 */
export const findingStatsProjection: Projection = {
  name: 'finding_stats',
  version: 2,
  tables: ['finding_stats_lifecycles', 'finding_stats'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('finding_stats')} (key TEXT PRIMARY KEY, value REAL NOT NULL) STRICT`,
    `CREATE TABLE ${t('finding_stats_lifecycles')} (finding_id TEXT PRIMARY KEY, lifecycle TEXT NOT NULL,
      underlying TEXT, opened_at TEXT NOT NULL, decided_by TEXT, decided_rank INTEGER NOT NULL,
      sightings INTEGER NOT NULL, resolutions INTEGER NOT NULL, resolve_ms INTEGER NOT NULL) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext) {
    const load = db.prepare<[string], LifecycleRow>(`SELECT * FROM ${t('finding_stats_lifecycles')} WHERE finding_id = ?`);
    const save = rowWriter<LifecycleRow>(db, t('finding_stats_lifecycles'), 'finding_id');
    const drop = db.prepare<[string]>(`DELETE FROM ${t('finding_stats_lifecycles')} WHERE finding_id = ?`);
    const upsert = db.prepare<[{ key: string; delta: number }]>(
      `INSERT INTO ${t('finding_stats')} (key, value) VALUES (@key, @delta)
       ON CONFLICT (key) DO UPDATE SET value = value + @delta`,
    );
    const deltas = new Map<string, number>();
    const add = (key: string, delta: number) => deltas.set(key, (deltas.get(key) ?? 0) + delta);
    // A counter at zero has no row, however it got there: a rebuild and an incremental fold agree row for row.
    const dropZero = db.prepare<[string]>(`DELETE FROM ${t('finding_stats')} WHERE key = ? AND value = 0`);
    const flush = () => {
      for (const [key, delta] of deltas) {
        if (delta === 0) continue;
        upsert.run({ key, delta });
        dropZero.run(key);
      }
      deltas.clear();
    };
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const id = e.data.findingId;
      const row = load.get(id);
      const before = row === undefined ? null : { ...row, decidedBy: row.decided_by, decidedRank: row.decided_rank };
      if (!admits(before, e, event.meta.origin, context.merge())) return;
      const after = nextLifecycle(before, e);
      if (after === null) return;
      const next: LifecycleRow = row ?? {
        finding_id: id,
        lifecycle: after.lifecycle,
        underlying: null,
        opened_at: '',
        decided_by: null,
        decided_rank: 0,
        sightings: 0,
        resolutions: 0,
        resolve_ms: 0,
      };
      let { opened_at: openedAt, sightings, resolutions, resolve_ms: resolveMs } = next;
      if (e.type === 'FindingTracked') {
        add('sightings', 1);
        sightings += 1;
        if (before === null) {
          add('findings', 1);
          openedAt = e.data.seenAt;
        } else if (before.lifecycle === 'resolved') openedAt = e.data.seenAt;
      }
      if (e.type === 'FindingResolved' && before?.lifecycle !== 'resolved') {
        // Whole milliseconds: integer sums are exact, so taking a finding back out leaves exactly zero.
        const ms = Math.max(0, Date.parse(e.data.at) - Date.parse(openedAt));
        add('resolutions', 1);
        add('resolve_ms', ms);
        resolutions += 1;
        resolveMs += ms;
      }
      if (before?.lifecycle !== after.lifecycle) {
        if (before !== null) add(`lifecycle:${before.lifecycle}`, -1);
        add(`lifecycle:${after.lifecycle}`, 1);
      }
      const decided = decidedAfter(before, e, event.meta.origin);
      save(row, {
        finding_id: id,
        lifecycle: after.lifecycle,
        underlying: after.underlying,
        opened_at: openedAt,
        decided_by: decided.decidedBy,
        decided_rank: decided.decidedRank,
        sightings,
        resolutions,
        resolve_ms: resolveMs,
      });
    };
    /** Takes one finding's contribution back out of the counters. */
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const row = load.get(e.data.findingId);
      if (row === undefined) return;
      add('findings', -1);
      add(`lifecycle:${row.lifecycle}`, -1);
      add('sightings', -row.sightings);
      add('resolutions', -row.resolutions);
      add('resolve_ms', -row.resolve_ms);
      drop.run(row.finding_id);
    };
    return { apply, flush, forget };
  },
};
