import type Database from 'better-sqlite3';
import type { ScanStatus } from '../events/index.js';
import type { StateEngine } from './engine.js';
import { sql } from './core.js';
import type { ScanRecord } from './records.js';
import { queryScans } from './scans.js';

/*
 * Read-model queries the HTTP API needs and the facade lacks (issue 4). Kept apart from the facade's files so the
 * API could land without editing them; each reads only projection tables (and projection_state), never the log.
 */


/** The log position every read model reflects (the lowest projection's), without catching up or counting rows. */
export const readModelPosition = (engine: StateEngine): number =>
  sql<[], { p: number | null }>(engine, 'SELECT min(position) AS p FROM projection_state').get()?.p ?? 0;

/** Each projection's position, for lag: projectionStatus() also counts rows, which costs a scan per call. */
export const projectionPositions = (engine: StateEngine): { name: string; position: number }[] =>
  sql<[], { name: string; position: number }>(engine, 'SELECT name, position FROM projection_state ORDER BY name')
    .all();

/**
 * Runs `read` and reads the position in one SQLite read transaction, so the position is exactly the state the
 * answer reflects (a write by another process between the two would otherwise pair an old position with new rows,
 * and two different bodies could carry one ETag). `read` must start every engine call before its first await: the
 * facade's queries are synchronous inside, so their work happens within the transaction.
 */
type Started = { readonly position: number; readonly pending: readonly [Promise<unknown>] };
const snapshots = new WeakMap<Database.Database, (engine: StateEngine, read: () => Promise<unknown>) => Started>();

export const readConsistent = async <T>(
  engine: StateEngine,
  read: () => Promise<T>,
): Promise<{ position: number; value: T }> => {
  const db = engine.store.db;
  let snapshot = snapshots.get(db);
  // Made once per connection: better-sqlite3 builds a transaction function's four variants on every call.
  if (snapshot === undefined)
    snapshots.set(
      db,
      (snapshot = db.transaction((e: StateEngine, r: () => Promise<unknown>): Started => {
        const position = readModelPosition(e);
        // Wrapped so better-sqlite3 does not see a promise returned from the transaction function (it refuses one).
        return { position, pending: [r()] };
      })),
    );
  const started = snapshot(engine, read);
  return { position: started.position, value: (await started.pending[0]) as T };
};

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
export const listScanPage = (engine: StateEngine, input: ScanPageInput): { scans: ScanRecord[]; more: boolean } => {
  const rows = queryScans(engine, { ...input, limit: input.limit + 1 });
  return { scans: rows.slice(0, input.limit), more: rows.length > input.limit };
};

/** Scans per status over the whole read model (the original counted within its last 1,000 scans). */
export const countScansByStatus = (engine: StateEngine): Record<ScanStatus, number> => {
  const counts: Record<ScanStatus, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
  const rows = sql<[], { status: ScanStatus; n: number }>(
    engine,
    'SELECT status, count(*) AS n FROM scans GROUP BY status',
  );
  for (const row of rows.all()) counts[row.status] = row.n;
  return counts;
};

export const countCheckpoints = (engine: StateEngine): number =>
  sql<[], { n: number }>(engine, 'SELECT count(*) AS n FROM checkpoints').get()?.n ?? 0;
