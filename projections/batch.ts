import type { RecordedEvent } from '../src/events/index.js';
import type { Cell, Projection, ProjectionContext, Row, RowAccess, RowRef, TableSpec } from './projection.js';

export const keyText = (key: readonly Cell[]): string => JSON.stringify(key);
export const keyOf = (spec: TableSpec, row: Row): Cell[] => spec.key.map((c) => row[c] ?? null);

/** Whether a key (as `keyText`) begins with these values: '["f1"' begins every key whose first value is "f1". */
export const keyStartsWith = (prefix: readonly Cell[]): ((key: string) => boolean) => {
  const p = keyText(prefix).slice(0, -1);
  return (key) => key.startsWith(p) && (key.length === p.length + 1 || key[p.length] === ',');
};

/** What a batch changes in one table, in the order a backend must write it: prefix deletes, then rows, then counters. */
export interface TableChanges {
  readonly spec: TableSpec;
  readonly prefixDeletes: readonly (readonly Cell[])[];
  /** Rows to write: `before` is the row as loaded (undefined: a new row), so a backend can update only what changed. */
  readonly puts: readonly { readonly before: Row | undefined; readonly after: Row }[];
  readonly deletes: readonly (readonly Cell[])[];
  readonly counters: ReadonlyMap<string, number>;
}

interface Pending {
  /** Loaded (or, after a prefix delete, known to be gone) rows: undefined means absent. */
  readonly loaded: Map<string, Row | undefined>;
  readonly current: Map<string, Row | undefined>;
  readonly prefixDeletes: Cell[][];
  readonly counters: Map<string, number>;
}

/**
 * The rows of one batch, in memory: what the backend loaded for it and what the projections wrote since. Reading a
 * row nobody declared is a bug in a projection (its `reads` is incomplete) and throws, on every backend alike.
 */
export class RowCache implements RowAccess {
  private readonly tables = new Map<string, Pending>();

  constructor(private readonly specs: ReadonlyMap<string, TableSpec>) {}

  private table(name: string): Pending {
    let t = this.tables.get(name);
    if (t === undefined) {
      if (!this.specs.has(name)) throw new Error(`no read-model table ${name}`);
      this.tables.set(name, (t = { loaded: new Map(), current: new Map(), prefixDeletes: [], counters: new Map() }));
    }
    return t;
  }

  /** The backend records what it loaded (undefined for a key with no row). */
  loaded(table: string, key: readonly Cell[], row: Row | undefined): void {
    const t = this.table(table);
    const k = keyText(key);
    if (!t.loaded.has(k)) {
      t.loaded.set(k, row);
      t.current.set(k, row);
    }
  }

  get(table: string, key: readonly Cell[]): Row | undefined {
    const t = this.table(table);
    const k = keyText(key);
    if (!t.current.has(k)) throw new Error(`read-model row ${table} ${k} was read without being declared by reads()`);
    return t.current.get(k);
  }

  put(table: string, row: Row): void {
    const t = this.table(table);
    const spec = this.specs.get(table) as TableSpec;
    const k = keyText(keyOf(spec, row));
    if (!t.loaded.has(k)) t.loaded.set(k, undefined); // written without reading: an insert (or an upsert of a child row)
    t.current.set(k, row);
  }

  delete(table: string, key: readonly Cell[]): void {
    const t = this.table(table);
    const k = keyText(key);
    if (!t.loaded.has(k)) t.loaded.set(k, undefined);
    t.current.set(k, undefined);
  }

  deletePrefix(table: string, prefix: readonly Cell[]): void {
    const t = this.table(table);
    const under = keyStartsWith(prefix);
    t.prefixDeletes.push([...prefix]);
    for (const k of t.current.keys()) if (under(k)) {
      t.current.set(k, undefined);
      // After the delete the row is gone in the database too: a later put is an insert.
      t.loaded.set(k, undefined);
    }
  }

  add(table: string, key: string, delta: number): void {
    const t = this.table(table);
    t.counters.set(key, (t.counters.get(key) ?? 0) + delta);
  }

  /** What to write back, per table. */
  changes(): TableChanges[] {
    const out: TableChanges[] = [];
    for (const [name, t] of this.tables) {
      const spec = this.specs.get(name) as TableSpec;
      const puts: { before: Row | undefined; after: Row }[] = [];
      const deletes: Cell[][] = [];
      for (const [k, row] of t.current) {
        const before = t.loaded.get(k);
        if (row === before) continue;
        if (row === undefined) deletes.push(JSON.parse(k) as Cell[]);
        else puts.push({ before, after: row });
      }
      const counters = new Map([...t.counters].filter(([, d]) => d !== 0));
      if (t.prefixDeletes.length + puts.length + deletes.length + counters.size > 0)
        out.push({ spec, prefixDeletes: t.prefixDeletes, puts, deletes, counters });
    }
    return out;
  }
}

const handled = new WeakMap<Projection, ReadonlySet<string>>();
/** Whether the projection applies events of this type (its `handles`); every path asks the same question. */
export const handles = (p: Projection, type: string): boolean => {
  let types = handled.get(p);
  if (types === undefined) handled.set(p, (types = new Set(p.handles)));
  return types.has(type);
};

export const tableSpecs = (projections: readonly Projection[]): Map<string, TableSpec> =>
  new Map(projections.flatMap((p) => p.tables.map((t) => [t.name, t] as const)));

/** Every row a batch reads, per table (deduplicated), so a backend loads each table's rows in one query. */
export const rowsToLoad = (
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
  refolds: ReadonlyMap<number, readonly RecordedEvent[]>,
): Map<string, (readonly Cell[])[]> => {
  const wanted = new Map<string, Map<string, readonly Cell[]>>();
  const add = (ref: RowRef) => {
    let keys = wanted.get(ref.table);
    if (keys === undefined) wanted.set(ref.table, (keys = new Map()));
    keys.set(keyText(ref.key), ref.key);
  };
  for (const event of events) {
    for (const p of projections) if (handles(p, event.type)) for (const ref of p.reads(event)) add(ref);
    for (const e of refolds.get(event.position) ?? [])
      for (const p of projections) if (handles(p, e.type)) for (const ref of p.reads(e)) add(ref);
  }
  return new Map([...wanted].map(([table, keys]) => [table, [...keys.values()]]));
};

/**
 * Applies events in log order to every projection. An event in `refolds` (a replicated event that sorts before
 * events of its stream already applied) makes its entity fold again: each projection that can `forget` takes the
 * entity back out and folds its events (given in fold order, up to this one) anew, so every replica holds the fold
 * of the same events in the same order, whatever order they arrived in.
 */
export const applyBatch = (
  projections: readonly Projection[],
  rows: RowAccess,
  events: readonly RecordedEvent[],
  refolds: ReadonlyMap<number, readonly RecordedEvent[]>,
  context: ProjectionContext,
): void => {
  for (const event of events) {
    const history = refolds.get(event.position);
    for (const p of projections) {
      if (!handles(p, event.type)) continue;
      if (history === undefined || p.forget === undefined) {
        p.apply(rows, event, context);
        continue;
      }
      p.forget(rows, event, context);
      for (const e of history) if (handles(p, e.type)) p.apply(rows, e, context);
    }
  }
};
