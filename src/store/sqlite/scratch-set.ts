import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * A set of strings on disk, for checks over inputs larger than memory (every finding id of a 3 GB import file): a
 * private temporary database (in a 0700 directory), removed by `close`. Nothing in it needs to survive a crash, so it
 * has no journal and one open transaction; SQLite's page cache bounds the memory it takes.
 */
export class ScratchSet {
  private readonly dir = mkdtempSync(join(tmpdir(), 'stance-state-'));
  private readonly db = new Database(join(this.dir, 'set.db'));
  private readonly insert: Database.Statement<[string, string]>;
  private readonly tagOf: Database.Statement<[string], string>;

  constructor() {
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE members (value TEXT PRIMARY KEY, tag TEXT NOT NULL) WITHOUT ROWID; BEGIN');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO members (value, tag) VALUES (?, ?)');
    this.tagOf = this.db.prepare<[string], string>('SELECT tag FROM members WHERE value = ?').pluck();
  }

  /** Adds `value` labelled `tag`; returns undefined when it is new, else the tag it was first added with. */
  add(value: string, tag: string): string | undefined {
    if (this.insert.run(value, tag).changes === 1) return undefined;
    return this.tagOf.get(value);
  }

  close(): void {
    if (this.db.open) this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
