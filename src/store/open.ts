import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { projections } from '../../projections/index.js';
import { InvalidInput } from '../errors.js';
import type { Backend, BackendOptions, BlobStore, EventLog } from '../ports/backend.js';
import type { Durability } from './contract.js';
import type { LogCopy } from '../ports/migrate.js';
import { maskPassword, parsePostgresUrl } from './postgres/url.js';
import { SqliteLogCopy } from './sqlite/copy.js';
import { SqliteBlobs } from './sqlite/blobs.js';
import { SqliteEventStore } from './sqlite/store.js';

export interface OpenStoreOptions {
  readonly durability?: Durability;
  readonly origin?: string;
  readonly clock?: () => number;
}

export interface OpenBackendOptions extends Partial<BackendOptions> {
  /** The origin name for a new store; an existing one keeps the name it has. */
  readonly origin?: string;
  /** SQLite: whether an acknowledged commit survives power loss (`full`, the default) or a process crash (`normal`). */
  readonly durability?: Durability;
  /** How often live subscriptions and waiters look for other processes' commits. */
  readonly pollMs?: number;
  /** PostgreSQL: connections in this process's pool. */
  readonly poolSize?: number;
  /** PostgreSQL: where PG* variables are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const known = 'sqlite:<path> (the embedded store) or postgres://user@host:port/db?schema=name (a PostgreSQL server)';

const schemeOf = (url: string): { scheme: string; rest: string } => {
  const colon = url.indexOf(':');
  return { scheme: colon < 0 ? '' : url.slice(0, colon).toLowerCase(), rest: url.slice(colon + 1) };
};

/** Opens the embedded log alone from its URL (`sqlite:<path>`). */
export const openStore = (url: string, options: OpenStoreOptions = {}): SqliteEventStore => {
  const { scheme, rest } = schemeOf(url);
  if (scheme === 'sqlite' && rest.length > 0) return new SqliteEventStore({ path: rest, ...options });
  throw new InvalidInput('store', maskPassword(url), 'sqlite:<path> (the embedded log)');
};

/** The log alone, with the bodies beside it when the store has any (read for `log verify`, never created). */
export type OpenedLog = EventLog & { describe(): string; close(): Promise<void>; readonly blobs?: BlobStore };

/** The log without its read models, for `log stats|tail|verify`: opening it rebuilds nothing and projects nothing. */
export const openLog = async (url: string, options: OpenBackendOptions = {}): Promise<OpenedLog> => {
  if (typeof url !== 'string') throw new InvalidInput('store', url, known);
  const { scheme, rest } = schemeOf(url);
  if (scheme === 'sqlite' && rest.length > 0) {
    const store = openStore(url, options);
    // The bodies beside the log, read-only: a file without the table has none, and opening creates nothing.
    return Object.assign(store, { describe: () => `sqlite ${store.path}`, blobs: new SqliteBlobs(store.db, Date.now, false) });
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const { PostgresEventStore } = await import('./postgres/store.js');
    const store = await PostgresEventStore.open({ ...options, url });
    const { PostgresBlobs } = await import('./postgres/blobs.js');
    const table = await store.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${store.schema}".blobs`]);
    const blobs = table.rows[0]?.t == null ? {} : { blobs: new PostgresBlobs(store.pool, store.schema) };
    return Object.assign(store, { describe: () => `postgres ${store.location}` }, blobs);
  }
  throw new InvalidInput('store', maskPassword(url), known);
};

/**
 * Opens a backend from its URL (`--store`, `STANCE_STATE_STORE`): `sqlite:<path>` is the embedded store in one
 * file, `postgres://user@host:port/db?schema=name` (or `postgresql://`) a schema on a PostgreSQL server, its
 * password from the URL, PGPASSWORD or the other PG* variables. Each backend's module loads only when its scheme
 * is asked for (the embedded store's commands never load the pg driver). A URL of another scheme is refused naming
 * the ones known, and never with its password. The projections default to every projection of this build.
 */
export const openBackend = async (url: string, options: OpenBackendOptions = {}): Promise<Backend> => {
  if (typeof url !== 'string') throw new InvalidInput('store', url, known);
  const { scheme, rest } = schemeOf(url);
  const withProjections = { ...options, projections: options.projections ?? projections };
  if (scheme === 'sqlite') {
    if (rest.length === 0) throw new InvalidInput('store', url, known);
    const { SqliteBackend } = await import('./sqlite/backend.js');
    const { env: _env, pollMs: _poll, poolSize: _pool, ...sqlite } = withProjections;
    return new SqliteBackend({ ...sqlite, path: rest });
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const { PostgresBackend } = await import('./postgres/backend.js');
    return PostgresBackend.open({ ...withProjections, url });
  }
  throw new InvalidInput('store', maskPassword(url), known);
};

/**
 * Checks a store URL without opening anything (the target of `log migrate`): a known scheme, an SQLite path, a
 * PostgreSQL URL that parses. A bad one is refused naming `field` and the URL without its password. Returns what
 * identifies the store whoever connects to it (the resolved file; host, port, database and schema), so a copy into
 * the store it reads from can be refused.
 */
export const storeIdentity = (field: string, url: unknown, env: NodeJS.ProcessEnv = process.env): string => {
  if (typeof url !== 'string') throw new InvalidInput(field, url, known);
  const { scheme, rest } = schemeOf(url);
  if (scheme === 'sqlite' && rest.length > 0) {
    const path = resolve(rest);
    try {
      return `sqlite:${realpathSync(path)}`;
    } catch {
      return `sqlite:${path}`;
    }
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    try {
      return parsePostgresUrl(url, env).display.replace(/^postgres:\/\/[^@]*@/, 'postgres://');
    } catch (error) {
      if (error instanceof InvalidInput) throw new InvalidInput(error.field.replace(/^store/, field), error.value, error.expected);
      throw error;
    }
  }
  throw new InvalidInput(field, maskPassword(url), known);
};

/** A store opened for `log migrate`: the backend, and its stored rows as they are (see ports/migrate.ts). */
export interface MigrationEnd {
  readonly backend: Backend;
  readonly copy: LogCopy;
}

/** Opens a backend with access to its stored rows, for copying a log out of it or into it. */
export const openMigrationEnd = async (url: string, options: OpenBackendOptions = {}): Promise<MigrationEnd> => {
  const backend = await openBackend(url, options);
  const { SqliteBackend } = await import('./sqlite/backend.js');
  if (backend instanceof SqliteBackend) return { backend, copy: new SqliteLogCopy(backend.store.db) };
  const { PostgresBackend } = await import('./postgres/backend.js');
  if (backend instanceof PostgresBackend) {
    const { PostgresLogCopy } = await import('./postgres/copy.js');
    return { backend, copy: new PostgresLogCopy(backend.store.pool, backend.store.names) };
  }
  await backend.close();
  throw new Error(`${backend.description}: this backend cannot copy its log`);
};

/**
 * The stored rows alone, opening no read models (so nothing is rebuilt or projected): what `log migrate` checks a
 * target with before it writes anything. An SQLite file that does not exist yet is created empty.
 */
export const openLogCopy = async (url: string, options: OpenBackendOptions = {}): Promise<{ readonly copy: LogCopy; readonly origin: string; close(): Promise<void> }> => {
  const log = await openLog(url, options);
  if (log instanceof SqliteEventStore) return { copy: new SqliteLogCopy(log.db), origin: log.origin, close: () => log.close() };
  const { PostgresEventStore } = await import('./postgres/store.js');
  if (log instanceof PostgresEventStore) {
    const { PostgresLogCopy } = await import('./postgres/copy.js');
    return { copy: new PostgresLogCopy(log.pool, log.names), origin: log.origin, close: () => log.close() };
  }
  await log.close();
  throw new Error(`${log.describe()}: this store cannot copy its log`);
};
