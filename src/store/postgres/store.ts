import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { assertStreamName, Id, instantOf, type Instant, type NewEvent, type RecordedEvent } from '../../events/index.js';
import { InvalidInput } from '../../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  LogStats,
  ReadAllOptions,
  ReadStreamOptions,
  StreamWrite,
  SubscribeOptions,
  Subscription,
  VerifyReport,
} from '../contract.js';
import type { ImportOutcome, ImportRules } from '../foreign.js';
import { defaultOrigin } from '../origin.js';
import { parseWriteSchemas, prepareWrites, withWriteSchema, writeSchemasKey, type PreparedWrite, type WriteSchemas } from '../prepare.js';

import { eventTargets, materialize, planWrites, RowBatch, unnestRows, type Plan } from './append.js';
import { materializeImport, planImport, type ImportPlan } from './import.js';
import { Notifier } from './notifier.js';
import { checkCount, headOn, readAllPages, readEntityOn, readStreamPages, subscriptionPage, type Queryable } from './read.js';
import { types } from './rows.js';
import { ensureSchema, schemaNames, type SchemaNames } from './schema.js';
import { subscribeTo } from '../subscription.js';
import { parsePostgresUrl } from './url.js';
import { inTransaction } from './transaction.js';
import { verifyLog } from './verify.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db?schema=name`; the password from the URL, PGPASSWORD or the other PG* variables. */
  readonly url: string;
  /** The origin name for a new log; an existing schema keeps the one it was created with (shared by every process). */
  readonly origin?: string;
  /** Milliseconds since the epoch; tests inject a clock. */
  readonly clock?: () => number;
  /** How often live subscriptions and waiters poll the head when no notification came (default 1000 ms). */
  readonly pollMs?: number;
  /** Connections in this process's pool (default 10). */
  readonly poolSize?: number;
  /** Where PG* variables are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * `locked` (the default and the only safe choice): positions are handed out under the schema's order lock.
   * `unlocked` takes positions from the sequence without it, so a reader can pass over an event that commits late:
   * it exists to measure what the lock costs and to show that the ordering tests catch its absence.
   */
  readonly ordering?: 'locked' | 'unlocked';
}

/** What a commit wrote, as the transaction hook sees it. */
export interface Committed {
  /** One result per write, in the order given; an idempotent re-append returns the original result. */
  readonly results: readonly AppendResult[];
  /** The events this transaction inserted under this store's origin, in position order. */
  readonly appended: readonly RecordedEvent[];
  /** Events replicated from other origins that this transaction inserted (imports only), in position order. */
  readonly imported: readonly RecordedEvent[];
}

/**
 * Runs inside the commit's transaction, after its events are inserted and before COMMIT, on the transaction's own
 * client: read-model writes made here commit with the events or not at all. A throw rolls everything back. It runs
 * while the schema's order lock is held, so it should batch its statements; it is not called when the commit
 * inserts nothing (every write an idempotent re-append).
 */
export type InTransaction<T> = (client: pg.PoolClient, committed: Committed) => Promise<T>;

export interface CommitOptions<T> {
  readonly inTransaction?: InTransaction<T>;
}

export interface ImportOptions<T> extends CommitOptions<T> {
  /**
   * Writes of this store's own to append in the same transaction (say, the record of a pull), decided from the
   * import's outcome: both land or neither.
   */
  readonly local?: (outcome: ImportOutcome) => readonly StreamWrite[];
}

export interface PostgresLogStats extends LogStats {
  readonly backend: 'postgres';
  /** Where the log is, without the password. */
  readonly location: string;
  readonly serverVersion: string;
}

/** A unique violation at insert: another writer got there first. The commit starts over from a fresh read. */
class Race extends Error {
  constructor(readonly original: unknown) {
    super('concurrent writer');
  }
}

const maxAttempts = 8;

/** The write schemas as stored (the text, to compare with what a plan reads) and as read. */
interface StoredWriteSchemas {
  readonly text: string | null;
  readonly map: WriteSchemas;
}

/** A unit of work: one transaction on one client, holding the order lock, whose commits run one at a time. */
interface Unit {
  readonly client: pg.PoolClient;
  /** The tail of the unit's commits: each waits for the one before (they share the client and its savepoint). */
  queue: Promise<unknown>;
}

