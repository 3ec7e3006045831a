import type Database from 'better-sqlite3';
import type { Cell, Row, TableChanges, TableSpec } from '../../../projections/index.js';
import type { CountQuery, Filter, ProjectionPosition, ReadModels, RowQuery } from '../../ports/read-models.js';
import { sqlite } from '../sql/dialect.js';
import type { Namer } from '../sql/ddl.js';
import { renderCount, renderLoad, renderMin, renderRows } from '../sql/query.js';

/**
 * The statements that read and write one table, prepared once per connection: a batch writes thousands of rows, and
 * rendering (and hashing, to find in a cache) a long SQL text per row would cost more than SQLite's own work.
 */
class TableStatements {
  private readonly id = (c: string) => sqlite.id(c);
  private readonly columns: readonly string[];
  private readonly keyWhere: string;
  private readonly loads = new Map<number, Database.Statement<unknown[]>>();
  private readonly updates = new Map<string, Database.Statement<unknown[]>>();
  private readonly prefixDeletes = new Map<number, Database.Statement<unknown[]>>();
  private insertStatement: Database.Statement<unknown[]> | undefined;
  private deleteStatement: Database.Statement<unknown[]> | undefined;
  private counterStatements: [Database.Statement<unknown[]>, Database.Statement<unknown[]>] | undefined;

  constructor(
    private readonly db: Database.Database,
    readonly spec: TableSpec,
    private readonly table: string,
  ) {
    this.columns = Object.keys(spec.columns);
    this.keyWhere = spec.key.map((c) => `${this.id(c)} = ?`).join(' AND ');
  }

  load(count: number): Database.Statement<unknown[]> {
    let statement = this.loads.get(count);
    if (statement === undefined) {
      const keys = Array.from({ length: count }, () => this.spec.key.map(() => null));
      this.loads.set(count, (statement = this.db.prepare<unknown[]>(renderLoad(sqlite, this.spec, this.table, keys).text)));
    }
    return statement;
  }

  insert(): Database.Statement<unknown[]> {
    const id = this.id;
    return (this.insertStatement ??= this.db.prepare<unknown[]>(
      `INSERT INTO ${id(this.table)} (${this.columns.map(id).join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})
        ON CONFLICT (${this.spec.key.map(id).join(', ')}) DO UPDATE SET ${this.columns.map((c) => `${id(c)} = excluded.${id(c)}`).join(', ')}`,
    ));
  }

  update(changed: readonly string[]): Database.Statement<unknown[]> {
    const name = changed.join(' ');
    let statement = this.updates.get(name);
    if (statement === undefined)
      this.updates.set(
        name,
        (statement = this.db.prepare<unknown[]>(`UPDATE ${this.id(this.table)} SET ${changed.map((c) => `${this.id(c)} = ?`).join(', ')} WHERE ${this.keyWhere}`)),
      );
    return statement;
  }

  delete(): Database.Statement<unknown[]> {
    return (this.deleteStatement ??= this.db.prepare<unknown[]>(`DELETE FROM ${this.id(this.table)} WHERE ${this.keyWhere}`));
  }

  deletePrefix(length: number): Database.Statement<unknown[]> {
    let statement = this.prefixDeletes.get(length);
    if (statement === undefined) {
      const where = this.spec.key.slice(0, length).map((c) => `${this.id(c)} = ?`).join(' AND ');
      this.prefixDeletes.set(length, (statement = this.db.prepare<unknown[]>(`DELETE FROM ${this.id(this.table)} WHERE ${where}`)));
    }
    return statement;
  }

  counters(): [Database.Statement<unknown[]>, Database.Statement<unknown[]>] {
    const t = this.id(this.table);
    return (this.counterStatements ??= [
      this.db.prepare<unknown[]>(`INSERT INTO ${t} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`),
      this.db.prepare<unknown[]>(`DELETE FROM ${t} WHERE key = ? AND value = 0`),
    ]);
  }

  get writable(): readonly string[] {
    return this.columns;
  }
}

/**
 * Statements on one connection, prepared once per text. A filter or a key list makes the text vary; a bound keeps
 * an unusual caller from growing the cache without end.
 */
export class Statements {
  private readonly cache = new Map<string, Database.Statement<unknown[]>>();
  private readonly tables = new Map<string, TableStatements>();
  constructor(private readonly db: Database.Database) {}
  get(text: string): Database.Statement<unknown[]> {
    let statement = this.cache.get(text);
    if (statement === undefined) {
      if (this.cache.size >= 512) this.cache.clear();
      this.cache.set(text, (statement = this.db.prepare<unknown[]>(text)));
    }
    return statement;
  }
  /** The statements of one table (live or shadow), by its name in the file. */
  table(spec: TableSpec, table: string): TableStatements {
    let t = this.tables.get(table);
    if (t === undefined || t.spec !== spec) this.tables.set(table, (t = new TableStatements(this.db, spec, table)));
    return t;
  }
  clear(): void {
    this.cache.clear();
    this.tables.clear();
  }
}

const chunk = 500;

/** Loads the rows of one table by key, in chunks, into `found`. */
export const loadRows = (
  statements: Statements,
  spec: TableSpec,
  table: string,
  keys: readonly (readonly Cell[])[],
  found: (key: readonly Cell[], row: Row | undefined) => void,
): void => {
  const t = statements.table(spec, table);
  const single = spec.key.length === 1 ? (spec.key[0] as string) : undefined;
  for (let i = 0; i < keys.length; i += chunk) {
    const part = keys.slice(i, i + chunk);
    const rows = t.load(part.length).all(...part.flat()) as Row[];
    if (single !== undefined) {
      // One key column: its value is the lookup key, no encoding needed.
      const byKey = new Map(rows.map((r) => [r[single] ?? null, r]));
      for (const key of part) found(key, byKey.get(key[0] ?? null));
      continue;
    }
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
  const t = statements.table(spec, table);
  for (const prefix of changes.prefixDeletes) t.deletePrefix(prefix.length).run(...prefix);
  for (const key of changes.deletes) t.delete().run(...key);
  const columns = t.writable;
  const key = spec.key;
  for (const { before, after } of changes.puts) {
    if (before === undefined) {
      t.insert().run(...columns.map((c) => after[c] ?? null));
      continue;
    }
    const changed = columns.filter((c) => after[c] !== before[c] && !key.includes(c));
    if (changed.length === 0) continue;
    t.update(changed).run(...changed.map((c) => after[c] ?? null), ...key.map((c) => after[c] ?? null));
  }
  if (changes.counters.size > 0) {
    const [add, dropZero] = t.counters();
    for (const [name, delta] of changes.counters) {
      add.run(name, delta);
      // A counter at zero has no row, however it got there: a rebuild and an incremental fold agree row for row.
      dropZero.run(name);
    }
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
