import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { Cell, ColumnType, Row, TableChanges, TableSpec } from '../../../projections/index.js';
import type { CountQuery, Filter, ProjectionPosition, ReadModels, RowQuery } from '../../ports/read-models.js';
import { placeholders, type Dialect } from '../sql/dialect.js';
import { renderCount, renderMin, renderRows, type Rendered } from '../sql/query.js';
import type { Queryable } from './read.js';

/** The array type a column's values travel in, one array per column (`unnest` makes rows of them). */
const arrayType = (t: ColumnType | undefined): string => (t === 'integer' ? 'bigint[]' : t === 'real' ? 'float8[]' : 'text[]');

const keyText = (key: readonly Cell[]): string => JSON.stringify(key);

/**
 * Loads the rows of one table whose keys are given, in one statement however many there are: the keys travel as
 * one array per key column (a single-column key by `= ANY`, a composite one joined to `unnest`).
 */
export const loadRows = async (
  db: Queryable,
  dialect: Dialect,
  spec: TableSpec,
  table: string,
  keys: readonly (readonly Cell[])[],
  found: (key: readonly Cell[], row: Row | undefined) => void,
): Promise<void> => {
  if (keys.length === 0) return;
  const cols = spec.key;
  const params = cols.map((_, i) => keys.map((k) => k[i] ?? null));
  const types = cols.map((c) => arrayType(spec.columns[c]?.type));
  const text =
    cols.length === 1
      ? `SELECT * FROM ${dialect.table(table)} WHERE ${dialect.id(cols[0] as string)} = ANY($1::${types[0]})`
      : `SELECT t.* FROM ${dialect.table(table)} t JOIN unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')})
           AS k(${cols.map(dialect.id).join(', ')}) ON ${cols.map((c) => `t.${dialect.id(c)} = k.${dialect.id(c)}`).join(' AND ')}`;
  const { rows } = await db.query<Row>(text, params);
  const byKey = new Map(rows.map((r) => [keyText(cols.map((c) => r[c] ?? null)), r]));
  for (const key of keys) found(key, byKey.get(keyText(key)));
};

/** `unnest($first::type[], …)` over these columns, and the arrays that go with it. */
const unnestOf = (spec: TableSpec, columns: readonly string[], rows: readonly (readonly Cell[])[], first = 1): { sql: string; params: Cell[][] } => ({
  sql: `unnest(${columns.map((c, i) => `$${first + i}::${arrayType(spec.columns[c]?.type)}`).join(', ')})`,
  params: columns.map((_, i) => rows.map((r) => r[i] ?? null)),
});

/**
 * Writes one table's changes for a batch, one statement per kind of change (never one per row): prefix deletes
 * (per prefix length), deletes, one multi-row upsert of every row written, and the counters (moved by their deltas,
 * then the ones at zero deleted, so a rebuild and an incremental fold agree row for row). Updating every column is
 * no dearer here than updating the changed ones: PostgreSQL keeps an update on the heap page without touching the
 * indexes (HOT) when no indexed value changed, whatever the statement names.
 */
export const saveChanges = async (db: Queryable, dialect: Dialect, changes: TableChanges, table: string): Promise<void> => {
  const { spec } = changes;
  const id = (c: string) => dialect.id(c);
  const t = dialect.table(table);
  const byLength = new Map<number, (readonly Cell[])[]>();
  for (const prefix of changes.prefixDeletes) {
    const list = byLength.get(prefix.length) ?? [];
    list.push(prefix);
    byLength.set(prefix.length, list);
  }
  const deleteKeys = async (columns: readonly string[], keys: readonly (readonly Cell[])[]) => {
    const { sql, params } = unnestOf(spec, columns, keys);
    await db.query(`DELETE FROM ${t} USING ${sql} AS d(${columns.map(id).join(', ')}) WHERE ${columns.map((c) => `${t}.${id(c)} = d.${id(c)}`).join(' AND ')}`, params);
  };
  for (const [length, prefixes] of byLength) await deleteKeys(spec.key.slice(0, length), prefixes);
  if (changes.deletes.length > 0) await deleteKeys(spec.key, changes.deletes);
  if (changes.puts.length > 0) {
    const columns = Object.keys(spec.columns);
    const { sql, params } = unnestOf(spec, columns, changes.puts.map(({ after }) => columns.map((c) => after[c] ?? null)));
    const rest = columns.filter((c) => !spec.key.includes(c));
    const onConflict = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${id(c)} = excluded.${id(c)}`).join(', ')}`;
    await db.query(`INSERT INTO ${t} (${columns.map(id).join(', ')}) SELECT * FROM ${sql} ON CONFLICT (${spec.key.map(id).join(', ')}) ${onConflict}`, params);
  }
  if (changes.counters.size > 0) {
    const keys = [...changes.counters.keys()];
    const { rows } = await db.query<{ key: string; value: number }>(
      `INSERT INTO ${t} AS t (key, value) SELECT * FROM unnest($1::text[], $2::float8[])
       ON CONFLICT (key) DO UPDATE SET value = t.value + excluded.value RETURNING t.key, t.value`,
      [keys, [...changes.counters.values()]],
    );
    // Rows that came to zero go (a counter at zero is no row); one more round trip only when some did. Projections
    // apply under the order lock, so nothing moves these rows in between.
    const zero = rows.filter((r) => Number(r.value) === 0).map((r) => r.key);
    if (zero.length > 0) await db.query(`DELETE FROM ${t} WHERE key = ANY($1::text[]) AND value = 0`, [zero]);
  }
};

