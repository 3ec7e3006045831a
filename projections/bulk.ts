import type { RecordedEvent } from '../src/events/index.js';
import { applyBatch, RowCache, rowsToLoad, type TableChanges } from './batch.js';
import type { Cell, Projection, ProjectionContext, Row, TableSpec } from './projection.js';

/**
 * A rebuild's fold, in memory: the rows of the shadow tables stay in one RowCache across the chunks of the log, so a
 * row is written once per spill (in key order) instead of once per chunk, and read from the database only if an
 * earlier spill wrote it out. Until the first spill the shadow tables are empty, so a row not in memory is known to
 * be absent without a query. When more than `budget` rows are held, the caller writes what `spill` returns and the
 * fold starts afresh with nothing in memory: memory is bounded by the budget, whatever the length of the log.
 *
 * The events are applied exactly as the live path applies them (applyBatch, in log order, with the same refolds),
 * so a rebuild's rows are the incremental fold's; only where the rows wait between events differs.
 */
export class BulkFold {
  private cache: RowCache;
  private spilled = false;

  constructor(
    private readonly projections: readonly Projection[],
    private readonly specs: ReadonlyMap<string, TableSpec>,
    private readonly budget: number,
  ) {
    if (!(Number.isSafeInteger(budget) && budget >= 1)) throw new Error(`a rebuild's row budget is a positive integer, got ${budget}`);
    this.cache = new RowCache(specs, true);
  }

  /** The rows applying these events reads that only the database can say (none before the first spill), per table. */
  toLoad(events: readonly RecordedEvent[], refolds: ReadonlyMap<number, readonly RecordedEvent[]>): Map<string, (readonly Cell[])[]> {
    const out = new Map<string, (readonly Cell[])[]>();
    if (!this.spilled) return out;
    for (const [table, keys] of rowsToLoad(this.projections, events, refolds)) {
      const missing = keys.filter((key) => !this.cache.holds(table, key));
      if (missing.length > 0) out.set(table, missing);
    }
    return out;
  }

  /** The backend records a row it loaded for `toLoad` (undefined: no such row). */
  loaded(table: string, key: readonly Cell[], row: Row | undefined): void {
    this.cache.loaded(table, key, row);
  }

  apply(events: readonly RecordedEvent[], refolds: ReadonlyMap<number, readonly RecordedEvent[]>, context: ProjectionContext): void {
    applyBatch(this.projections, this.cache, events, refolds, context);
  }

  /** Whether the rows held passed the budget: time to spill. */
  get full(): boolean {
    return this.cache.size > this.budget;
  }

  /** Everything changed since the last spill, rows in key order, and memory emptied; the caller writes it before the next `toLoad`. */
  spill(): TableChanges[] {
    const changes = this.cache.changes(true);
    this.cache = new RowCache(this.specs);
    this.spilled = true;
    return changes;
  }
}

/**
 * One table's changes cut into parts of at most `size` rows each, in the order they must be written: the deletes go
 * with the first part, the counters with the last. A backend that sends a part as one statement keeps it bounded.
 */
export const inParts = (changes: TableChanges, size: number): TableChanges[] => {
  if (changes.puts.length <= size) return [changes];
  const parts: TableChanges[] = [];
  for (let i = 0; i < changes.puts.length; i += size) {
    const first = i === 0;
    const last = i + size >= changes.puts.length;
    parts.push({
      spec: changes.spec,
      prefixDeletes: first ? changes.prefixDeletes : [],
      deletes: first ? changes.deletes : [],
      puts: changes.puts.slice(i, i + size),
      counters: last ? changes.counters : new Map(),
    });
  }
  return parts;
};

/** Rows a rebuild holds in memory before it spills them to the shadow tables. */
export const defaultRebuildRows = 50_000;
