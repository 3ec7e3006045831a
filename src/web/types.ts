/*
 * The JSON the dashboard reads, as GET /openapi.json describes it. Written out here (not imported from the engine) so
 * the browser bundle and its type-check stay apart from the server's code.
 */

export type Lifecycle = 'new' | 'recurring' | 'resolved' | 'reopened' | 'suppressed' | 'false_positive';
export const lifecycles: readonly Lifecycle[] = ['new', 'recurring', 'reopened', 'resolved', 'suppressed', 'false_positive'];
export type ScanStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
export const scanStatuses: readonly ScanStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];
export type Permission = 'read' | 'ingest' | 'decide' | 'admin';
/** As a sighting states it; `unknown` when none did. Most urgent first. */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'informational' | 'unknown';
export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'];

export interface Me {
  readonly name: string | null;
  readonly role: string;
  readonly kind: string | null;
  readonly via: string;
  readonly scopes: readonly string[];
  readonly expires: string | null;
  readonly permissions: readonly Permission[];
}

export interface Stats {
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
  /** Open findings past their SLA deadline now. */
  readonly breached: number;
  readonly by_severity: Readonly<Record<Severity, SeverityStats>>;
}

export interface SeverityStats {
  readonly total: number;
  readonly open: number;
  readonly breached: number;
}

export interface DailyPoint {
  readonly day: string;
  readonly new: number;
  readonly resolved: number;
  readonly open: number;
}

export interface DailySeries {
  readonly from: string;
  readonly to: string;
  readonly days: readonly DailyPoint[];
}

export interface Scan {
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
}

export interface Finding {
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
  readonly suppressed_until: string | null;
  readonly notes: readonly string[];
  readonly resolved_by: string;
  readonly resolution_reason: string;
  readonly false_positive_by: string;
  readonly false_positive_reason: string;
  readonly account_id: string;
  readonly region: string;
  readonly collector: string | null;
  readonly last_scan_id: string | null;
  readonly severity: Severity;
  /** Open findings with a deadline under the SLA policy (none: informational, unknown, or not open). */
  readonly sla_due_at: string | null;
  readonly sla_breached: boolean;
}

export interface HistoryEntry {
  readonly position: number;
  readonly revision: number;
  readonly recorded_at: string;
  readonly type: string;
  readonly actor: string;
  readonly on_behalf_of: string | null;
  readonly actor_role: string | null;
  readonly actor_via: string | null;
  readonly reason: string;
  readonly scan_id: string | null;
  readonly origin: string;
  readonly lifecycle: Lifecycle | null;
  readonly severity: Severity | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface Checkpoint {
  readonly checkpoint_id: string;
  readonly collector_name: string;
  readonly account_id: string;
  readonly region: string;
  readonly last_scan_id: string;
  readonly last_scan_time: string;
  readonly cursor: string;
}

export interface Run {
  readonly run_id: string;
  readonly scan_id: string;
  readonly started_at: string;
  readonly completed_at: string | null;
  readonly result: string | null;
  readonly error: string;
}

export interface Schedule {
  readonly id: string;
  readonly name: string;
  readonly schedule_type: string | null;
  readonly schedule_expression: string;
  readonly timezone: string;
  readonly account_id: string;
  readonly region: string;
  readonly enabled: boolean;
  readonly next_run: string | null;
  readonly next_runs: readonly string[];
  readonly last_run: string | null;
  readonly run_count: number;
  readonly running: readonly Run[];
  readonly last_result: Run | null;
}

export interface SyncOrigin {
  readonly hub: string;
  readonly origin: string;
  readonly direction: 'push' | 'pull';
  readonly position: number;
  readonly batches: number;
  readonly last_recorded_at: string | null;
  readonly last_sync_at: string;
  readonly lag_seconds: number | null;
  readonly blocked: { readonly reason: string; readonly at: string } | null;
}

export interface SyncOverview {
  readonly origin: string;
  readonly head_position: number;
  readonly origins: readonly SyncOrigin[];
}