/**
 * The log in a PostgreSQL schema, shared by every process and machine of one deployment.
 *
 * A global order no reader can skip. Positions are handed out under a transaction-scoped advisory lock, one per
 * schema, taken as late as possible: a commit first reads its streams' tails, the ids it names and the clock, checks
 * expectations and computes checksums (no lock); then one statement takes the lock, moves the clock, draws its
 * positions from the sequence, inserts every row and notifies; then the transaction hook, if any, and COMMIT. The
 * lock is released only after the commit is visible. So positions become visible in increasing order, and a reader
 * that has seen position p will never later see a smaller one: paging `readAll` by position, a subscription and
 * `waitFor` are exact. Another schema's writers take another lock and never wait for this one.
 *
 * The alternative, reading only below the oldest running transaction (`transaction_id < pg_snapshot_xmin(
 * pg_current_snapshot())`), lets writers overlap but was not chosen: (1) the snapshot's xmin is cluster-wide, so a
 * long transaction in another deployment's schema (or any database on the server) stalls every subscriber here
 * for as long as it runs; (2) a sequence does not follow transaction ids, so ordering by position below xmin can
 * still skip an event whose transaction took its xid after another's but its positions before them (the other
 * commits, xmin stays below the first, the reader moves past its positions), and ordering by
 * (transaction_id, position) instead breaks the contract's single increasing position. The lock's cost, writers of
 * one schema inserting and committing one at a time (their reads, checks and checksums overlap), is measured by
 * scripts/bench/postgres-order.ts: see BENCHMARKS.md.
 */
export class PostgresEventStore implements EventStore {
  readonly backend = 'postgres';
  readonly atomicBatches = true;
  /** `postgres://user@host:port/db?schema=name`, never the password. */
  readonly location: string;
  readonly schema: string;
  /** The pool every commit and read uses; read-model adapters beside this one share it. */
  readonly pool: pg.Pool;
  readonly names: SchemaNames;
  private originName: string;
  /** The write schemas as this process last read them: commits prepare with these, and their plan checks them. */
  private writeSchemaCache: StoredWriteSchemas | null = null;
  private readonly clock: () => number;
  private readonly locked: boolean;
  private readonly notifier: Notifier;
  /** Clients whose ROLLBACK failed: destroyed instead of going back to the pool. */
  private readonly broken = new WeakSet<pg.PoolClient>();
  private readonly units = new AsyncLocalStorage<Unit>();
  private readonly reading = new AsyncLocalStorage<Queryable>();

  private constructor(options: PostgresStoreOptions, pool: pg.Pool, location: { schema: string; display: string; connection: pg.ClientConfig }, origin: string) {
    this.location = location.display;
    this.schema = location.schema;
    this.names = schemaNames(location.schema);
    this.pool = pool;
    this.originName = origin;
    this.clock = options.clock ?? Date.now;
    this.locked = (options.ordering ?? 'locked') === 'locked';
    this.notifier = new Notifier({
      connection: location.connection,
      channel: this.names.channel,
      head: () => this.headPosition(),
      pollMs: options.pollMs ?? 1000,
    });
  }

