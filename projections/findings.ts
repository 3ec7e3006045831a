import { evolveFrom, findingTypes, isAdmitted, isFindingEvent, isOpen, type Finding } from '../src/domain/index.js';
import { asDomainEvent, type Instant, type Lifecycle, type RecordedEvent, type SightingSeverity } from '../src/events/index.js';
import { columns, type Projection, type Row } from './projection.js';

/** A row of the findings table: the original's FindingState.to_dict columns, and what the rules need besides. */
export interface FindingRow {
  finding_id: string;
  asset_id: string;
  rule_id: string;
  account_id: string;
  region: string;
  collector: string | null;
  severity: SightingSeverity;
  lifecycle: Lifecycle;
  underlying: Lifecycle | null;
  first_seen: string;
  last_seen: string;
  scan_count: number;
  last_scan_id: string | null;
  opened_at: string;
  resolved_at: string | null;
  resolved_by: string;
  resolution_reason: string;
  suppressed_by: string;
  suppressed_at: string | null;
  suppression_reason: string;
  suppressed_until: string | null;
  false_positive_by: string;
  false_positive_reason: string;
  decided_by: string | null;
  decided_rank: number;
  /** This origin's revision of the finding's stream (-1: none): the expected revision of its next write. */
  revision: number;
  /** The log position of the last event folded into the row. */
  position: number;
  /** Its resolutions and their open-to-resolved time (whole ms), so taking it back out of the counters is exact. */
  resolutions: number;
  resolve_ms: number;
  /** How many notes it has: the next note's `seq`, so notes number in fold order on every replica. */
  notes: number;
}

export const findingFromRow = (r: FindingRow): Finding => ({
  findingId: r.finding_id,
  assetId: r.asset_id,
  ruleId: r.rule_id,
  accountId: r.account_id,
  region: r.region,
  collector: r.collector,
  severity: r.severity,
  lifecycle: r.lifecycle,
  underlying: r.underlying,
  firstSeen: r.first_seen as Instant,
  lastSeen: r.last_seen as Instant,
  scanCount: r.scan_count,
  lastScanId: r.last_scan_id,
  openedAt: r.opened_at as Instant,
  resolvedAt: r.resolved_at as Instant | null,
  resolvedBy: r.resolved_by,
  resolutionReason: r.resolution_reason,
  suppressedBy: r.suppressed_by,
  suppressedAt: r.suppressed_at as Instant | null,
  suppressionReason: r.suppression_reason,
  suppressedUntil: r.suppressed_until as Instant | null,
  falsePositiveBy: r.false_positive_by,
  falsePositiveReason: r.false_positive_reason,
  decidedBy: r.decided_by,
  decidedRank: r.decided_rank,
});

export const rowOfFinding = (f: Finding, tip: Tip, resolved: Resolved): FindingRow => ({
  finding_id: f.findingId,
  asset_id: f.assetId,
  rule_id: f.ruleId,
  account_id: f.accountId,
  region: f.region,
  collector: f.collector,
  severity: f.severity,
  lifecycle: f.lifecycle,
  underlying: f.underlying,
  first_seen: f.firstSeen,
  last_seen: f.lastSeen,
  scan_count: f.scanCount,
  last_scan_id: f.lastScanId,
  opened_at: f.openedAt,
  resolved_at: f.resolvedAt,
  resolved_by: f.resolvedBy,
  resolution_reason: f.resolutionReason,
  suppressed_by: f.suppressedBy,
  suppressed_at: f.suppressedAt,
  suppression_reason: f.suppressionReason,
  suppressed_until: f.suppressedUntil,
  false_positive_by: f.falsePositiveBy,
  false_positive_reason: f.falsePositiveReason,
  decided_by: f.decidedBy,
  decided_rank: f.decidedRank,
  revision: tip.revision,
  position: tip.position,
  resolutions: resolved.resolutions,
  resolve_ms: resolved.resolveMs,
  notes: resolved.notes,
});

interface Resolved {
  readonly resolutions: number;
  readonly resolveMs: number;
  readonly notes: number;
}

/** Where the row stands in the log: the position of the last event folded, and this origin's revision of the stream. */
export interface Tip {
  readonly position: number;
  /** -1: this origin has not written to the stream (a decision then appends at 'no_stream'). */
  readonly revision: number;
}

const tipOf = (row: FindingRow | undefined, event: RecordedEvent, local: string): Tip => ({
  position: event.position,
  revision: event.meta.origin === local ? event.revision : ((row?.revision as number | undefined) ?? -1),
});

const counters = 'finding_stats';

/**
 * Findings, their notes, and the counters stats read: `lifecycle:<name>` per lifecycle, `severity:<name>` and
 * `open:<severity>` (open findings) per severity, `findings`, `sightings`,
 * `resolutions` and `resolve_ms` (the sum of open-to-resolved durations, for the mean time to resolve), each moved by
 * the event that changes it (never a COUNT over a capped scan, as the original's 10,000-row stats were). A row is
 * the fold of the finding's events over every origin, in fold order, and carries where it stands (`position`, and
 * this origin's `revision`): it is the decision state a command loads (see src/engine/decide.ts).
 */
