import type Database from 'better-sqlite3';
import type { Cell, Row, TableChanges, TableSpec } from '../../../projections/index.js';
import type { CountQuery, Filter, ProjectionPosition, ReadModels, RowQuery } from '../../ports/read-models.js';
import { sqlite } from '../sql/dialect.js';
import type { Namer } from '../sql/ddl.js';
import { renderCount, renderLoad, renderMin, renderRows } from '../sql/query.js';

const chunk = 500;

/**
 * Statements on one connection, prepared once per text. A filter or a key list makes the text vary; a bound keeps
 * an unusual caller from growing the cache without end.
 */
export class Statements {
  private readonly cache = new Map<string, Database.Statement<unknown[]>>();
  constructor(private readonly db: Database.Database) {}
  get(text: string): Database.Statement<unknown[]> {
    let statement = this.cache.get(text);
    if (statement === undefined) {
      if (this.cache.size >= 512) this.cache.clear();
      this.cache.set(text, (statement = this.db.prepare<unknown[]>(text)));
    }
    return statement;
  }
  clear(): void {
    this.cache.clear();
  }
}

/** Loads the rows of one table by key, in chunks, into `found`. */
export const loadRows = (
  statements: Statements,
  spec: TableSpec,
  table: string,
  keys: readonly (readonly Cell[])[],
  found: (key: readonly Cell[], row: Row | undefined) => void,
): void => {
  for (let i = 0; i < keys.length; i += chunk) {
    const part = keys.slice(i, i + chunk);
    const { text, params } = renderLoad(sqlite, spec, table, part);
    const rows = statements.get(text).all(...params) as Row[];
    const byKey = new Map(rows.map((r) => [JSON.stringify(spec.key.map((c) => r[c] ?? null)), r]));
    for (const key of part) found(key, byKey.get(JSON.stringify(key)));
  }
};

/**
 * Writes one table's changes. A changed row is an UPDATE of only the columns that changed: SQLite maintains only
 * the indexes over the columns an UPDATE sets, so a sighting that moves `last_seen` and `scan_count` leaves the
 * asset, rule and scope indexes alone (an upsert of every column would rewrite them all).
 */
export const saveChanges = (statements: Statements, changes: TableChanges, table: string): void => {
  const { spec } = changes;
  const id = (c: string) => sqlite.id(c);
  const keyWhere = spec.key.map((c) => `${id(c)} = ?`).join(' AND ');
  for (const prefix of changes.prefixDeletes)
    statements.get(`DELETE FROM ${id(table)} WHERE ${spec.key.slice(0, prefix.length).map((c) => `${id(c)} = ?`).join(' AND ')}`).run(...prefix);
  for (const key of changes.deletes) statements.get(`DELETE FROM ${id(table)} WHERE ${keyWhere}`).run(...key);
  const columns = Object.keys(spec.columns);
  for (const { before, after } of changes.puts) {
    if (before === undefined) {
      statements
        .get(`INSERT INTO ${id(table)} (${columns.map(id).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
          ON CONFLICT (${spec.key.map(id).join(', ')}) DO UPDATE SET ${columns.map((c) => `${id(c)} = excluded.${id(c)}`).join(', ')}`)
        .run(...columns.map((c) => after[c] ?? null));
      continue;
    }
    const changed = columns.filter((c) => !spec.key.includes(c) && after[c] !== before[c]);
    if (changed.length === 0) continue;
    statements
      .get(`UPDATE ${id(table)} SET ${changed.map((c) => `${id(c)} = ?`).join(', ')} WHERE ${keyWhere}`)
      .run(...changed.map((c) => after[c] ?? null), ...spec.key.map((c) => after[c] ?? null));
  }
  for (const [key, delta] of changes.counters) {
    statements.get(`INSERT INTO ${id(table)} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`).run(key, delta);
    // A counter at zero has no row, however it got there: a rebuild and an incremental fold agree row for row.
    statements.get(`DELETE FROM ${id(table)} WHERE key = ? AND value = 0`).run(key);
  }
};

/** The read models of an SQLite file, as the ReadModels port. */
export class SqliteModels implements ReadModels {
  constructor(
    private readonly db: Database.Database,
    private readonly statements: Statements,
    private readonly specs: ReadonlyMap<string, TableSpec>,
    private readonly live: Namer,
  ) {}

  private spec(table: string): TableSpec {
    const spec = this.specs.get(table);
    if (spec === undefined) throw new Error(`no read-model table ${table}`);
    return spec;
  }

  rowsSync(q: RowQuery): Row[] {
    const { text, params } = renderRows(sqlite, this.spec(q.table), this.live(q.table), q);
    return this.statements.get(text).all(...params) as Row[];
  }

  async rows(q: RowQuery): Promise<Row[]> {
    return this.rowsSync(q);
  }

  async count(q: CountQuery): Promise<{ key: Cell; n: number }[]> {
    const { text, params } = renderCount(sqlite, this.spec(q.table), this.live(q.table), q);
    return this.statements.get(text).all(...params) as { key: Cell; n: number }[];
  }

  async min(table: string, column: string, where: readonly Filter[] = []): Promise<Cell> {
    const { text, params } = renderMin(sqlite, this.spec(table), this.live(table), column, where);
    return (this.statements.get(text).get(...params) as { value: Cell } | undefined)?.value ?? null;
  }

  async counters(table: string): Promise<Map<string, number>> {
    this.spec(table);
    const rows = this.statements.get(`SELECT key, value FROM ${sqlite.id(this.live(table))}`).all() as { key: string; value: number }[];
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  positionsSync(): ProjectionPosition[] {
    return this.statements.get('SELECT name, version, position FROM projection_state ORDER BY name').all() as ProjectionPosition[];
  }

  async positions(): Promise<ProjectionPosition[]> {
    return this.positionsSync();
  }

  /**
   * One deferred read transaction: every query `read` starts before its first await runs on one WAL snapshot. The
   * queries here are synchronous inside, so a `read` that calls them back to back (awaiting each) still reads one
   * snapshot as long as the transaction is open; it stays open until `read` settles.
   */
  async snapshot<T>(read: (models: ReadModels) => Promise<T>): Promise<{ position: number; value: T }> {
    if (this.db.inTransaction) {
      const value = await read(this);
      return { position: this.lowest(), value };
    }
    this.db.prepare('BEGIN').run();
    try {
      const position = this.lowest();
      const value = await read(this);
      return { position, value };
    } finally {
      if (this.db.inTransaction) this.db.prepare('COMMIT').run();
    }
  }

  lowest(): number {
    return (this.statements.get('SELECT min(position) AS p FROM projection_state').get() as { p: number | null } | undefined)?.p ?? 0;
  }
}