  /** Connects, creates the schema's tables if needed (safe from several processes at once) and fixes the origin. */
  static async open(options: PostgresStoreOptions): Promise<PostgresEventStore> {
    const location = parsePostgresUrl(options.url, options.env);
    if (options.ordering !== undefined && options.ordering !== 'locked' && options.ordering !== 'unlocked')
      throw new InvalidInput('ordering', options.ordering, "'locked' or 'unlocked'");
    if (options.origin !== undefined && !Id.is(options.origin)) throw new InvalidInput('origin', options.origin, Id.name);
    const pollMs = options.pollMs ?? 1000;
    if (!(Number.isSafeInteger(pollMs) && pollMs >= 1)) throw new InvalidInput('pollMs', pollMs, 'an integer >= 1');
    const poolSize = options.poolSize ?? 10;
    // A rebuild holds one connection and reads the log on others: with one, it would wait for itself.
    if (!(Number.isSafeInteger(poolSize) && poolSize >= 2)) throw new InvalidInput('poolSize', poolSize, 'an integer >= 2');
    const connection: pg.ClientConfig = {
      ...location.connection,
      types,
      keepAlive: true,
      // A writer that stops between statements (a frozen process, a lost host) must not hold the order lock for
      // long: the server ends its session and the transaction rolls back.
      idle_in_transaction_session_timeout: 60_000,
    };
    const pool = new pg.Pool({ ...connection, max: poolSize });
    // A connection the server closed (idle timeout, restart, pg_terminate_backend) emits 'error' on its client, and an
    // unhandled 'error' ends the process. A query in flight rejects with the fault anyway; an idle client is replaced
    // at the next checkout.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      const client = await pool.connect().catch((error: unknown) => {
        throw new Error(`cannot connect to ${location.display}: ${(error as Error).message}`);
      });
      try {
        const names = schemaNames(location.schema);
        await ensureSchema(client, names);
        await client.query(`INSERT INTO ${names.meta} (key, value) VALUES ('origin', $1) ON CONFLICT (key) DO NOTHING`, [
          options.origin ?? defaultOrigin(),
        ]);
        const origin = (await client.query<{ value: string }>(`SELECT value FROM ${names.meta} WHERE key = 'origin'`)).rows[0]?.value;
        if (origin === undefined) throw new Error(`${location.display}: no origin recorded`);
        return new PostgresEventStore(options, pool, { ...location, connection }, origin);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  get origin(): string {
    return this.originName;
  }

  /**
   * Appends a batch of writes in one transaction and runs `inTransaction` in it before COMMIT. Everything that does
   * not need the order lock happens before it: one read of the streams' tails, the ids and the clock, the
   * expectation checks, the checksums. Then one statement takes the lock, moves the clock, draws the positions,
   * inserts every row and notifies; without a hook it is the whole transaction (one round trip holds the lock: the
   * statement and its commit). A writer that got to a stream first is caught by the unique constraints: the commit
   * starts over from a fresh read (so `any` retries and an exact expectation fails with WrongExpectedRevision), and
   * this time reads under the order lock, where no writer can get there first: under contention (several writers on
   * the same streams, each holding the lock longer while its projections apply) a commit loses at most once.
   */
  async commit<T = undefined>(writes: readonly StreamWrite[], options: CommitOptions<T> = {}): Promise<{ results: readonly AppendResult[]; value: T | undefined }> {
    if (!Array.isArray(writes) || writes.length === 0) throw new InvalidInput('writes', writes, 'at least one write');
    let schemas = this.writeSchemaCache ?? (await this.readWriteSchemas());
    let prepared: PreparedWrite[];
    try {
      prepared = prepareWrites(writes, this.clock(), schemas.map);
    } catch (error) {
      // Refused at the schemas this process last read: another process may have changed them since (`schema write`).
      if (!(error instanceof InvalidInput)) throw error;
      const stored = await this.readWriteSchemas();
      if (stored.text === schemas.text) throw error;
      schemas = stored;
      prepared = prepareWrites(writes, this.clock(), schemas.map);
    }
    const hook = options.inTransaction;
    return this.transaction(async (client, nested, serial) => {
      const replayedOnly = (plan: Plan) => ({ results: ordered(writes.length, plan.replayed, new Map()), value: undefined });
      const body = async (plan: Plan) => {
        let clock = plan.clock;
        for (let attempt = 1; ; attempt += 1) {
          const recordedAt = later(instantOf(this.clock()), clock);
          const batch = new RowBatch();
          const place = materialize(plan, this.origin, recordedAt, batch);
          const first = await this.insertDrawing(client, batch, recordedAt);
          if (first !== null) {
            const { results, fresh } = place(range(first, batch.length));
            const all = ordered(writes.length, plan.replayed, results);
            return { results: all, value: hook === undefined ? undefined : await hook(client, { results: all, appended: fresh, imported: [] }) };
          }
          // Another writer recorded a later instant than our wall clock (an import of newer events, a host whose
          // clock runs ahead): recordedAt must not go back, so the checksums are made again from that instant.
          if (attempt >= maxAttempts) throw new Error(`${this.location}: the hybrid clock kept moving ahead of this writer`);
          clock = (await client.query<{ value: Instant }>(`SELECT value FROM ${this.names.meta} WHERE key = 'clock'`)).rows[0]?.value ?? null;
        }
      };
      const plan = async (): Promise<Plan> => {
        for (let attempt = 1; ; attempt += 1) {
          let planned = await planWrites(client, this.names, this.origin, prepared);
          if (planned.storedOrigin !== null && planned.storedOrigin !== this.originName) {
            // Another process renamed the origin (allowed only before anything that travels was written under the
            // first name): this one writes under the name every process of the deployment now shares.
            this.originName = planned.storedOrigin;
            planned = await planWrites(client, this.names, this.origin, prepared);
          }
          if (planned.storedWriteSchemas === schemas.text) return planned;
          // Another process changed the write schemas (`schema write`) since this one read them: the writes are
          // prepared again at the schemas stored now (a severity may now be refused, or now be kept), so once a
          // change has committed, no commit planned after it writes at the schemas before it.
          if (attempt >= maxAttempts) throw new Error(`${this.location}: the write schemas kept changing under this writer`);
          schemas = this.keepWriteSchemas(planned.storedWriteSchemas);
          prepared = prepareWrites(writes, this.clock(), schemas.map);
        }
      };
      if (serial)
        return this.inTransaction(client, nested, async () => {
          await client.query(`SELECT pg_advisory_xact_lock(${this.names.orderLock})`);
          const planned = await plan();
          return planned.eventCount === 0 ? replayedOnly(planned) : body(planned);
        });
      const planned = await plan();
      if (planned.eventCount === 0) return replayedOnly(planned);
      if (hook === undefined && !nested) {
        const result = await body(planned);
        this.notifier.wake();
        return result;
      }
      return this.inTransaction(client, nested, () => body(planned));
    });
  }

  async append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const { results } = await this.commit([{ stream, events, ...options }]);
    return results[0] as AppendResult;
  }

  async appendMany(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]> {
    return (await this.commit(writes)).results;
  }

  /**
   * Replicates events recorded elsewhere (sync pull), keeping their ids, origins, revisions, instants and checksums,
   * with the embedded store's checks (see import.ts), and appends `local(outcome)` in the same transaction. The
   * hybrid clock moves past the newest instant imported, so what this origin writes next sorts after it. The
   * imported events' positions are drawn first, under the lock, because `local` sees the outcome with them.
   */
  async importEvents<T = undefined>(
    events: readonly unknown[],
    rules: ImportRules,
    options: ImportOptions<T> = {},
  ): Promise<ImportOutcome & { readonly appended: readonly AppendResult[]; readonly value: T | undefined }> {
    return this.transaction(async (client, nested, serial) => {
      const apply = async (plan: ImportPlan, writesGiven: readonly StreamWrite[] | null) => {
        const { skipped, ignored, diverged, capped } = plan;
        const { clock, positions } = await this.lockAndDraw(client, plan.toInsert.length);
        const batch = new RowBatch();
        const imported = materializeImport(plan, positions, batch);
        const outcome: ImportOutcome = { imported, skipped, ignored, diverged, capped };
        // Past the newest event imported, so what this origin writes next folds after it; but never beyond the
        // rules' limit (the wall clock plus the allowed skew): a remote clock far ahead cannot drag ours along.
        let newClock: Instant | null =
          plan.newest === null ? clock : later(instantOf(Math.min(Date.parse(plan.newest) + 1, rules.clockLimit)), clock);
        const writes = writesGiven ?? options.local?.(outcome) ?? [];
        let appended: readonly AppendResult[] = [];
        let fresh: RecordedEvent[] = [];
        if (writes.length > 0) {
          // Planned under the lock: nobody else can write in between, so no race is possible here.
          let schemas = this.writeSchemaCache ?? (await this.readWriteSchemas(client));
          let local: Plan = await planWrites(client, this.names, this.origin, prepareWrites(writes, this.clock(), schemas.map));
          if (local.storedWriteSchemas !== schemas.text) {
            // Changed by another process since this one read them: prepared again at the setting as read now (a
            // change committed after this read is ordered after this commit).
            schemas = this.keepWriteSchemas(local.storedWriteSchemas);
            local = await planWrites(client, this.names, this.origin, prepareWrites(writes, this.clock(), schemas.map));
          }
          newClock = later(instantOf(this.clock()), newClock);
          const place = materialize(local, this.origin, newClock, batch);
          const more = local.eventCount === 0 ? [] : await this.draw(client, local.eventCount);
          batch.positions.push(...more);
          const made = place(batch.positions);
          appended = ordered(writes.length, local.replayed, made.results);
          fresh = made.fresh;
        }
        if (batch.length > 0) await this.insertPlaced(client, batch, newClock ?? instantOf(this.clock()));
        const value = options.inTransaction === undefined ? undefined : await options.inTransaction(client, { results: appended, appended: fresh, imported });
        return { ...outcome, appended, value };
      };
      /** With nothing to import the outcome is known from the plan: the local writes, or null when there are none. */
      const nothing = (plan: ImportPlan) => {
        const none: ImportOutcome = { imported: [], skipped: plan.skipped, ignored: plan.ignored, diverged: plan.diverged, capped: plan.capped };
        return { none, writes: options.local?.(none) ?? [] };
      };
      if (serial)
        // After a lost race the chains are read again under the order lock, where nobody can get there first.
        return this.inTransaction(client, nested, async () => {
          await client.query(`SELECT pg_advisory_xact_lock(${this.names.orderLock})`);
          const plan = await planImport(client, this.names, events, rules);
          if (plan.toInsert.length > 0) return apply(plan, null);
          const { none, writes } = nothing(plan);
          return writes.length === 0 ? { ...none, appended: [], value: undefined } : apply(plan, writes);
        });
      const plan = await planImport(client, this.names, events, rules);
      let writes: readonly StreamWrite[] | null = null;
      if (plan.toInsert.length === 0) {
        const known = nothing(plan);
        if (known.writes.length === 0) return { ...known.none, appended: [], value: undefined };
        writes = known.writes;
      }
      return this.inTransaction(client, nested, () => apply(plan, writes));
    });
  }

  /**
   * One pooled client per commit; a Race starts the commit over on a fresh read. Inside a unit of work the commit
   * runs on the unit's client (`nested`: its transaction is a savepoint), after the unit's earlier commits; it holds
   * the order lock already, so no writer can race it.
   */
  private async transaction<T>(body: (client: pg.PoolClient, nested: boolean, serial: boolean) => Promise<T>): Promise<T> {
    const unit = this.units.getStore();
    if (unit !== undefined) {
      const run = unit.queue.then(
        () => body(unit.client, true, false),
        () => body(unit.client, true, false),
      );
      unit.queue = run.catch(() => undefined);
      return run.catch((error: unknown) => {
        throw error instanceof Race ? error.original : error;
      });
    }
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        return await body(client, false, attempt > 1);
      } catch (error) {
        broken = this.broken.has(client) || isConnectionFault(error);
        if (error instanceof Race) {
          if (attempt < maxAttempts) continue;
          throw error.original;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  /**
   * BEGIN, `body`, COMMIT (ROLLBACK on any throw), and wakes this process's subscribers. `nested` (inside a unit of
   * work): a savepoint instead, released on success and rolled back on a throw, so the unit may go on; the unit's
   * own COMMIT wakes the subscribers.
   */
  private async inTransaction<T>(client: pg.PoolClient, nested: boolean, body: () => Promise<T>): Promise<T> {
    await client.query(nested ? 'SAVEPOINT stance_commit' : 'BEGIN');
    try {
      const result = await body();
      await client.query(nested ? 'RELEASE SAVEPOINT stance_commit' : 'COMMIT');
      if (!nested) this.notifier.wake();
      return result;
    } catch (error) {
      await client
        .query(nested ? 'ROLLBACK TO SAVEPOINT stance_commit; RELEASE SAVEPOINT stance_commit' : 'ROLLBACK')
        .catch(() => this.broken.add(client));
      throw error;
    }
  }

  /**
   * Runs `work` as one transaction on one client: every commit and import inside it (and every read, so it sees
   * them) runs there, as a savepoint, and they land together at the end or not at all. The order lock is taken at
   * the start and held to the end, so other writers of this schema wait meanwhile (their reads do not): keep it for
   * what must be atomic. A unit inside a unit is the same unit.
   */
  async unitOfWork<T>(work: () => Promise<T>): Promise<T> {
    if (this.units.getStore() !== undefined) return work();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.names.orderLock})`);
      const unit: Unit = { client, queue: Promise.resolve() };
      let result: T;
      try {
        result = await this.units.run(unit, work);
        // A commit the work started but did not await still belongs to the unit.
        await unit.queue;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      }
      await client.query('COMMIT');
      this.notifier.wake();
      return result;
    } catch (error) {
      broken ||= isConnectionFault(error);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * Where reads go: the unit of work's client inside one (so they see its commits), the read snapshot's client
   * inside one (`readingOn`), else the pool.
   */
  db(): Queryable {
    return this.units.getStore()?.client ?? this.reading.getStore() ?? this.pool;
  }

  /**
   * The schema each type is written at where the deployment chose one (`schema write`), read from the store. Commits
   * do not wait for this read: they prepare at the schemas last read, and the read their plan makes anyway (tails,
   * ids, clock) brings the stored ones along; a commit whose schemas have changed is prepared again before it writes.
   */
  async writeSchemas(): Promise<WriteSchemas> {
    return (await this.readWriteSchemas()).map;
  }

  private async readWriteSchemas(db: Queryable = this.db()): Promise<StoredWriteSchemas> {
    const { rows } = await db.query<{ value: string }>(`SELECT value FROM ${this.names.meta} WHERE key = $1`, [writeSchemasKey]);
    return this.keepWriteSchemas(rows[0]?.value ?? null);
  }

  private keepWriteSchemas(text: string | null): StoredWriteSchemas {
    if (this.writeSchemaCache === null || this.writeSchemaCache.text !== text) this.writeSchemaCache = { text, map: parseWriteSchemas(text) };
    return this.writeSchemaCache;
  }

  async setWriteSchema(type: string, schema: number): Promise<void> {
    await inTransaction(
      this.pool,
      async (client) => {
        const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${this.names.meta} WHERE key = $1`, [writeSchemasKey]);
        const next = withWriteSchema(rows[0]?.value, type, schema);
        await client.query(`INSERT INTO ${this.names.meta} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
          writeSchemasKey,
          next,
        ]);
      },
      `LOCK TABLE ${this.names.meta} IN SHARE ROW EXCLUSIVE MODE`,
    );
    this.writeSchemaCache = null;
  }

  /**
   * Runs `work` with this store's reads (streams, entities, `readAll`, head, revisions) on `client`, a read-only
   * snapshot transaction the read models opened: one connection per snapshot, whatever it reads. Subscriptions and
   * commits keep to the pool.
   */
  readingOn<T>(client: Queryable, work: () => Promise<T>): Promise<T> {
    return this.reading.run(client, work);
  }

  /** Whether the caller runs inside a unit of work. */
  get inUnit(): boolean {
    return this.units.getStore() !== undefined;
  }

  /**
   * Runs `body` in a transaction that holds the order lock, so no commit lands meanwhile (a projector catching up on
   * events others appended without projecting them). Inside a unit of work: a savepoint of the unit.
   */
  async underOrderLock<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.transaction((client, nested) =>
      this.inTransaction(client, nested, async () => {
        await client.query(`SELECT pg_advisory_xact_lock(${this.names.orderLock})`);
        return body(client);
      }),
    );
  }

  /**
   * The commit's one statement: takes the order lock, moves the clock to `recordedAt` unless it is already past it,
   * draws one position per row, inserts the rows at them and sends the commit's one NOTIFY. Returns the first
   * position, or null when the clock was past `recordedAt` (then nothing was written).
   *
   * The statement's snapshot is taken before the lock is granted, so nothing here reads the log through it: the
   * clock is compared by ON CONFLICT DO UPDATE, which sees the row's latest version; positions come from the
   * sequence; the unique constraints check against every committed row.
   */
  private async insertDrawing(client: pg.PoolClient, batch: RowBatch, recordedAt: Instant): Promise<number | null> {
    const n = this.names;
    const values = [...batch.columns(), recordedAt, n.channel, batch.length];
    try {
      if (!this.locked) {
        // Without the lock (unsafe, for measurement): positions from the sequence row by row, no clock.
        const { rows } = await client.query<{ positions: number[]; ids: string[] }>(
          `WITH ins AS (INSERT INTO ${n.events} ${eventTargets}
                        SELECT nextval(${n.positionsLiteral}), u.id, u.stream, u.origin, u.revision, u.type, u.schema, u.data, u.meta, u.checksum
                        FROM ${unnestRows} ORDER BY u.ord RETURNING position, id)
           SELECT array_agg(position ORDER BY position) AS positions, array_agg(id::text ORDER BY position) AS ids,
                  pg_notify($11, max(position)::text), $10::text, $12::int FROM ins`,
          values,
        );
        const ids = rows[0]?.ids ?? [];
        if (ids.some((id, i) => id !== batch.ids[i])) throw new Error('unlocked insert: positions out of batch order');
        return rows[0]?.positions[0] ?? null;
      }
      const { rows } = await client.query<{ last_position: number }>(
        `WITH order_lock AS (SELECT pg_advisory_xact_lock(${n.orderLock})),
              clk AS (INSERT INTO ${n.meta} (key, value) SELECT 'clock', $10 FROM order_lock
                      ON CONFLICT (key) DO UPDATE SET value = excluded.value
                      WHERE store_meta.value COLLATE "C" <= excluded.value COLLATE "C" RETURNING 1),
              draw AS (SELECT setval(${n.positionsLiteral}, nextval(${n.positionsLiteral}) + $12 - 1) AS last_position FROM clk),
              ins AS (INSERT INTO ${n.events} ${eventTargets}
                      SELECT d.last_position - $12 + u.ord, u.id, u.stream, u.origin, u.revision, u.type, u.schema, u.data, u.meta, u.checksum
                      FROM draw d CROSS JOIN ${unnestRows} RETURNING 1)
         SELECT last_position, pg_notify($11, last_position::text) FROM draw`,
        values,
      );
      const last = rows[0]?.last_position;
      return last === undefined ? null : last - batch.length + 1;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new Race(error);
      throw error;
    }
  }

  /**
   * An import's first statements, in its transaction: take the order lock, read the hybrid clock and draw `count`
   * positions, in one round trip. Each statement of a simple query gets its own snapshot under READ COMMITTED, so
   * the clock is read after the lock is granted and sees the previous holder's commit.
   */
  private async lockAndDraw(client: pg.PoolClient, count: number): Promise<{ clock: Instant | null; positions: number[] }> {
    const n = this.names;
    const clock = `(SELECT value FROM ${n.meta} WHERE key = 'clock') AS clock`;
    if (!this.locked) {
      const { rows } = await client.query<{ clock: Instant | null }>(`SELECT ${clock}`);
      return { clock: rows[0]?.clock ?? null, positions: count === 0 ? [] : await this.draw(client, count) };
    }
    const draw = count === 0 ? '0::bigint' : `setval(${n.positionsLiteral}, nextval(${n.positionsLiteral}) + ${count - 1})`;
    const results = (await client.query(
      `SELECT pg_advisory_xact_lock(${n.orderLock}); SELECT ${clock}, ${draw} AS last`,
    )) as unknown as pg.QueryResult<{ clock: Instant | null; last: number }>[];
    const row = results[1]?.rows[0];
    if (row === undefined) throw new Error('lock statement returned nothing');
    return { clock: row.clock, positions: range(row.last - count + 1, count) };
  }

  /** More positions in a transaction that already holds the order lock (or, unlocked, one at a time from the sequence). */
  private async draw(client: pg.PoolClient, count: number): Promise<number[]> {
    const p = this.names.positionsLiteral;
    if (this.locked) {
      const { rows } = await client.query<{ last: number }>(`SELECT setval(${p}, nextval(${p}) + ${count - 1}) AS last`);
      return range((rows[0]?.last ?? 0) - count + 1, count);
    }
    const { rows } = await client.query<{ p: number[] }>(`SELECT array(SELECT nextval(${p}) FROM generate_series(1, ${count})) AS p`);
    return (rows[0]?.p ?? []).map(Number).sort((a, b) => a - b);
  }

  /** An import's rows at the positions it drew, with the clock and the one NOTIFY of the commit. */
  private async insertPlaced(client: pg.PoolClient, batch: RowBatch, clock: Instant): Promise<void> {
    const n = this.names;
    const last = batch.positions[batch.positions.length - 1] ?? 0;
    // Unlocked, the clock is not written: its row lock would serialize the writers.
    const writeClock = this.locked
      ? `, clk AS (INSERT INTO ${n.meta} (key, value) VALUES ('clock', $11) ON CONFLICT (key) DO UPDATE
                   SET value = excluded.value WHERE store_meta.value COLLATE "C" < excluded.value COLLATE "C" RETURNING 1)`
      : '';
    // Imported rows come first in the batch, local ones after them (no fold instant of their own).
    const foldAts = batch.ids.map((_, i) => batch.foldAts[i] ?? null);
    try {
      await client.query(
        `WITH ins AS (INSERT INTO ${n.events} (position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at)
                      SELECT p.position, u.id, u.stream, u.origin, u.revision, u.type, u.schema, u.data, u.meta, u.checksum, p.fold_at
                      FROM ${unnestRows} JOIN unnest($10::bigint[], $14::text[]) WITH ORDINALITY AS p(position, fold_at, ord) ON p.ord = u.ord
                      RETURNING 1)${writeClock}
         SELECT pg_notify($12, $13)${this.locked ? '' : ', $11::text'}`,
        [...batch.columns(), batch.positions, clock, n.channel, String(last), foldAts],
      );
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new Race(error);
      throw error;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    yield* readAllPages(this.db(), this.names, options);
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    assertStreamName(stream);
    yield* readStreamPages(this.db(), this.names, stream, options.origin ?? this.origin, options);
  }

  /**
   * Every origin's events of one stream in fold order (fold instant, origin, revision), after `afterPosition` and up
   * to `upToPosition`: what a replica folds to merge what several origins recorded about one entity. A replicated
   * event recorded beyond its batch's clock bound folds at its capped instant (`fold_at`). Compared byte-wise
   * (`COLLATE "C"`), as the embedded store does, so replicas on either backend fold in the same order.
   */
  async readEntity(stream: string, options: { readonly afterPosition?: number; readonly upToPosition?: number } = {}): Promise<RecordedEvent[]> {
    assertStreamName(stream);
    return readEntityOn(this.db(), this.names, stream, options);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    checkCount('fromPosition', options.fromPosition, 0);
    return subscribeTo({ page: (position) => subscriptionPage(this.pool, this.names, options.filter, position), watch: (wake) => this.notifier.on(wake) }, options);
  }

  /**
   * Resolves with the head once the log holds `position` (so every event up to it is readable: positions become
   * visible in order). Rejects after `timeoutMs` (default 30 s).
   */
  async waitFor(position: number, options: { timeoutMs?: number } = {}): Promise<number> {
    checkCount('position', position, 0);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const now = await this.headPosition();
    if (now >= position) return now;
    let signalled = false;
    let wake: (() => void) | null = null;
    const off = this.notifier.on(() => {
      signalled = true;
      wake?.();
    });
    try {
      for (;;) {
        signalled = false;
        const head = await this.headPosition();
        if (head >= position) return head;
        if (signalled) continue;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${this.location}: the log did not reach position ${position} within ${timeoutMs} ms (head ${head})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      off();
    }
  }

  async headPosition(): Promise<number> {
    return headOn(this.db(), this.names);
  }

  async streamRevision(stream: string, origin = this.origin): Promise<number | null> {
    assertStreamName(stream);
    const { rows } = await this.db().query<{ revision: number }>(
      `SELECT revision FROM ${this.names.events} WHERE stream = $1 AND origin = $2 ORDER BY revision DESC LIMIT 1`,
      [stream, origin],
    );
    return rows[0]?.revision ?? null;
  }

  async verify(options: { onProgress?: (done: number, total: number) => void } = {}): Promise<VerifyReport> {
    return verifyLog(this.pool, this.names, options.onProgress);
  }

  async stats(): Promise<PostgresLogStats> {
    const { rows } = await this.pool.query<{ events: number; streams: number; head: number; bytes: number; version: string }>(
      `SELECT count(*) AS events, count(DISTINCT stream) AS streams, coalesce(max(position), 0) AS head,
              pg_total_relation_size($1::regclass) AS bytes, current_setting('server_version') AS version
       FROM ${this.names.events}`,
      [this.names.events],
    );
    const row = rows[0];
    return {
      events: row?.events ?? 0,
      streams: row?.streams ?? 0,
      headPosition: row?.head ?? 0,
      bytes: row?.bytes ?? 0,
      backend: 'postgres',
      location: this.location,
      serverVersion: row?.version ?? '',
    };
  }

  /**
   * Gives the log its origin name before anything was written under the one it was created with (the origin is in
   * every event's checksum). Other processes of the deployment read the name when they open the store.
   */
  async renameOrigin(name: string): Promise<void> {
    if (!Id.is(name)) throw new InvalidInput('origin', name, Id.name);
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.names.orderLock})`);
      // Sync's own local records (trust configuration set before the first sync) never travel, so they do not pin
      // the name; anything that replicates or is this deployment's own (jobs) does.
      const own = await client.query(`SELECT 1 FROM ${this.names.events} WHERE origin = $1 AND NOT starts_with(stream, 'sync-') LIMIT 1`, [
        this.originName,
      ]);
      if ((own.rowCount ?? 0) > 0)
        throw new InvalidInput('origin', name, `${this.originName}: this log already holds events written under that name (set STANCE_STATE_ORIGIN before its first write to choose another)`);
      await client.query(`UPDATE ${this.names.meta} SET value = $1 WHERE key = 'origin'`, [name]);
      await client.query('COMMIT');
      this.originName = name;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.notifier.close();
    await this.pool.end();
  }
}

const later = (a: Instant, b: Instant | null): Instant => (b !== null && b > a ? b : a);

const range = (first: number, count: number): number[] => Array.from({ length: count }, (_, i) => first + i);

const ordered = (count: number, replayed: ReadonlyMap<number, AppendResult>, fresh: ReadonlyMap<number, AppendResult>): AppendResult[] =>
  Array.from({ length: count }, (_, i) => {
    const result = replayed.get(i) ?? fresh.get(i);
    if (result === undefined) throw new Error(`write ${i} has no result`);
    return result;
  });

/** Errors after which the client must not go back to the pool: the connection failed, not a statement. */
const isConnectionFault = (error: unknown): boolean => {
  if (error instanceof pg.DatabaseError) return /^(08|57P)/.test(error.code ?? '');
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true;
  return error instanceof Error && /Connection terminated|not queryable|Client has encountered a connection error/.test(error.message);
};
