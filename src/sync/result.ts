import type { ConflictPolicy } from '../events/index.js';

export type SyncDirection = 'push' | 'pull' | 'bidirectional';

/** The seed's SyncResult, in its snake_case JSON. */
export interface SyncResult {
  success: boolean;
  records_synced: number;
  records_skipped: number;
  conflicts_resolved: number;
  errors: string[];
  duration_seconds: number;
  sync_direction: SyncDirection;
  hub: string;
  origin: string;
  conflict_resolution: ConflictPolicy;
  batches_pushed: number;
  batches_pulled: number;
  /** Errors that were the hub's objects (bad input, exit 2) rather than the hub failing (exit 1). */
  rejected_batches: number;
  /** Pulled events recorded beyond their batch's time plus the clock skew bound: they fold at the capped instant. */
  capped_events: number;
  /** What did not stop the round but deserves a look: untrusted origins skipped, capped clocks, bad trust objects. */
  warnings: string[];
  /** `open` (no trust configuration: single-team) or `configured`. */
  trust: 'open' | 'configured';
}

export const emptyResult = (direction: SyncDirection, hub: string, origin: string, policy: ConflictPolicy): SyncResult => ({
  success: true,
  records_synced: 0,
  records_skipped: 0,
  conflicts_resolved: 0,
  errors: [],
  duration_seconds: 0,
  sync_direction: direction,
  hub,
  origin,
  conflict_resolution: policy,
  batches_pushed: 0,
  batches_pulled: 0,
  rejected_batches: 0,
  capped_events: 0,
  warnings: [],
  trust: 'open',
});
