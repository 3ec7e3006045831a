import type Database from 'better-sqlite3';
import { evolveFrom, isFindingEvent, type Finding } from '../src/domain/index.js';
import { asDomainEvent, type Instant, type Lifecycle, type RecordedEvent } from '../src/events/index.js';
import type { Projection, ProjectionContext, TableNamer } from './projection.js';
import { rowWriter } from './row-writer.js';

/** A row of the findings table: the original's FindingState.to_dict columns, and what the rules need besides. */
export interface FindingRow {
  finding_id: string;
  asset_id: string;
  rule_id: string;
  account_id: string;
  region: string;
  collector: string | null;
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
  /** Revision of the finding's stream after the event this row reflects: the expected revision of the next write. */
  revision: number;
}

const findingColumns = [
  'finding_id', 'asset_id', 'rule_id', 'account_id', 'region', 'collector', 'lifecycle', 'underlying', 'first_seen',
  'last_seen', 'scan_count', 'last_scan_id', 'opened_at', 'resolved_at', 'resolved_by', 'resolution_reason',
  'suppressed_by', 'suppressed_at', 'suppression_reason', 'suppressed_until', 'false_positive_by',
  'false_positive_reason', 'decided_by', 'decided_rank', 'revision',
] as const;
/** `SELECT` list in the order `findingRowOf` reads it. */
export const findingSelect = findingColumns.join(', ');
type Cell = string | number | null;

/**
 * Builds a row from a raw (array) result. better-sqlite3 builds each object column by column in C++, which costs
 * more than the query on wide rows; an object literal here has one shape and is several times cheaper.
 */
export const findingRowOf = (a: readonly Cell[]): FindingRow => ({
  finding_id: a[0] as string,
  asset_id: a[1] as string,
  rule_id: a[2] as string,
  account_id: a[3] as string,
  region: a[4] as string,
  collector: a[5] as string | null,
  lifecycle: a[6] as Lifecycle,
  underlying: a[7] as Lifecycle | null,
  first_seen: a[8] as string,
  last_seen: a[9] as string,
  scan_count: a[10] as number,
  last_scan_id: a[11] as string | null,
  opened_at: a[12] as string,
  resolved_at: a[13] as string | null,
  resolved_by: a[14] as string,
  resolution_reason: a[15] as string,
  suppressed_by: a[16] as string,
  suppressed_at: a[17] as string | null,
  suppression_reason: a[18] as string,
  suppressed_until: a[19] as string | null,
  false_positive_by: a[20] as string,
  false_positive_reason: a[21] as string,
  decided_by: a[22] as string | null,
  decided_rank: a[23] as number,
  revision: a[24] as number,
});

export const findingFromRow = (r: FindingRow): Finding => ({
  findingId: r.finding_id,
  assetId: r.asset_id,
  ruleId: r.rule_id,
  accountId: r.account_id,
  region: r.region,
  collector: r.collector,
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

export const rowOfFinding = (f: Finding, revision: number): FindingRow => ({
  finding_id: f.findingId,
  asset_id: f.assetId,
  rule_id: f.ruleId,
  account_id: f.accountId,
  region: f.region,
  collector: f.collector,
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
  revision,
});

export const findingsProjection: Projection = {
  name: 'findings',
  version: 3, // 3: the last-seen index (the dashboard sorts by it)
  tables: ['findings', 'finding_notes'],
  ddl: (t: TableNamer) => [
    `CREATE TABLE ${t('findings')} (finding_id TEXT PRIMARY KEY, asset_id TEXT NOT NULL, rule_id TEXT NOT NULL,
      account_id TEXT NOT NULL, region TEXT NOT NULL, collector TEXT, lifecycle TEXT NOT NULL, underlying TEXT,
      first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, scan_count INTEGER NOT NULL, last_scan_id TEXT,
      opened_at TEXT NOT NULL, resolved_at TEXT, resolved_by TEXT NOT NULL, resolution_reason TEXT NOT NULL,
      suppressed_by TEXT NOT NULL, suppressed_at TEXT, suppression_reason TEXT NOT NULL, suppressed_until TEXT,
      false_positive_by TEXT NOT NULL, false_positive_reason TEXT NOT NULL, decided_by TEXT,
      decided_rank INTEGER NOT NULL, revision INTEGER NOT NULL) STRICT`,
    `CREATE INDEX ${t('findings_by_asset')} ON ${t('findings')} (asset_id, finding_id)`,
    `CREATE INDEX ${t('findings_by_lifecycle')} ON ${t('findings')} (lifecycle, finding_id)`,
    `CREATE INDEX ${t('findings_by_rule')} ON ${t('findings')} (rule_id, finding_id)`,
    `CREATE INDEX ${t('findings_by_scope')} ON ${t('findings')} (account_id, region, lifecycle)`,
    // The dashboard's order: newest seen first, over all findings or one lifecycle (a sighting moves both).
    `CREATE INDEX ${t('findings_by_last_seen')} ON ${t('findings')} (last_seen, finding_id)`,
    `CREATE INDEX ${t('findings_by_lifecycle_seen')} ON ${t('findings')} (lifecycle, last_seen, finding_id)`,
    `CREATE INDEX ${t('findings_by_expiry')} ON ${t('findings')} (suppressed_until) WHERE lifecycle = 'suppressed'`,
    `CREATE TABLE ${t('finding_notes')} (finding_id TEXT NOT NULL, seq INTEGER NOT NULL, by TEXT NOT NULL,
      text TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (finding_id, seq)) STRICT`,
  ],
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext) {
    const load = db.prepare<[string], Cell[]>(`SELECT ${findingSelect} FROM ${t('findings')} WHERE finding_id = ?`).raw();
    const save = rowWriter<FindingRow>(db, t('findings'), 'finding_id');
    const addNote = db.prepare<[{ id: string; by: string; text: string; at: string }]>(
      `INSERT INTO ${t('finding_notes')} (finding_id, seq, by, text, at)
       VALUES (@id, (SELECT count(*) FROM ${t('finding_notes')} WHERE finding_id = @id), @by, @text, @at)`,
    );
    const apply = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      const raw = load.get(e.data.findingId);
      const row = raw === undefined ? undefined : findingRowOf(raw);
      const next = evolveFrom(row === undefined ? null : findingFromRow(row), e, event.meta.origin, context.merge());
      if (next === null) return;
      if (e.type === 'FindingNoteAdded') addNote.run({ id: e.data.findingId, by: e.data.by, text: e.data.text, at: e.data.at });
      save(row, rowOfFinding(next, event.revision));
    };
    const dropRow = db.prepare<[string]>(`DELETE FROM ${t('findings')} WHERE finding_id = ?`);
    const dropNotes = db.prepare<[string]>(`DELETE FROM ${t('finding_notes')} WHERE finding_id = ?`);
    const forget = (event: RecordedEvent) => {
      const e = asDomainEvent(event);
      if (!isFindingEvent(e)) return;
      dropRow.run(e.data.findingId);
      dropNotes.run(e.data.findingId);
    };
    return { apply, forget };
  },
};
