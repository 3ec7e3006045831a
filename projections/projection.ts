import { ReadModelsUpgraded } from '../src/errors.js';
import type { MergeContext } from '../src/domain/index.js';
import type { RecordedEvent } from '../src/events/index.js';

/** A cell of a read-model row: what every backend stores alike. JSON columns hold canonical JSON text. */
export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;

export type ColumnType = 'text' | 'integer' | 'real';
export interface Column {
  readonly type: ColumnType;
  readonly nullable?: boolean;
  /**
   * Text compared and sorted by code point (byte order of UTF-8), whatever the database's locale: SQLite's default,
   * PostgreSQL's COLLATE "C". For columns a range condition or a keyset page compares.
   */
  readonly binary?: boolean;
}

/** A partial index's condition: the one shape the read models need, rendered by each backend's dialect. */
export interface IndexFilter {
  readonly column: string;
  readonly op: '=' | '<>' | 'is not null';
  readonly value?: string;
}

export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  readonly where?: IndexFilter;
}

/**
 * A read-model table, described rather than written in SQL: each backend renders its DDL (types, upserts,
 * partial indexes) in its own dialect. `key` is the primary key. A counter table (`counters`) has columns
 * `key` (text) and `value` (real): its rows are moved by deltas and vanish at zero.
 */
export interface TableSpec {
  readonly name: string;
  readonly columns: Readonly<Record<string, Column>>;
  readonly key: readonly string[];
  readonly indexes?: readonly IndexSpec[];
  readonly counters?: boolean;
}

/** One row by its table and primary key values. */
export interface RowRef {
  readonly table: string;
  readonly key: readonly Cell[];
}

/**
 * What `apply` sees of its projection's tables: the rows the runner loaded for the batch (every `reads` of every
 * event in it), and what apply writes, kept in memory until the batch is saved in one go.
 */
export interface RowAccess {
  /** A row declared by `reads` (or written earlier in the batch); reading any other row is a bug and throws. */
  get(table: string, key: readonly Cell[]): Row | undefined;
  put(table: string, row: Row): void;
  delete(table: string, key: readonly Cell[]): void;
  /** Deletes every row whose key starts with these values (say, all of one finding's notes), loaded or not. */
  deletePrefix(table: string, prefix: readonly Cell[]): void;
  /** Moves a counter by a delta (counter tables only); nothing is read. */
  add(table: string, key: string, delta: number): void;
}

/** What a projection may know beyond the events: how replicas merge concurrent decisions, and who is local. */
export interface ProjectionContext {
  merge(): MergeContext;
}

/**
 * A read model: a name, a version, its tables, and pure functions over plain rows. It touches only its own tables,
 * never reads the log or another projection, and ignores events it does not use. The backend loads the rows a
 * batch reads in one query per table, applies every event in memory, and writes back what changed, in the same
 * transaction as the events where it can.
 */
export interface Projection {
  readonly name: string;
  /** Bump on any change to tables or apply: the runner rebuilds into shadow tables, then swaps. */
  readonly version: number;
  /** The first is the one whose rows `projections status` counts. */
  readonly tables: readonly TableSpec[];
  /**
   * The event types `apply` reacts to. Every other event passes it by, on every path (a batch, a catch-up, a
   * rebuild), so a rebuild reads only these types for it.
   */
  readonly handles: readonly string[];
  /**
   * 'stream': every row it reads or writes (its counters aside) belongs to the entity its event's stream names, and
   * the catalogue keeps the two in agreement (`finding-a` cannot carry a sighting of finding `b`). A rebuild may then
   * fold it stream by stream: each entity's rows built in memory from its whole history and written once, with
   * memory bounded by one entity rather than by the log or the number of entities.
   */
  readonly partition?: 'stream';
  /** The rows applying this event reads. */
  reads(event: RecordedEvent): readonly RowRef[];
  apply(rows: RowAccess, event: RecordedEvent, context: ProjectionContext): void;
  /**
   * Takes back everything the event's entity contributed, so the runner can fold that entity again in fold order
   * when a replicated event arrives that sorts before events already applied. Without it, the projection is
   * order-independent for replicated events (or ignores them).
   */
  forget?(rows: RowAccess, event: RecordedEvent, context: ProjectionContext): void;
}

/** Columns from a compact list: `'finding_id:text scan_count:integer collector:text?'` (`?`: nullable; `text!`: binary). */
export const columns = (list: string): Record<string, Column> =>
  Object.fromEntries(
    list
      .trim()
      .split(/\s+/)
      .map((item) => {
        const [name, given = ''] = item.split(':');
        const nullable = given.endsWith('?');
        const type = nullable ? given.slice(0, -1) : given;
        const binary = type.endsWith('!');
        const t = (binary ? type.slice(0, -1) : type) as ColumnType;
        if (name === undefined || !['text', 'integer', 'real'].includes(t) || (binary && t !== 'text')) throw new Error(`bad column ${item}`);
        return [name, { type: t, ...(nullable ? { nullable } : {}), ...(binary ? { binary } : {}) }];
      }),
  );

/**
 * Refuses a commit in a process whose projections are older than the tables' (a newer release rebuilt them): see
 * ReadModelsUpgraded. Projections of an older stored version are rebuilt at open, so only newer ones are refused here.
 */
export const refuseIfUpgraded = (list: readonly Projection[], stored: ReadonlyMap<string, number>): void => {
  for (const p of list) {
    const version = stored.get(p.name);
    if (version !== undefined && version > p.version) throw new ReadModelsUpgraded(p.name, version, p.version);
  }
};
