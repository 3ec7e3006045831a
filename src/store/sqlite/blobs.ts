import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { BlobInfo, BlobStats, BlobStore } from '../../ports/blobs.js';

const ddl = `CREATE TABLE IF NOT EXISTS blobs (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL, stored INTEGER NOT NULL,
  created_at INTEGER NOT NULL) STRICT`;

const sizeOf = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Bodies in a table of the log's own file. Synchronous inside, like the rest of the adapter: a put made inside a
 * unit of work (BEGIN IMMEDIATE) commits or rolls back with the events that name the body.
 */
export class SqliteBlobs implements BlobStore {
  private readonly path: string;

  /** `create`: make the table (a writer); a reader of a file without it sees no bodies and creates nothing. */
  constructor(
    private readonly db: Database.Database,
    private readonly clock: () => number,
    create: boolean,
  ) {
    this.path = db.name;
    if (create) db.exec(ddl);
  }

  private exists(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'blobs'").get() !== undefined;
  }

  async put(sha256: string, bytes: Uint8Array): Promise<boolean> {
    if (sha256Of(bytes) !== sha256) throw new Error(`blob put: the bytes do not hash to ${sha256}`);
    const info = this.db
      .prepare('INSERT INTO blobs (sha256, bytes, stored, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING')
      .run(sha256, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes.byteLength, this.clock());
    return info.changes === 1;
  }

  async get(sha256: string): Promise<Buffer | null> {
    if (!this.exists()) return null;
    const row = this.db.prepare<[string], { bytes: Buffer }>('SELECT bytes FROM blobs WHERE sha256 = ?').get(sha256);
    return row?.bytes ?? null;
  }

  async has(sha256s: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (sha256s.length === 0 || !this.exists()) return found;
    for (let i = 0; i < sha256s.length; i += 500) {
      const part = sha256s.slice(i, i + 500);
      const rows = this.db.prepare(`SELECT sha256 FROM blobs WHERE sha256 IN (${part.map(() => '?').join(', ')})`).pluck().all(...part) as string[];
      for (const sha of rows) found.add(sha);
    }
    return found;
  }

  async delete(sha256s: readonly string[]): Promise<number> {
    if (sha256s.length === 0 || !this.exists()) return 0;
    let n = 0;
    const remove = this.db.prepare('DELETE FROM blobs WHERE sha256 = ?');
    this.db.transaction(() => {
      for (const sha of sha256s) n += remove.run(sha).changes;
    })();
    return n;
  }

  async list(options: { after?: string; limit?: number } = {}): Promise<BlobInfo[]> {
    if (!this.exists()) return [];
    const rows = this.db
      .prepare<[string, number], { sha256: string; stored: number; created_at: number }>(
        'SELECT sha256, stored, created_at FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?',
      )
      .all(options.after ?? '', options.limit ?? 1000);
    return rows.map((r) => ({ sha256: r.sha256, stored: r.stored, createdAt: r.created_at }));
  }

  async stats(): Promise<BlobStats> {
    const allocated = this.fileBytes();
    if (!this.exists()) return { count: 0, bytes: 0, allocated };
    const row = this.db.prepare<[], { n: number; bytes: number | null }>('SELECT count(*) AS n, sum(stored) AS bytes FROM blobs').get();
    return { count: row?.n ?? 0, bytes: row?.bytes ?? 0, allocated };
  }

  private fileBytes(): number {
    return sizeOf(this.path) + sizeOf(`${this.path}-wal`);
  }

  /**
   * VACUUM rewrites the file without its free pages (the space deleted bodies held), then the WAL it went through
   * is checkpointed and truncated. Nothing else of this process may be mid-transaction (SQLite refuses VACUUM then);
   * other processes' writers wait on the lock, as for any write.
   */
  async vacuum(): Promise<{ before: number; after: number }> {
    const before = this.fileBytes();
    this.db.exec('VACUUM');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return { before, after: this.fileBytes() };
  }
}
