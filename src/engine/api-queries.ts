import type { ScanStatus } from '../events/index.js';
import type { Core } from './core.js';
import type { ScanRecord } from './records.js';
import { queryScans } from './scans.js';

/*
 * Read-model queries the HTTP API needs and the facade lacks. Each reads only projection tables (and positions),
 * never the log.
 */

/** The log position every read model reflects (the lowest projection's). */
export const readModelPosition = async (core: Core): Promise<number> =>
  Math.min(...(await core.backend.models.positions()).map((p) => p.position));

/** Each projection's position, for lag. */
export const projectionPositions = async (core: Core): Promise<{ name: string; position: number }[]> =>
  (await core.backend.models.positions()).map(({ name, position }) => ({ name, position }));

/**
 * Runs `read` on one consistent snapshot of the read models and returns the position that snapshot reflects: the
 * position and the answer always agree (a write by another process between the two would otherwise pair an old
 * position with new rows, and two different bodies could carry one ETag).
 */
export const readConsistent = <T>(core: Core, read: () => Promise<T>): Promise<{ position: number; value: T }> =>
  core.backend.models.snapshot(() => read());

export interface ScanPageInput {
  readonly status?: ScanStatus | undefined;
  readonly since?: string | undefined;
  readonly accountId?: string | undefined;
  readonly region?: string | undefined;
  readonly limit: number;
  /** The last scan of the previous page: the page continues strictly after it in (started_at, scan_id) order. */
  readonly after?: { readonly startedAt: string; readonly scanId: string } | undefined;
}

/**
 * Scans newest first with a keyset cursor on (started_at, scan_id), the order of the scans_by_start index: a scan
 * started while a client pages sorts before its first page, so pages neither repeat nor skip rows.
 */
export const listScanPage = async (core: Core, input: ScanPageInput): Promise<{ scans: ScanRecord[]; more: boolean }> => {
  const rows = await queryScans(core, { ...input, limit: input.limit + 1 });
  return { scans: rows.slice(0, input.limit), more: rows.length > input.limit };
};

/** Scans per status over the whole read model (the original counted within its last 1,000 scans). */
export const countScansByStatus = async (core: Core): Promise<Record<ScanStatus, number>> => {
  const counts: Record<ScanStatus, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  for (const row of await core.backend.models.count({ table: 'scans', groupBy: 'status' })) counts[row.key as ScanStatus] = row.n;
  return counts;
};

export const countCheckpoints = async (core: Core): Promise<number> =>
  (await core.backend.models.count({ table: 'checkpoints' }))[0]?.n ?? 0;
