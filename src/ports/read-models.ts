import type { Cell, Row } from '../../projections/index.js';

/** One condition on a column; `in` and `not in` take a list. */
export interface ColumnFilter {
  readonly column: string;
  readonly op: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is null' | 'is not null';
  readonly value?: Cell | readonly Cell[];
}
/** Rows meeting every condition of at least one of the groups (none: no row). */
export interface AnyOfFilter {
  readonly anyOf: readonly (readonly ColumnFilter[])[];
}
export type Filter = ColumnFilter | AnyOfFilter;

/**
 * A query on one read-model table, as data: each backend renders it in its own dialect, so nothing above the store
 * writes SQL. `after` is keyset paging: rows strictly after these values of these columns, in the `order` given
 * (every column of `after` must lead `order`, in the same directions).
 */
export interface RowQuery {
  readonly table: string;
  readonly where?: readonly Filter[];
  readonly after?: { readonly columns: readonly string[]; readonly values: readonly Cell[] };
  readonly order?: readonly { readonly column: string; readonly desc?: boolean }[];
  readonly limit?: number;
  /** Only these columns (default: all). */
  readonly columns?: readonly string[];
}

export interface CountQuery {
  readonly table: string;
  readonly where?: readonly Filter[];
  /** Count per value of this column (else one total under the key null). */
  readonly groupBy?: string;
}

export interface ProjectionPosition {
  readonly name: string;
  readonly version: number;
  /** Every event up to this log position is in the projection's tables. */
  readonly position: number;
}

export interface ProjectionStatus extends ProjectionPosition {
  readonly rows: number;
}

/** The read models' store: what queries read. Rows come back as plain objects of cells. */
export interface ReadModels {
  rows(query: RowQuery): Promise<Row[]>;
  count(query: CountQuery): Promise<{ readonly key: Cell; readonly n: number }[]>;
  /** The smallest value of a column among the rows that match, or null. */
  min(table: string, column: string, where?: readonly Filter[]): Promise<Cell>;
  /** A counter table's counters. */
  counters(table: string): Promise<Map<string, number>>;
  positions(): Promise<ProjectionPosition[]>;
  /**
   * Runs `read` on one consistent snapshot of the read models and returns what it read with the log position that
   * snapshot reflects: the position and the answer always agree, whatever other writers do meanwhile. Every query
   * made while `read` runs (in its async context) through these models, the argument or the backend's own, reads
   * that snapshot, so code that reaches the read models by another path (the engine's queries) joins it.
   */
  snapshot<T>(read: (models: ReadModels) => Promise<T>): Promise<{ readonly position: number; readonly value: T }>;
}
