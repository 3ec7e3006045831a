import type Database from 'better-sqlite3';
import type { ConsumerInfo, ConsumerLease, Consumers, DeadLetter } from '../../ports/consumers.js';

const ddl = `
CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, holder TEXT, fence INTEGER NOT NULL, position INTEGER NOT NULL,
  expires_at INTEGER NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS consumer_dead_letters (consumer TEXT NOT NULL, position INTEGER NOT NULL, event_id TEXT NOT NULL,
  stream TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (consumer, position)) STRICT;
`;

interface Row {
  name: string;
  holder: string | null;
  fence: number;
  position: number;
  expires_at: number;
}

const leaseOf = (r: Row): ConsumerLease => ({ name: r.name, holder: r.holder ?? '', fence: r.fence, position: r.position, expiresAt: r.expires_at });

/** Consumers' leases in the log's file; each step is one immediate transaction, so processes sharing the file agree. */
export class SqliteConsumers implements Consumers {
  constructor(private readonly db: Database.Database) {
    db.exec(ddl);
  }

  async acquire(name: string, holder: string, o: { ttlMs: number; now: number; startAt: number }): Promise<ConsumerLease | null> {
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[string], Row>('SELECT * FROM consumers WHERE name = ?').get(name);
        const expiresAt = o.now + o.ttlMs;
        if (row === undefined) {
          this.db.prepare('INSERT INTO consumers (name, holder, fence, position, expires_at) VALUES (?, ?, 1, ?, ?)').run(name, holder, o.startAt, expiresAt);
          return { name, holder, fence: 1, position: o.startAt, expiresAt };
        }
        if (row.holder === holder) {
          this.db.prepare('UPDATE consumers SET expires_at = ? WHERE name = ?').run(expiresAt, name);
          return leaseOf({ ...row, expires_at: expiresAt });
        }
        if (row.holder !== null && row.expires_at > o.now) return null;
        this.db.prepare('UPDATE consumers SET holder = ?, fence = fence + 1, expires_at = ? WHERE name = ?').run(holder, expiresAt, name);
        return leaseOf({ ...row, holder, fence: row.fence + 1, expires_at: expiresAt });
      })
      .immediate();
  }

  async renew(lease: ConsumerLease, ttlMs: number, now: number): Promise<ConsumerLease | null> {
    const expiresAt = now + ttlMs;
    const info = this.db
      .prepare('UPDATE consumers SET expires_at = ? WHERE name = ? AND holder = ? AND fence = ?')
      .run(expiresAt, lease.name, lease.holder, lease.fence);
    return info.changes === 1 ? { ...lease, expiresAt } : null;
  }

  async advance(lease: ConsumerLease, position: number, deadLetters: readonly DeadLetter[] = []): Promise<boolean> {
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare('UPDATE consumers SET position = max(position, ?) WHERE name = ? AND fence = ?')
          .run(position, lease.name, lease.fence);
        if (info.changes !== 1) return false;
        const insert = this.db.prepare(
          'INSERT OR REPLACE INTO consumer_dead_letters (consumer, position, event_id, stream, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        for (const d of deadLetters) insert.run(lease.name, d.position, d.eventId, d.stream, d.attempts, d.error.slice(0, 2000), d.at);
        return true;
      })
      .immediate();
  }

  async release(lease: ConsumerLease): Promise<void> {
    this.db.prepare('UPDATE consumers SET holder = NULL, expires_at = 0 WHERE name = ? AND holder = ? AND fence = ?').run(lease.name, lease.holder, lease.fence);
  }

  async list(): Promise<ConsumerInfo[]> {
    const rows = this.db
      .prepare<[], Row & { dead: number }>(
        'SELECT c.*, (SELECT count(*) FROM consumer_dead_letters d WHERE d.consumer = c.name) AS dead FROM consumers c ORDER BY c.name',
      )
      .all();
    return rows.map((r) => ({ name: r.name, holder: r.holder, fence: r.fence, position: r.position, expiresAt: r.expires_at, deadLetters: r.dead }));
  }

  async deadLetters(name: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare<[string, number], { consumer: string; position: number; event_id: string; stream: string; attempts: number; error: string; at: string }>(
        'SELECT * FROM consumer_dead_letters WHERE consumer = ? ORDER BY position LIMIT ?',
      )
      .all(name, options.limit ?? 1000);
    return rows.map((r) => ({ consumer: r.consumer, position: r.position, eventId: r.event_id, stream: r.stream, attempts: r.attempts, error: r.error, at: r.at }));
  }
}