export const findingsProjection: Projection = {
  name: 'findings',
  version: 5, // 4: the last-seen indexes (the dashboard sorts by them); 5: severity, its counters and the SLA index
  handles: [...findingTypes],
  partition: 'stream',
  tables: [
    {
      name: 'findings',
      columns: columns(`finding_id:text asset_id:text rule_id:text account_id:text region:text collector:text?
        severity:text lifecycle:text underlying:text? first_seen:text last_seen:text scan_count:integer last_scan_id:text?
        opened_at:text resolved_at:text? resolved_by:text resolution_reason:text suppressed_by:text
        suppressed_at:text? suppression_reason:text suppressed_until:text? false_positive_by:text
        false_positive_reason:text decided_by:text? decided_rank:integer revision:integer position:integer
        resolutions:integer resolve_ms:integer notes:integer`),
      key: ['finding_id'],
      indexes: [
        { name: 'findings_by_asset', columns: ['asset_id', 'finding_id'] },
        { name: 'findings_by_lifecycle', columns: ['lifecycle', 'finding_id'] },
        { name: 'findings_by_rule', columns: ['rule_id', 'finding_id'] },
        { name: 'findings_by_scope', columns: ['account_id', 'region', 'lifecycle'] },
        // The dashboard's order: newest seen first, over all findings or one lifecycle (a sighting moves both).
        { name: 'findings_by_last_seen', columns: ['last_seen', 'finding_id'] },
        { name: 'findings_by_lifecycle_seen', columns: ['lifecycle', 'last_seen', 'finding_id'] },
        // By severity, paged by id; and the SLA's question, per severity: whose clock started by an instant.
        { name: 'findings_by_severity', columns: ['severity', 'finding_id'] },
        { name: 'findings_by_sla', columns: ['severity', 'first_seen'] },
        { name: 'findings_by_expiry', columns: ['suppressed_until'], where: { column: 'lifecycle', op: '=', value: 'suppressed' } },
      ],
    },
    {
      name: 'finding_notes',
      columns: columns('finding_id:text seq:integer by:text text:text at:text'),
      key: ['finding_id', 'seq'],
    },
    { name: counters, columns: columns('key:text value:real'), key: ['key'], counters: true },
  ],
  reads: (event) => (isFindingEvent(event) ? [{ table: 'findings', key: [(event.data as { findingId: string }).findingId] }] : []),
  apply(rows, event, context) {
    const e = asDomainEvent(event);
    if (!isFindingEvent(e)) return;
    const merge = context.merge();
    const row = rows.get('findings', [e.data.findingId]) as FindingRow | undefined;
    const before = row === undefined ? null : findingFromRow(row);
    if (!isAdmitted(before, e, event.meta.origin, merge)) return;
    const next = evolveFrom(before, e, event.meta.origin, merge);
    if (next === null) return;
    let resolutions = row?.resolutions ?? 0;
    let resolveMs = row?.resolve_ms ?? 0;
    if (before === null) rows.add(counters, 'findings', 1);
    if (e.type === 'FindingTracked') rows.add(counters, 'sightings', 1);
    if (next.lifecycle === 'resolved' && before?.lifecycle !== 'resolved') {
      // Whole milliseconds: integer sums are exact, so taking a finding back out leaves exactly zero.
      const ms = Math.max(0, Date.parse(next.resolvedAt ?? next.openedAt) - Date.parse(before?.openedAt ?? next.openedAt));
      rows.add(counters, 'resolutions', 1);
      rows.add(counters, 'resolve_ms', ms);
      resolutions += 1;
      resolveMs += ms;
    }
    if (before?.lifecycle !== next.lifecycle) {
      if (before !== null) rows.add(counters, `lifecycle:${before.lifecycle}`, -1);
      rows.add(counters, `lifecycle:${next.lifecycle}`, 1);
    }
    if (before?.severity !== next.severity) {
      if (before !== null) rows.add(counters, `severity:${before.severity}`, -1);
      rows.add(counters, `severity:${next.severity}`, 1);
    }
    const wasOpen = before !== null && isOpen(before.lifecycle);
    if (wasOpen !== isOpen(next.lifecycle) || (wasOpen && before?.severity !== next.severity)) {
      if (wasOpen) rows.add(counters, `open:${before.severity}`, -1);
      if (isOpen(next.lifecycle)) rows.add(counters, `open:${next.severity}`, 1);
    }
    let notes = row?.notes ?? 0;
    if (e.type === 'FindingNoteAdded') {
      rows.put('finding_notes', { finding_id: e.data.findingId, seq: notes, by: e.data.by, text: e.data.text, at: e.data.at });
      notes += 1;
    }
    rows.put('findings', rowOfFinding(next, tipOf(row, event, merge.local), { resolutions, resolveMs, notes }) as unknown as Row);
  },
  /** Takes one finding back out: its row, its notes, and what it added to the counters. */
  forget(rows, event) {
    const e = asDomainEvent(event);
    if (!isFindingEvent(e)) return;
    const row = rows.get('findings', [e.data.findingId]) as FindingRow | undefined;
    if (row === undefined) return;
    rows.add(counters, 'findings', -1);
    rows.add(counters, `lifecycle:${row.lifecycle}`, -1);
    rows.add(counters, `severity:${row.severity}`, -1);
    if (isOpen(row.lifecycle)) rows.add(counters, `open:${row.severity}`, -1);
    rows.add(counters, 'sightings', -row.scan_count);
    rows.add(counters, 'resolutions', -row.resolutions);
    rows.add(counters, 'resolve_ms', -row.resolve_ms);
    rows.delete('findings', [row.finding_id]);
    rows.deletePrefix('finding_notes', [row.finding_id]);
  },
};
