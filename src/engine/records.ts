import type { CheckpointRow, FindingRow, ScanRow } from '../../projections/index.js';
import { slaOf, type SlaPolicy } from '../domain/index.js';
import type { Instant, Lifecycle, ScanStatus, Json, SightingSeverity } from '../events/index.js';

/** The original's ScanRecord.to_dict, plus `full_scope`. */
export interface ScanRecord {
  readonly scan_id: string;
  readonly snapshot_id: string;
  readonly status: ScanStatus;
  readonly started_at: string;
  readonly completed_at: string | null;
  readonly config_name: string;
  readonly account_id: string;
  readonly region: string;
  readonly collectors: readonly string[];
  readonly full_scope: boolean;
  readonly asset_count: number;
  readonly finding_count: number;
  readonly error_message: string;
  readonly duration_seconds: number;
  readonly metadata: Record<string, Json>;
}

/** The original's Checkpoint.to_dict. */
export interface CheckpointRecord {
  readonly checkpoint_id: string;
  readonly collector_name: string;
  readonly account_id: string;
  readonly region: string;
  readonly last_scan_id: string;
  readonly last_scan_time: string;
  readonly cursor: string;
  readonly metadata: Record<string, Json>;
}

/** The original's FindingState.to_dict, plus what suppression expiry, false positives and scopes add. */
export interface FindingRecord {
  readonly finding_id: string;
  readonly asset_id: string;
  readonly rule_id: string;
  readonly lifecycle: Lifecycle;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly resolved_at: string | null;
  readonly scan_count: number;
  readonly suppressed_by: string;
  readonly suppressed_at: string | null;
  readonly suppression_reason: string;
  readonly notes: readonly string[];
  readonly suppressed_until: string | null;
  readonly resolved_by: string;
  readonly resolution_reason: string;
  readonly false_positive_by: string;
  readonly false_positive_reason: string;
  readonly account_id: string;
  readonly region: string;
  readonly collector: string | null;
  readonly last_scan_id: string | null;
  /** The latest severity a sighting stated; `unknown` when none did. */
  readonly severity: SightingSeverity;
  /** Open findings with a deadline under the SLA policy: when it falls, and whether it has passed. */
  readonly sla_due_at: string | null;
  readonly sla_breached: boolean;
}

/** Counts of every lifecycle (uncapped), totals and the mean time to resolve. */
export interface FindingStats {
  readonly new: number;
  readonly recurring: number;
  readonly resolved: number;
  readonly reopened: number;
  readonly suppressed: number;
  readonly false_positive: number;
  readonly total: number;
  readonly open: number;
  readonly sightings: number;
  readonly resolutions: number;
  readonly mean_time_to_resolve_seconds: number | null;
  /** Open findings past their SLA deadline (the policy in force, now). */
  readonly breached: number;
  /** Per severity (and `unknown`): every finding, the open ones, and the open ones past their deadline. */
  readonly by_severity: Readonly<Record<SightingSeverity, SeverityStats>>;
}

export interface SeverityStats {
  readonly total: number;
  readonly open: number;
  readonly breached: number;
}

export const scanRecord = ({ origin: _o, revision: _r, position: _p, ...r }: ScanRow): ScanRecord => ({
  ...r,
  collectors: JSON.parse(r.collectors) as string[],
  full_scope: r.full_scope === 1,
  metadata: JSON.parse(r.metadata) as Record<string, Json>,
});

export const checkpointRecord = ({ revision: _r, position: _p, ...r }: CheckpointRow): CheckpointRecord => ({
  ...r,
  metadata: JSON.parse(r.metadata) as Record<string, Json>,
});

export const findingRecord = (r: FindingRow, notes: readonly string[], policy: SlaPolicy, at: Instant): FindingRecord => {
  const sla = slaOf({ severity: r.severity, lifecycle: r.lifecycle, firstSeen: r.first_seen as Instant, openedAt: r.opened_at as Instant }, policy, at);
  return {
  finding_id: r.finding_id,
  asset_id: r.asset_id,
  rule_id: r.rule_id,
  lifecycle: r.lifecycle,
  first_seen: r.first_seen,
  last_seen: r.last_seen,
  resolved_at: r.resolved_at,
  scan_count: r.scan_count,
  suppressed_by: r.suppressed_by,
  suppressed_at: r.suppressed_at,
  suppression_reason: r.suppression_reason,
  notes,
  suppressed_until: r.suppressed_until,
  resolved_by: r.resolved_by,
  resolution_reason: r.resolution_reason,
  false_positive_by: r.false_positive_by,
  false_positive_reason: r.false_positive_reason,
  account_id: r.account_id,
  region: r.region,
  collector: r.collector,
  last_scan_id: r.last_scan_id,
  severity: r.severity,
  sla_due_at: sla.dueAt,
  sla_breached: sla.breached,
  };
};