/**
 * Inserts new rows into a table nobody else writes (a rebuild's shadow), as one JSON document the server unpacks
 * (`json_populate_recordset` over the table's own row type): far less work for this process than the driver's
 * quoting of one text array per column, and no conflict to resolve, since every key is new.
 */
export const insertRows = async (db: Queryable, dialect: Dialect, rows: readonly Row[], table: string): Promise<void> => {
  if (rows.length === 0) return;
  const t = dialect.table(table);
  await db.query(`INSERT INTO ${t} SELECT * FROM json_populate_recordset(NULL::${t}, $1::json)`, [JSON.stringify(rows)]);
};

export interface ModelsPlace {
  readonly dialect: Dialect;
  readonly specs: ReadonlyMap<string, TableSpec>;
  /** `projection_state`, qualified. */
  readonly stateTable: string;
  /** The projections whose positions count. */
  readonly names: readonly string[];
}

/** The read models of one PostgreSQL schema, as the ReadModels port. Numbers come back as numbers (see rows.ts). */
export class PostgresModels implements ReadModels {
  constructor(
    private readonly place: ModelsPlace,
    /** Where a query runs: the pool, a unit of work's client, a snapshot's client. */
    private readonly db: () => Queryable,
    /** Clients for snapshots; null inside a snapshot or a unit of work (a snapshot there reads what they read). */
    private readonly pool: () => pg.Pool | null,
    /**
     * Runs a snapshot's work with the log's reads on the snapshot's client too (the backend passes its store's
     * `readingOn`): a read route that also reads the log (a finding's history) then needs no second connection
     * while it holds one, so snapshots filling the pool cannot starve each other, and sees the log as of the
     * same snapshot.
     */
    private readonly enter: <T>(client: Queryable, work: () => Promise<T>) => Promise<T> = (_client, work) => work(),
  ) {}

  private spec(table: string): TableSpec {
    const spec = this.place.specs.get(table);
    if (spec === undefined) throw new Error(`no read-model table ${table}`);
    return spec;
  }

  /**
   * The snapshot the calling async context reads in, if any: a caller inside `snapshot(read)` that reaches these
   * models by another path than the argument `read` was given (the engine's queries go through the backend's
   * models) still reads the snapshot, never the pool beside it.
   */
  private readonly inSnapshot = new AsyncLocalStorage<Queryable>();

  private client(): Queryable {
    return this.inSnapshot.getStore() ?? this.db();
  }

  private async run<T extends Record<string, unknown>>({ text, params }: Rendered): Promise<T[]> {
    return (await this.client().query<T>(placeholders(this.place.dialect, text), params)).rows;
  }

  async rows(q: RowQuery): Promise<Row[]> {
    return this.run<Row>(renderRows(this.place.dialect, this.spec(q.table), q.table, q));
  }

  async count(q: CountQuery): Promise<{ key: Cell; n: number }[]> {
    return this.run<{ key: Cell; n: number }>(renderCount(this.place.dialect, this.spec(q.table), q.table, q));
  }

  async min(table: string, column: string, where: readonly Filter[] = []): Promise<Cell> {
    const [row] = await this.run<{ value: Cell }>(renderMin(this.place.dialect, this.spec(table), table, column, where));
    return row?.value ?? null;
  }

  async counters(table: string): Promise<Map<string, number>> {
    this.spec(table);
    const { rows } = await this.client().query<{ key: string; value: number }>(`SELECT key, value FROM ${this.place.dialect.table(table)}`);
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async positions(): Promise<ProjectionPosition[]> {
    const { rows } = await this.client().query<ProjectionPosition>(
      `SELECT name, version, position FROM ${this.place.stateTable} WHERE name = ANY($1::text[]) ORDER BY name`,
      [this.place.names],
    );
    return rows;
  }

  /** The lowest position of the projections: every read model reflects the log up to it. */
  async lowest(): Promise<number> {
    return lowestOn(this.client(), this.place);
  }

  /**
   * One REPEATABLE READ, READ ONLY transaction on one client: every query `read` makes sees one snapshot, and the
   * position returned is the one that snapshot's projection_state holds. Before the snapshot is taken, every
   * read-model table is locked in ACCESS SHARE mode (which blocks no writer): a rebuild's swap, which drops and
   * renames tables, waits for the snapshot to end, and a snapshot that starts during a swap waits for it and reads
   * the new tables. Without the locks, a snapshot older than a swap would read a table whose rows it was not taken
   * for.
   */
  async snapshot<T>(read: (models: ReadModels) => Promise<T>): Promise<{ position: number; value: T }> {
    const pool = this.inSnapshot.getStore() === undefined ? this.pool() : null;
    if (pool === null) {
      const position = await this.lowest();
      return { position, value: await read(this) };
    }
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const tables = [...this.place.specs.keys()].map((t) => this.place.dialect.table(t));
        await client.query(`LOCK TABLE ${[this.place.stateTable, ...tables].join(', ')} IN ACCESS SHARE MODE`);
        const inside = new PostgresModels(this.place, () => client, () => null);
        const position = await inside.lowest();
        const value = await this.enter(client, () => this.inSnapshot.run(client, () => read(inside)));
        await client.query('COMMIT');
        return { position, value };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      }
    } finally {
      client.release(broken);
    }
  }
}

export const lowestOn = async (db: Queryable, place: Pick<ModelsPlace, 'stateTable' | 'names'>): Promise<number> => {
  const { rows } = await db.query<{ p: number | null }>(`SELECT min(position) AS p FROM ${place.stateTable} WHERE name = ANY($1::text[])`, [place.names]);
  return rows[0]?.p ?? 0;
};
