import type Database from 'better-sqlite3';
import { isFindingEvent } from '../src/domain/index.js';
import { asDomainEvent, type Instant, type Lifecycle, type RecordedEvent } from '../src/events/index.js';
import { foldDays, forgetDays, type DayCounts, type DayDelta, type FindingDays } from './finding-days-fold.js';
import type { Projection, ProjectionContext, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

interface FactsRow {
  finding_id: string;
  lifecycle: Lifecycle;
  underlying: Lifecycle | null;
  account_id: string;
  region: string;
  suppressed_until: string | null;
  decided_by: string | null;
  decided_rank: number;
  /** JSON: day -> [new, resolved, open], what this finding added to each day's totals. */
  days: string;
}

const toRow = (f: FindingDays): FactsRow => ({
  finding_id: f.findingId,
  lifecycle: f.facts.lifecycle,
  underlying: f.facts.underlying,
  account_id: f.facts.accountId,
  region: f.facts.region,
  suppressed_until: f.facts.suppressedUntil,
  decided_by: f.facts.decidedBy,
  decided_rank: f.facts.decidedRank,
  days: JSON.stringify(Object.fromEntries(Object.entries(f.days).map(([d, c]) => [d, [c.new, c.resolved, c.open]]))),
});

const fromRow = (r: FactsRow): FindingDays => ({
  findingId: r.finding_id,
  facts: {
    lifecycle: r.lifecycle,
    underlying: r.underlying,
    accountId: r.account_id,
    region: r.region,
    suppressedUntil: r.suppressed_until as Instant | null,
    decidedBy: r.decided_by,
    decidedRank: r.decided_rank,
  },
  days: Object.fromEntries(
    Object.entries(JSON.parse(r.days) as Record<string, [number, number, number]>).map(([d, [n, resolved, open]]) => [
      d,
      { new: n, resolved, open } satisfies DayCounts,
    ]),
  ),
});

/**
 * The daily series behind the dashboard's chart (GET /v1/stats/daily): per UTC day, findings first seen, findings
 * resolved and the net change of the open count, so the open count on any day is a sum over days, never a scan of
 * the log or of the findings. Each finding keeps what it added per day, so a refold in merge order can take it back.
 * The rules are in finding-days-fold.ts; this file only loads and stores.
 */
export const findingDaysProjection: Projection = {
  name: 'finding_days',
  version: 1,
  tables: ['finding_days', 'finding_days_findings'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('finding_days')} (day TEXT PRIMARY KEY, new INTEGER NOT NULL, resolved INTEGER NOT NULL,
      open_delta INTEGER NOT NULL) STRICT`,
    `CREATE TABLE ${t('finding_days_findings')} (finding_id TEXT PRIMARY KEY, lifecycle TEXT NOT NULL, underlying TEXT,
      account_id TEXT NOT NULL, region TEXT NOT NULL, suppressed_until TEXT, decided_by TEXT,
      decided_rank INTEGER NOT NULL, days TEXT NOT NULL) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext) {
    const load = db.prepare<[string], FactsRow>(`SELECT * FROM ${t('finding_days_findings')} WHERE finding_id = ?`);
    const save = rowWriter<FactsRow>(db, t('finding_days_findings'), 'finding_id');
    const drop = db.prepare<[string]>(`DELETE FROM ${t('finding_days_findings')} WHERE finding_id = ?`);
    const upsert = db.prepare<[string, number, number, number]>(
      `INSERT INTO ${t('finding_days')} (day, new, resolved, open_delta) VALUES (?, ?, ?, ?) ON CONFLICT (day)
       DO UPDATE SET new = new + excluded.new, resolved = resolved + excluded.resolved,
         open_delta = open_delta + excluded.open_delta`,
    );
    // A day whose counts all went back to zero has no row: a rebuild and an incremental fold agree row for row.
    const dropZero = db.prepare<[string]>(
      `DELETE FROM ${t('finding_days')} WHERE day = ? AND new = 0 AND resolved = 0 AND open_delta = 0`,
    );
    const pending = new Map<string, [number, number, number]>();
    const add = (deltas: readonly DayDelta[]) => {
      for (const d of deltas) {
        const sum = pending.get(d.day) ?? [0, 0, 0];
        pending.set(d.day, [sum[0] + d.new, sum[1] + d.resolved, sum[2] + d.open]);
      }
    };
    const flush = () => {
      for (const [day, [n, resolved, open]] of pending) {
        if (n === 0 && resolved === 0 && open === 0) continue;
        upsert.run(day, n, resolved, open);
        dropZero.run(day);
      }
      pending.clear();
    };
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const stored = load.get(e.data.findingId);
      const before = stored === undefined ? null : fromRow(stored);
      const step = foldDays(before, e, event.meta.origin, context.merge());
      if (step.row === null || step.row === before) return;
      save(stored, toRow(step.row));
      add(step.deltas);
    };
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const stored = load.get(e.data.findingId);
      if (stored === undefined) return;
      add(forgetDays(fromRow(stored)));
      drop.run(stored.finding_id);
    };
    return { apply, flush, forget };
  },
};
