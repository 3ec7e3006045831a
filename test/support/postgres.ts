import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, type RunningServer } from './embedded-postgres.js';

/**
 * A real PostgreSQL for tests. `STANCE_TEST_POSTGRES_URL` points at a server (the test runner starts one embedded
 * server for the whole run and passes its URL this way); without it, the first call starts an embedded server for
 * this process, stopped when the process ends. Each test then makes its own schema or database, so no state is
 * shared between tests or files.
 */
let server: Promise<string> | null = null;

export const testServerUrl = (): Promise<string> => {
  server ??= (async () => {
    const given = process.env.STANCE_TEST_POSTGRES_URL;
    if (given !== undefined && given !== '') return given;
    const started = await startEmbeddedPostgres();
    stopAtExit(started);
    return started.url;
  })();
  return server;
};

/**
 * The server must not keep this process alive once its tests are done: its pipes are unreferenced, and the first
 * moment the event loop runs dry (`beforeExit`) stops it. At `exit` (which embedded-postgres's own exit hook may
 * bring before our stop finished) whatever is left is signalled and removed without waiting.
 */
const stopAtExit = (started: RunningServer): void => {
  const child = started.process;
  child?.unref();
  for (const stream of [child?.stdout, child?.stderr, child?.stdin]) (stream as { unref?: () => void } | null | undefined)?.unref?.();
  process.once('beforeExit', () => void started.stop().catch(() => undefined));
  process.once('exit', () => started.stopNow());
};

const withDatabase = (url: string, database: string, schema?: string): string => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  u.search = '';
  if (schema !== undefined) u.searchParams.set('schema', schema);
  return u.toString();
};

const admin = async <T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: withDatabase(url, new URL(url).pathname.slice(1) || 'postgres') });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
};

let counter = 0;
/** A name nobody else uses: label, process, counter and random bits (lower case, at most 63 characters). */
export const uniqueName = (label: string): string => {
  counter += 1;
  const clean = label.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 24);
  return `t_${clean}_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
};

export interface TestSchema {
  /** A store URL naming this schema (the store creates it on open). */
  readonly url: string;
  readonly schema: string;
  /** The server URL without a schema, for admin connections. */
  readonly serverUrl: string;
  drop(): Promise<void>;
}

/** A fresh schema name on the test server; `drop` removes whatever the test created in it. */
export const freshSchema = async (label = 'test'): Promise<TestSchema> => {
  const serverUrl = await testServerUrl();
  const schema = uniqueName(label);
  const database = new URL(serverUrl).pathname.slice(1) || 'postgres';
  return {
    url: withDatabase(serverUrl, database, schema),
    schema,
    serverUrl,
    drop: () => admin(serverUrl, async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))),
  };
};

export interface TestDatabase {
  /** The new database's URL, without a schema. */
  readonly url: string;
  /** The same URL with `?schema=` set. */
  withSchema(schema: string): string;
  drop(): Promise<void>;
}

/** A fresh database on the test server, for tests about several schemas in one database. */
export const freshDatabase = async (label = 'test'): Promise<TestDatabase> => {
  const serverUrl = await testServerUrl();
  const database = uniqueName(label);
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  return {
    url: withDatabase(serverUrl, database),
    withSchema: (schema) => withDatabase(serverUrl, database, schema),
    drop: () => admin(serverUrl, async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))),
  };
};

/** Runs SQL on a server or database URL as the admin role (tests tampering with the log, holding transactions open). */
export const withAdmin = admin;
