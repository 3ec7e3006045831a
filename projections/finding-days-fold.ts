import { evolveFrom, isOpen, type Finding, type FindingEvent, type MergeContext } from '../src/domain/index.js';
import type { Instant, Lifecycle } from '../src/events/index.js';

/**
 * The pure part of the daily series (the `finding_days` projection): what one finding event adds to each UTC day,
 * with no SQL, so the logic moves unchanged to the storage ports. The adapter (finding-days.ts) loads a finding's row,
 * calls `foldDays` and writes back the row and the day totals it returns.
 */

/** New findings, resolutions and the net change of the open count (new, recurring, reopened) on one UTC day. */
export interface DayCounts {
  readonly new: number;
  readonly resolved: number;
  readonly open: number;
}

/** What the lifecycle rules read of a finding (see `evolveFrom`): its lifecycle, scope, suppression end and decider. */
export interface DayFacts {
  readonly lifecycle: Lifecycle;
  readonly underlying: Lifecycle | null;
  readonly accountId: string;
  readonly region: string;
  readonly suppressedUntil: Instant | null;
  readonly decidedBy: string | null;
  readonly decidedRank: number;
}

/** One finding: the facts its next event is decided against, and what it has added to each day (to take it back). */
export interface FindingDays {
  readonly findingId: string;
  readonly facts: DayFacts;
  readonly days: Readonly<Record<string, DayCounts>>;
}

export interface DayDelta extends DayCounts {
  readonly day: string;
}

export interface DaysStep {
  /** The finding after the event (null: still never tracked); the same object when the event changed nothing. */
  readonly row: FindingDays | null;
  /** What the event adds to the day totals (empty when nothing changed). */
  readonly deltas: readonly DayDelta[];
}

/** The UTC day an event happened on, by its own instant (a sighting's scan time, a decision's time). */
export const dayOf = (event: FindingEvent): string => {
  switch (event.type) {
    case 'FindingTracked':
      return event.data.seenAt.slice(0, 10);
    case 'SuppressionExpired':
      return event.data.expiredAt.slice(0, 10);
    default:
      return event.data.at.slice(0, 10);
  }
};

/*
 * The rules take a whole finding; these are neutral values for what they only copy (names, times, counts). The
 * lifecycle, the gates (scope, suppression end, standing decision) and nothing else come from the facts: each of
 * DayFacts' fields, named (a literal ending in a spread would take V8's slow path, once per event).
 */
const findingOf = (findingId: string, f: DayFacts): Finding => ({
  findingId,
  assetId: '',
  ruleId: '',
  accountId: f.accountId,
  region: f.region,
  collector: null,
  severity: 'unknown',
  lifecycle: f.lifecycle,
  underlying: f.underlying,
  firstSeen: '' as Instant,
  lastSeen: '' as Instant,
  scanCount: 0,
  lastScanId: null,
  openedAt: '' as Instant,
  resolvedAt: null,
  resolvedBy: '',
  resolutionReason: '',
  suppressedBy: '',
  suppressedAt: null,
  suppressionReason: '',
  suppressedUntil: f.suppressedUntil,
  falsePositiveBy: '',
  falsePositiveReason: '',
  decidedBy: f.decidedBy,
  decidedRank: f.decidedRank,
});

const factsOf = (f: Finding): DayFacts => ({
  lifecycle: f.lifecycle,
  underlying: f.underlying,
  accountId: f.accountId,
  region: f.region,
  suppressedUntil: f.suppressedUntil,
  decidedBy: f.decidedBy,
  decidedRank: f.decidedRank,
});

const sameFacts = (a: DayFacts, b: DayFacts): boolean =>
  a.lifecycle === b.lifecycle &&
  a.underlying === b.underlying &&
  a.accountId === b.accountId &&
  a.region === b.region &&
  a.suppressedUntil === b.suppressedUntil &&
  a.decidedBy === b.decidedBy &&
  a.decidedRank === b.decidedRank;

const opens = (l: Lifecycle | null): number => (l !== null && isOpen(l) ? 1 : 0);

/**
 * One event's step, by the same merged rule as the findings projection (`evolveFrom`: authority, standing decision,
 * suppression end), so the series counts exactly the lifecycle changes the findings table shows.
 */
export const foldDays = (row: FindingDays | null, event: FindingEvent, origin: string, merge: MergeContext): DaysStep => {
  const before = row === null ? null : findingOf(row.findingId, row.facts);
  const after = evolveFrom(before, event, origin, merge);
  if (after === null || after === before) return { row, deltas: [] };
  const was = before?.lifecycle ?? null;
  const delta: DayDelta = {
    day: dayOf(event),
    new: before === null ? 1 : 0,
    // As the stats count them: a resolution decided, not a suppression lifted off a finding resolved underneath.
    resolved: event.type === 'FindingResolved' && was !== 'resolved' ? 1 : 0,
    open: opens(after.lifecycle) - opens(was),
  };
  const facts = factsOf(after);
  const { findingId } = event.data;
  if (delta.new === 0 && delta.resolved === 0 && delta.open === 0) {
    // A sighting of a recurring finding changes nothing here: no write.
    if (row !== null && sameFacts(row.facts, facts)) return { row, deltas: [] };
    return { row: { findingId, facts, days: row?.days ?? {} }, deltas: [] };
  }
  const prior = row?.days[delta.day] ?? { new: 0, resolved: 0, open: 0 };
  const sum: DayCounts = { new: prior.new + delta.new, resolved: prior.resolved + delta.resolved, open: prior.open + delta.open };
  const days = { ...(row?.days ?? {}) };
  if (sum.new === 0 && sum.resolved === 0 && sum.open === 0) delete days[delta.day];
  else days[delta.day] = sum;
  return { row: { findingId, facts, days }, deltas: [delta] };
};

/** What a finding added to the day totals, negated: taking it out before it is folded again in merge order. */
export const forgetDays = (row: FindingDays): readonly DayDelta[] =>
  Object.entries(row.days).map(([day, c]) => ({ day, new: -c.new, resolved: -c.resolved, open: -c.open }));
