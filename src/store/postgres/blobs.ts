import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { BlobInfo, BlobStats, BlobStore } from '../../ports/blobs.js';
import { createInSchema } from './schema.js';

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');


/**
 * Bodies in a table of the deployment's schema (`<schema>.blobs`), for the PostgreSQL backend. It takes the pool the
 * log uses and the schema name; `install()` creates the table once (safe from several processes at once).
 *
 * `bytea` with STORAGE EXTERNAL: bodies arrive gzip-compressed (and maybe encrypted), so PostgreSQL's own TOAST
 * compression would only spend CPU; they are still moved out of line, so the table's pages stay small. A delete
 * leaves dead tuples; `vacuum()` (plain VACUUM, no exclusive lock) makes their space reusable and gives back the
 * pages at the table's end, and reports the relation's size (table, TOAST and index) before and after.
 */
export class PostgresBlobs implements BlobStore {
  private readonly table: string;
  private readonly schemaLiteral: string;

  /**
   * `db` is where puts, reads and deletes go: the backend passes its unit of work's client inside one, so a body
   * and the event naming it commit together (as on SQLite); the pool otherwise. Stats and vacuum use the pool.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly clock: () => number = Date.now,
    private readonly db: () => Pick<pg.Pool, 'query'> = () => pool,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
    this.table = `"${schema}".blobs`;
    this.schemaLiteral = `'"${schema}".blobs'`;
  }

  /**
   * Creates the schema (if missing) and the table; idempotent, under the schema's DDL lock (the one the log takes to
   * create its tables), so processes creating the log, the blobs and the consumers at once never race.
   */
  async install(): Promise<void> {
    await createInSchema(this.pool, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.table} (sha256 text PRIMARY KEY, bytes bytea NOT NULL,
        stored bigint NOT NULL, created_at bigint NOT NULL)`,
      `ALTER TABLE ${this.table} ALTER COLUMN bytes SET STORAGE EXTERNAL`,
    ]);
  }

  async put(sha256: string, bytes: Uint8Array): Promise<boolean> {
    if (sha256Of(bytes) !== sha256) throw new Error(`blob put: the bytes do not hash to ${sha256}`);
    const result = await this.db().query(
      `INSERT INTO ${this.table} (sha256, bytes, stored, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength, this.clock()],
    );
    return result.rowCount === 1;
  }

  async get(sha256: string): Promise<Buffer | null> {
    const result = await this.db().query<{ bytes: Buffer }>(`SELECT bytes FROM ${this.table} WHERE sha256 = $1`, [sha256]);
    return result.rows[0]?.bytes ?? null;
  }

  async has(sha256s: readonly string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const result = await this.db().query<{ sha256: string }>(`SELECT sha256 FROM ${this.table} WHERE sha256 = ANY($1::text[])`, [sha256s]);
    return new Set(result.rows.map((r) => r.sha256));
  }

  async delete(sha256s: readonly string[]): Promise<number> {
    if (sha256s.length === 0) return 0;
    const result = await this.db().query(`DELETE FROM ${this.table} WHERE sha256 = ANY($1::text[])`, [sha256s]);
    return result.rowCount ?? 0;
  }

  async list(options: { after?: string; limit?: number } = {}): Promise<BlobInfo[]> {
    const result = await this.pool.query<{ sha256: string; stored: string; created_at: string }>(
      // COLLATE "C": address order is byte order on every server, whatever the database's locale.
      `SELECT sha256, stored, created_at FROM ${this.table} WHERE sha256 COLLATE "C" > $1 ORDER BY sha256 COLLATE "C" LIMIT $2`,
      [options.after ?? '', options.limit ?? 1000],
    );
    return result.rows.map((r) => ({ sha256: r.sha256, stored: Number(r.stored), createdAt: Number(r.created_at) }));
  }

  private async allocated(): Promise<number> {
    const result = await this.pool.query<{ n: string }>(`SELECT pg_total_relation_size(${this.schemaLiteral}::regclass) AS n`);
    return Number(result.rows[0]?.n ?? 0);
  }

  async stats(): Promise<BlobStats> {
    const result = await this.pool.query<{ n: string; bytes: string | null }>(`SELECT count(*) AS n, sum(stored) AS bytes FROM ${this.table}`);
    const row = result.rows[0];
    return { count: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0), allocated: await this.allocated() };
  }

  async vacuum(): Promise<{ before: number; after: number }> {
    const before = await this.allocated();
    // VACUUM cannot run inside a transaction block: one statement on a pooled connection, outside any.
    await this.pool.query(`VACUUM ${this.table}`);
    return { before, after: await this.allocated() };
  }
}
