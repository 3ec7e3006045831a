import type Database from 'better-sqlite3';
import type { LogCopy, StoredConsumer, StoredDeadLetter, StoredEvent, StoredRefusal, StreamCount } from '../../ports/migrate.js';
import { auditValues, storedRefusalOf, type AuditRow } from '../audit.js';
import { auditDdl, hasAudit } from './audit.js';

type Raw = [number, string, string, string, number, string, number, string, string, string, string | null];

/**
 * The embedded log's rows for `log migrate`. Rows are inserted with their position as the rowid: SQLite hands out
 * max(rowid)+1 next, so positions stay those of the source and later appends follow them.
 */
export class SqliteLogCopy implements LogCopy {
  private readonly pageOf: Database.Statement<[number, number], Raw>;
  private readonly insertRow: Database.Statement<[number, string, string, string, number, string, number, string, string, string, string | null]>;
  private readonly insertMany: Database.Transaction<(events: readonly StoredEvent[]) => void>;

  constructor(private readonly db: Database.Database) {
    this.pageOf = db
      .prepare<[number, number], Raw>(
        'SELECT position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at FROM events WHERE position > ? ORDER BY position LIMIT ?',
      )
      .raw();
    this.insertRow = db.prepare(
      'INSERT INTO events (position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertMany = db.transaction((events: readonly StoredEvent[]) => {
      for (const e of events) this.insertRow.run(e.position, e.id, e.stream, e.origin, e.revision, e.type, e.schema, e.data, e.meta, e.checksum, e.foldAt);
    });
  }

  async page(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    return this.pageOf.all(afterPosition, limit).map((r) => ({
      position: r[0], id: r[1], stream: r[2], origin: r[3], revision: r[4], type: r[5], schema: r[6], data: r[7], meta: r[8], checksum: r[9], foldAt: r[10],
    }));
  }

  async headPosition(): Promise<number> {
    return (this.db.prepare('SELECT max(position) FROM events').pluck().get() as number | null) ?? 0;
  }

  async firstPosition(): Promise<number> {
    return (this.db.prepare('SELECT min(position) FROM events').pluck().get() as number | null) ?? 0;
  }

  async insert(events: readonly StoredEvent[]): Promise<void> {
    if (events.length > 0) this.insertMany.immediate(events);
  }

  async clock(): Promise<string | null> {
    return (this.db.prepare("SELECT value FROM store_meta WHERE key = 'clock'").pluck().get() as string | undefined) ?? null;
  }

  async raiseClock(instant: string): Promise<void> {
    this.db
      .prepare("INSERT INTO store_meta (key, value) VALUES ('clock', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE excluded.value > value")
      .run(instant);
  }

  async streamCounts(upToPosition: number): Promise<StreamCount[]> {
    return this.db
      .prepare<[number], StreamCount>(
        'SELECT stream, origin, count(*) AS events FROM events WHERE position <= ? GROUP BY stream, origin ORDER BY stream, origin',
      )
      .all(upToPosition);
  }

  async consumers(): Promise<{ consumers: StoredConsumer[]; deadLetters: StoredDeadLetter[] }> {
    const consumers = this.db
      .prepare<[], StoredConsumer>('SELECT name, holder, fence, position, expires_at AS expiresAt FROM consumers ORDER BY name')
      .all();
    const deadLetters = this.db
      .prepare<[], StoredDeadLetter>(
        'SELECT consumer, position, event_id AS eventId, stream, attempts, error, at FROM consumer_dead_letters ORDER BY consumer, position',
      )
      .all();
    return { consumers, deadLetters };
  }

  async putConsumers(consumers: readonly StoredConsumer[], deadLetters: readonly StoredDeadLetter[]): Promise<void> {
    const consumer = this.db.prepare(
      `INSERT INTO consumers (name, holder, fence, position, expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, fence = max(fence, excluded.fence),
         position = max(position, excluded.position), expires_at = excluded.expires_at`,
    );
    const dead = this.db.prepare(
      `INSERT INTO consumer_dead_letters (consumer, position, event_id, stream, attempts, error, at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (consumer, position) DO NOTHING`,
    );
    this.db
      .transaction(() => {
        for (const c of consumers) consumer.run(c.name, c.holder, c.fence, c.position, c.expiresAt);
        for (const d of deadLetters) dead.run(d.consumer, d.position, d.eventId, d.stream, d.attempts, d.error, d.at);
      })
      .immediate();
  }

  async refusals(afterSeq: number, limit: number): Promise<StoredRefusal[]> {
    if (!hasAudit(this.db)) return [];
    return (this.db.prepare('SELECT * FROM access_audit WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as AuditRow[]).map(storedRefusalOf);
  }

  async refusalHead(): Promise<number> {
    if (!hasAudit(this.db)) return 0;
    return (this.db.prepare('SELECT max(seq) FROM access_audit').pluck().get() as number | null) ?? 0;
  }

  async insertRefusals(rows: readonly StoredRefusal[]): Promise<void> {
    if (rows.length === 0) return;
    this.db
      .transaction(() => {
        this.db.exec(auditDdl);
        const insert = this.db.prepare(
          'INSERT INTO access_audit (seq, at, method, route, status, reason, actor, role, token_id, via, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const r of rows) insert.run(...auditValues(r));
      })
      .immediate();
  }

  async putProbe(value: string | null): Promise<void> {
    if (value === null) this.db.prepare("DELETE FROM store_meta WHERE key = 'migrate_probe'").run();
    else this.db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('migrate_probe', ?)").run(value);
  }

  async readProbe(): Promise<string | null> {
    return (this.db.prepare("SELECT value FROM store_meta WHERE key = 'migrate_probe'").pluck().get() as string | undefined) ?? null;
  }
}
