import type pg from 'pg';
import type { LogCopy, StoredConsumer, StoredDeadLetter, StoredEvent, StoredRefusal, StreamCount } from '../../ports/migrate.js';
import { auditValues, storedRefusalOf, type AuditRow } from '../audit.js';
import type { EventRow } from '../recorded.js';
import type { SchemaNames } from './schema.js';
import { inTransaction } from './transaction.js';

/** A stored row with its capped fold instant (replicated events whose batch carried one). */
type Row = EventRow & { fold_at: string | null };

/**
 * A PostgreSQL log's rows for `log migrate`. The pool's type parsers give json columns as their stored text, so the
 * bytes the checksum covers travel unchanged. Inserts take the schema's order lock (as every commit does), place
 * the rows at their own positions and move the position sequence past them, so a writer after the cut-over draws
 * the next position.
 */
export class PostgresLogCopy implements LogCopy {
  private readonly consumersTable: string;
  private readonly deadTable: string;
  private readonly auditTable: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly n: SchemaNames,
  ) {
    this.consumersTable = `"${n.schema}".consumers`;
    this.deadTable = `"${n.schema}".consumer_dead_letters`;
    this.auditTable = `"${n.schema}".access_audit`;
  }

  async page(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT position, id::text AS id, stream, origin, revision, type, schema, data, meta, checksum, fold_at
       FROM ${this.n.events} WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    );
    return rows.map((r) => ({
      position: r.position, id: r.id, stream: r.stream, origin: r.origin, revision: r.revision, type: r.type, schema: r.schema,
      data: r.data, meta: r.meta, checksum: r.checksum, foldAt: r.fold_at,
    }));
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ p: number | null }>(`SELECT max(position) AS p FROM ${this.n.events}`);
    return rows[0]?.p ?? 0;
  }

  async firstPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ p: number | null }>(`SELECT min(position) AS p FROM ${this.n.events}`);
    return rows[0]?.p ?? 0;
  }

  async insert(events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(f: (e: StoredEvent) => T): T[] => events.map(f);
    const last = events[events.length - 1]?.position ?? 0;
    await inTransaction(
      this.pool,
      async (client) => {
        await client.query(
          `INSERT INTO ${this.n.events} (position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at)
           SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::integer[],
                                $8::json[], $9::json[], $10::text[], $11::text[])`,
          [
            column((e) => e.position), column((e) => e.id), column((e) => e.stream), column((e) => e.origin), column((e) => e.revision),
            column((e) => e.type), column((e) => e.schema), column((e) => e.data), column((e) => e.meta), column((e) => e.checksum),
            column((e) => e.foldAt),
          ],
        );
        // is_called is true after setval, so nextval gives last + 1; a sequence already further on stays there.
        await client.query(
          `SELECT setval(${this.n.positionsLiteral}, greatest($1::bigint, (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${this.n.positions})))`,
          [last],
        );
        await client.query(`SELECT pg_notify($1, $2)`, [this.n.channel, String(last)]);
      },
      `SELECT pg_advisory_xact_lock(${this.n.orderLock})`,
    );
  }

  async clock(): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.n.meta} WHERE key = 'clock'`);
    return rows[0]?.value ?? null;
  }

  async raiseClock(instant: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.n.meta} (key, value) VALUES ('clock', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value
       WHERE store_meta.value COLLATE "C" < excluded.value COLLATE "C"`,
      [instant],
    );
  }

  async streamCounts(upToPosition: number): Promise<StreamCount[]> {
    // Byte order (COLLATE "C"), as SQLite sorts text, so two stores' lists compare item by item.
    const { rows } = await this.pool.query<StreamCount>(
      `SELECT stream, origin, count(*)::int AS events FROM ${this.n.events} WHERE position <= $1
       GROUP BY stream, origin ORDER BY stream COLLATE "C", origin COLLATE "C"`,
      [upToPosition],
    );
    return rows;
  }

  async consumers(): Promise<{ consumers: StoredConsumer[]; deadLetters: StoredDeadLetter[] }> {
    const consumers = await this.pool.query<StoredConsumer>(
      `SELECT name, holder, fence, position, expires_at AS "expiresAt" FROM ${this.consumersTable} ORDER BY name COLLATE "C"`,
    );
    const dead = await this.pool.query<StoredDeadLetter>(
      `SELECT consumer, position, event_id AS "eventId", stream, attempts, error, at FROM ${this.deadTable} ORDER BY consumer COLLATE "C", position`,
    );
    return { consumers: consumers.rows, deadLetters: dead.rows };
  }

  async putConsumers(consumers: readonly StoredConsumer[], deadLetters: readonly StoredDeadLetter[]): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      for (const c of consumers)
        await client.query(
          `INSERT INTO ${this.consumersTable} (name, holder, fence, position, expires_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, fence = greatest(consumers.fence, excluded.fence),
             position = greatest(consumers.position, excluded.position), expires_at = excluded.expires_at`,
          [c.name, c.holder, c.fence, c.position, c.expiresAt],
        );
      for (const d of deadLetters)
        await client.query(
          `INSERT INTO ${this.deadTable} (consumer, position, event_id, stream, attempts, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (consumer, position) DO NOTHING`,
          [d.consumer, d.position, d.eventId, d.stream, d.attempts, d.error, d.at],
        );
    });
  }

  /** A schema opened for its log alone may not have the backend's tables yet. */
  private async hasAudit(): Promise<boolean> {
    const { rows } = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [this.auditTable]);
    return rows[0]?.t != null;
  }

  async refusals(afterSeq: number, limit: number): Promise<StoredRefusal[]> {
    if (!(await this.hasAudit())) return [];
    const { rows } = await this.pool.query<AuditRow>(`SELECT * FROM ${this.auditTable} WHERE seq > $1 ORDER BY seq LIMIT $2`, [afterSeq, limit]);
    return rows.map(storedRefusalOf);
  }

  async refusalHead(): Promise<number> {
    if (!(await this.hasAudit())) return 0;
    const { rows } = await this.pool.query<{ s: string | null }>(`SELECT max(seq)::text AS s FROM ${this.auditTable}`);
    return Number(rows[0]?.s ?? 0);
  }

  async insertRefusals(rows: readonly StoredRefusal[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map(auditValues);
    await inTransaction(this.pool, async (client) => {
      // One statement a page, a column an array (as the events' insert), at the rows' own numbers.
      await client.query(
        `INSERT INTO ${this.auditTable} (seq, at, method, route, status, reason, actor, role, token_id, via, remote) OVERRIDING SYSTEM VALUE
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::text[], $8::text[],
                              $9::text[], $10::text[], $11::text[])`,
        Array.from({ length: 11 }, (_, i) => values.map((v) => v[i])),
      );
      // The next refusal recorded here is numbered after the copied ones. (The audit is append-only: no row above
      // its highest number was ever stored, so a number handed out and rolled back may be reused, never a stored one.)
      await client.query(`SELECT setval(pg_get_serial_sequence($1, 'seq'), (SELECT max(seq) FROM ${this.auditTable}))`, [this.auditTable]);
    });
  }

  async putProbe(value: string | null): Promise<void> {
    if (value === null) await this.pool.query(`DELETE FROM ${this.n.meta} WHERE key = 'migrate_probe'`);
    else
      await this.pool.query(
        `INSERT INTO ${this.n.meta} (key, value) VALUES ('migrate_probe', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [value],
      );
  }

  async readProbe(): Promise<string | null> {
    const { rows } = await this.pool.query<{ value: string }>(`SELECT value FROM ${this.n.meta} WHERE key = 'migrate_probe'`);
    return rows[0]?.value ?? null;
  }
}
