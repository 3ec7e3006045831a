import { projections } from '../../projections/index.js';
import { InvalidInput } from '../errors.js';
import type { Backend, BackendOptions, BlobStore, EventLog } from '../ports/backend.js';
import type { Durability } from './contract.js';
import { maskPassword } from './postgres/url.js';
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
