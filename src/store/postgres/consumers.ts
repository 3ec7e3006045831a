import type pg from 'pg';
import type { ConsumerInfo, ConsumerLease, Consumers, DeadLetter } from '../../ports/consumers.js';
import { createInSchema } from './schema.js';

interface Row {
  name: string;
  holder: string | null;
  fence: string;
  position: string;
  expires_at: string;
}

const leaseOf = (r: Row): ConsumerLease => ({
  name: r.name,
  holder: r.holder ?? '',
  fence: Number(r.fence),
  position: Number(r.position),
  expiresAt: Number(r.expires_at),
});

/**
 * Named consumers' leases in the deployment's schema, for the PostgreSQL backend (takes the log's pool and the
 * schema name; `install()` creates the tables). Each step is one statement (or one transaction for an advance with
 * dead letters), so processes on any machine agree on who holds a consumer and under which fencing number.
 */
export class PostgresConsumers implements Consumers {
  private readonly consumers: string;
  private readonly dead: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
  ) {
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
    this.consumers = `"${schema}".consumers`;
    this.dead = `"${schema}".consumer_dead_letters`;
  }

  async install(): Promise<void> {
    await createInSchema(this.pool, this.schema, [
      `CREATE TABLE IF NOT EXISTS ${this.consumers} (name text PRIMARY KEY, holder text, fence bigint NOT NULL,
        position bigint NOT NULL, expires_at bigint NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${this.dead} (consumer text NOT NULL, position bigint NOT NULL,
        event_id text NOT NULL, stream text NOT NULL, attempts integer NOT NULL, error text NOT NULL, at text NOT NULL,
        PRIMARY KEY (consumer, position))`,
    ]);
  }


  async acquire(name: string, holder: string, o: { ttlMs: number; now: number; startAt: number }): Promise<ConsumerLease | null> {
    // One statement: insert, take over an expired or free lease (next fence), extend one's own (same fence), or
    // nothing (another holds it: no row comes back).
    const result = await this.pool.query<Row>(
      `INSERT INTO ${this.consumers} AS c (name, holder, fence, position, expires_at) VALUES ($1, $2, 1, $3, $4)
       ON CONFLICT (name) DO UPDATE SET holder = $2, expires_at = $4,
         fence = CASE WHEN c.holder = $2 THEN c.fence ELSE c.fence + 1 END
       WHERE c.holder = $2 OR c.holder IS NULL OR c.expires_at <= $5
       RETURNING *`,
      [name, holder, o.startAt, o.now + o.ttlMs, o.now],
    );
    const row = result.rows[0];
    return row === undefined ? null : leaseOf(row);
  }

  async renew(lease: ConsumerLease, ttlMs: number, now: number): Promise<ConsumerLease | null> {
    const expiresAt = now + ttlMs;
    const result = await this.pool.query(`UPDATE ${this.consumers} SET expires_at = $1 WHERE name = $2 AND holder = $3 AND fence = $4`, [
      expiresAt,
      lease.name,
      lease.holder,
      lease.fence,
    ]);
    return result.rowCount === 1 ? { ...lease, expiresAt } : null;
  }

  async advance(lease: ConsumerLease, position: number, deadLetters: readonly DeadLetter[] = []): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const moved = await client.query(`UPDATE ${this.consumers} SET position = greatest(position, $1) WHERE name = $2 AND fence = $3`, [
        position,
        lease.name,
        lease.fence,
      ]);
      if (moved.rowCount !== 1) {
        await client.query('ROLLBACK');
        return false;
      }
      for (const d of deadLetters)
        await client.query(
          `INSERT INTO ${this.dead} (consumer, position, event_id, stream, attempts, error, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (consumer, position) DO UPDATE SET attempts = excluded.attempts, error = excluded.error, at = excluded.at`,
          [lease.name, d.position, d.eventId, d.stream, d.attempts, d.error.slice(0, 2000), d.at],
        );
      await client.query('COMMIT');
      return true;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async release(lease: ConsumerLease): Promise<void> {
    await this.pool.query(`UPDATE ${this.consumers} SET holder = NULL, expires_at = 0 WHERE name = $1 AND holder = $2 AND fence = $3`, [
      lease.name,
      lease.holder,
      lease.fence,
    ]);
  }

  async list(): Promise<ConsumerInfo[]> {
    const result = await this.pool.query<Row & { dead: string }>(
      `SELECT c.*, (SELECT count(*) FROM ${this.dead} d WHERE d.consumer = c.name) AS dead FROM ${this.consumers} c ORDER BY c.name COLLATE "C"`,
    );
    return result.rows.map((r) => ({ ...leaseOf(r), holder: r.holder, deadLetters: Number(r.dead) }));
  }

  async deadLetters(name: string, options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const result = await this.pool.query<{ consumer: string; position: string; event_id: string; stream: string; attempts: number; error: string; at: string }>(
      `SELECT * FROM ${this.dead} WHERE consumer = $1 ORDER BY position LIMIT $2`,
      [name, options.limit ?? 1000],
    );
    return result.rows.map((r) => ({ consumer: r.consumer, position: Number(r.position), eventId: r.event_id, stream: r.stream, attempts: r.attempts, error: r.error, at: r.at }));
  }
}
