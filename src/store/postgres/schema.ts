import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Format of the log tables; a store refuses a schema written by a newer format. 2: replicated events may carry a
 * capped fold instant (`fold_at`), as in the embedded store's format 2.
 */
export const postgresLogFormat = 2;

/** Names of one deployment's objects, quoted and qualified by its schema. */
export interface SchemaNames {
  readonly schema: string;
  readonly events: string;
  readonly meta: string;
  readonly versions: string;
  readonly positions: string;
  /** `positions` as a text literal, for nextval/setval. */
  readonly positionsLiteral: string;
  readonly refuse: string;
  /** Advisory lock keys (two int4 keys: a class, then this schema's hash). */
  readonly orderLock: string;
  readonly ddlLock: string;
  /** Held (per session) by the one process rebuilding this schema's read models. */
  readonly rebuildLock: string;
  /** The LISTEN/NOTIFY channel of this schema's commits. */
  readonly channel: string;
}

// Arbitrary constants that set stance-state's advisory locks apart from other users of the same database.
const orderClass = 0x5354_0001;
const ddlClass = 0x5354_0002;
const rebuildClass = 0x5354_0003;

export const schemaNames = (schema: string): SchemaNames => {
  const q = `"${schema}"`;
  const hash = createHash('sha256').update(schema).digest();
  const key = hash.readInt32BE(0);
  return {
    schema,
    events: `${q}.events`,
    meta: `${q}.store_meta`,
    versions: `${q}.schema_versions`,
    positions: `${q}.event_positions`,
    positionsLiteral: `'${q}.event_positions'`,
    refuse: `${q}.refuse_change`,
    orderLock: `${orderClass}, ${key}`,
    ddlLock: `${ddlClass}, ${key}`,
    rebuildLock: `${rebuildClass}, ${key}`,
    channel: `stance_state_${hash.subarray(0, 8).toString('hex')}`,
  };
};

export const appendOnlyTriggers = ['events_no_update_or_delete', 'events_no_truncate'] as const;

const ddl = (n: SchemaNames): string => `
CREATE TABLE ${n.events} (
  position bigint PRIMARY KEY,
  id uuid NOT NULL,
  stream text NOT NULL,
  origin text NOT NULL,
  revision bigint NOT NULL,
  type text NOT NULL,
  schema integer NOT NULL,
  -- json (not jsonb) keeps the canonical text byte for byte: the checksum covers it.
  data json NOT NULL,
  meta json NOT NULL,
  checksum text NOT NULL,
  -- A replicated event recorded later than its batch allowed folds at this instant instead of its recordedAt.
  fold_at text,
  -- Two writers racing for one revision: the loser's insert fails here and becomes WrongExpectedRevision.
  CONSTRAINT events_stream_revision UNIQUE (stream, origin, revision),
  -- Ids are unique per origin, so one origin cannot squat another's ids.
  CONSTRAINT events_origin_id UNIQUE (origin, id)
);
CREATE SEQUENCE ${n.positions} AS bigint;
CREATE TABLE ${n.meta} (key text PRIMARY KEY, value text NOT NULL);
CREATE FUNCTION ${n.refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON ${n.events}
  FOR EACH ROW EXECUTE FUNCTION ${n.refuse}();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${n.events}
  FOR EACH STATEMENT EXECUTE FUNCTION ${n.refuse}();
INSERT INTO ${n.versions} (version) VALUES (${postgresLogFormat});
`;

/**
 * Creates the schema's tables once. Processes starting together serialize on an advisory lock: `CREATE ... IF NOT
 * EXISTS` alone still fails when two sessions create the same object at once (both pass the existence check, one
 * then violates a catalog unique index). The lock is a session lock taken before BEGIN, not a transaction lock:
 * a session that looked the tables up before waiting keeps a cached "does not exist" until it starts a new
 * transaction (catalog invalidations are read at transaction start and relation locks, not at advisory locks), so
 * the check under the lock must run in a transaction begun after the lock was granted. An existing log is never
 * altered: if its triggers were dropped, recreating them would hide the evidence that verify reports.
 */
export const ensureSchema = async (client: pg.ClientBase, n: SchemaNames): Promise<void> => {
  const current = await formatOf(client, n);
  if (current !== null && current >= postgresLogFormat) return checkFormat(current, n);
  await underDdlLock(client, n, async () => {
    const again = await formatOf(client, n);
    if (again === null) {
        // CREATE SCHEMA needs the CREATE privilege on the database even with IF NOT EXISTS: skip it when an
        // administrator made the schema for a role that may only create inside it.
        const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [n.schema]);
        if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${n.schema}"`);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${n.versions} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
      await client.query(ddl(n));
    } else if (again < 2) await upgradeToFormat2(client, n);
    else checkFormat(again, n);
  });
};

/**
 * Runs `body` in a transaction begun after this schema's DDL lock (a session lock) was granted: see ensureSchema for
 * why the order matters. Processes creating or upgrading the same objects at once take turns.
 */
export const underDdlLock = async <T>(client: pg.ClientBase, n: SchemaNames, body: () => Promise<T>): Promise<T> => {
  await client.query(`SELECT pg_advisory_lock(${n.ddlLock})`);
  try {
    await client.query('BEGIN');
    try {
      const result = await body();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    // If this fails the connection is gone, and the session lock with it.
    await client.query(`SELECT pg_advisory_unlock(${n.ddlLock})`).catch(() => undefined);
  }
};

/**
 * Creates tables beside the log in a deployment's schema (the schema too, if missing), once, under the schema's DDL
 * lock: several processes may install at once, and none races the log's own creation.
 */
export const createInSchema = async (pool: pg.Pool, schema: string, statements: readonly string[]): Promise<void> => {
  const client = await pool.connect();
  try {
    await underDdlLock(client, schemaNames(schema), async () => {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA "${schema}"`);
      for (const statement of statements) await client.query(statement);
    });
  } finally {
    client.release();
  }
};

/**
 * Format 1 to 2, in place and once (under the DDL lock): the fold instant column, empty for every existing event
 * (which then folds at its recordedAt). Adding a nullable column rewrites no row and fires no trigger; writers of
 * format 1 name their columns, so they keep working beside it.
 */
const upgradeToFormat2 = async (client: pg.ClientBase, n: SchemaNames): Promise<void> => {
  await client.query(`ALTER TABLE ${n.events} ADD COLUMN IF NOT EXISTS fold_at text`);
  await client.query(`INSERT INTO ${n.versions} (version) VALUES (2) ON CONFLICT (version) DO NOTHING`);
};

const formatOf = async (client: pg.ClientBase, n: SchemaNames): Promise<number | null> => {
  const table = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [n.versions]);
  if (table.rows[0]?.t == null) return null;
  const row = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${n.versions}`);
  return row.rows[0]?.v ?? null;
};

const checkFormat = (format: number, n: SchemaNames): void => {
  if (format > postgresLogFormat)
    throw new Error(`schema ${n.schema} holds log format ${format}; this stance-state reads format ${postgresLogFormat} at most`);
};
