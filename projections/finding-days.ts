import { findingTypes, isFindingEvent } from '../src/domain/index.js';
import { asDomainEvent, type Instant, type Lifecycle } from '../src/events/index.js';
import { foldDays, forgetDays, type DayCounts, type DayDelta, type FindingDays } from './finding-days-fold.js';
import { columns, type Projection, type Row, type RowAccess } from './projection.js';

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

/**
 * The decoded form of the rows this process wrote, so a fold that keeps its rows in memory (a rebuild, a batch that
 * sees a finding twice) does not parse `days` again on every event. Weak: a row that is gone takes its entry along.
 */
const decoded = new WeakMap<FactsRow, FindingDays>();

const toRow = (f: FindingDays): FactsRow => {
  const row = encode(f);
  decoded.set(row, f);
  return row;
};

const encode = (f: FindingDays): FactsRow => ({
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

const fromRow = (r: FactsRow): FindingDays => decoded.get(r) ?? decode(r);

const decode = (r: FactsRow): FindingDays => ({
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

/** The counters of the daily series: one per measure and UTC day, and the open count over every day. */
export const dayCounter = {
  /** `new:2026-03-01`: findings first seen that day. */
  new: (day: string) => `new:${day}`,
  /** `resolved:2026-03-01`: resolutions decided that day. */
  resolved: (day: string) => `resolved:${day}`,
  /** `open:2026-03-01`: the net change of the open count that day. */
  open: (day: string) => `open:${day}`,
  /** The sum of every day's open change: the open count now (so the count before a window is one read away). */
  openTotal: 'open',
} as const;

const days = 'finding_days';
const facts = 'finding_days_findings';

const addDeltas = (rows: RowAccess, deltas: readonly DayDelta[]): void => {
  for (const d of deltas) {
    rows.add(days, dayCounter.new(d.day), d.new);
    rows.add(days, dayCounter.resolved(d.day), d.resolved);
    rows.add(days, dayCounter.open(d.day), d.open);
    rows.add(days, dayCounter.openTotal, d.open);
  }
};

/**
 * The daily series behind the dashboard's chart (GET /v1/stats/daily): per UTC day, findings first seen, findings
 * resolved and the net change of the open count, as counters (moved by deltas, gone at zero: a day whose counts all
 * went back to zero has no row, so a rebuild and an incremental fold agree row for row), so the open count on any day
 * is a sum over days, never a scan of the log or of the findings. Each finding keeps what it added per day, so a
 * refold in merge order can take it back. The rules are in finding-days-fold.ts; this file only loads and stores.
 */
export const findingDaysProjection: Projection = {
  name: 'finding_days',
  version: 2,
  handles: [...findingTypes],
  partition: 'stream',
  tables: [
    { name: days, columns: columns('key:text value:real'), key: ['key'], counters: true },
    {
      name: facts,
      columns: columns(`finding_id:text lifecycle:text underlying:text? account_id:text region:text suppressed_until:text?
        decided_by:text? decided_rank:integer days:text`),
      key: ['finding_id'],
    },
  ],
  reads: (event) => (isFindingEvent(event) ? [{ table: facts, key: [(event.data as { findingId: string }).findingId] }] : []),
  apply(rows, event, context) {
    const e = asDomainEvent(event);
    if (!isFindingEvent(e)) return;
    const stored = rows.get(facts, [e.data.findingId]) as FactsRow | undefined;
    const before = stored === undefined ? null : fromRow(stored);
    const step = foldDays(before, e, event.meta.origin, context.merge());
    if (step.row === null || step.row === before) return;
    rows.put(facts, toRow(step.row) as unknown as Row);
    addDeltas(rows, step.deltas);
  },
  /** Takes one finding back out: its row and what it added to each day. */
  forget(rows, event) {
    const e = asDomainEvent(event);
    if (!isFindingEvent(e)) return;
    const stored = rows.get(facts, [e.data.findingId]) as FactsRow | undefined;
    if (stored === undefined) return;
    addDeltas(rows, forgetDays(fromRow(stored)));
    rows.delete(facts, [stored.finding_id]);
  },
};
