import { projections, type Projection } from '../../projections/index.js';
import { InvalidInput } from '../errors.js';
import type { Backend, EventLog } from '../ports/backend.js';
import type { Durability } from './contract.js';
import { SqliteBackend } from './sqlite/backend.js';
import { SqliteEventStore } from './sqlite/store.js';

export interface OpenStoreOptions {
  readonly durability?: Durability;
  readonly origin?: string;
  readonly clock?: () => number;
}

export interface OpenBackendOptions extends OpenStoreOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly onRebuild?: (name: string, done: number, total: number) => void;
  /** The read models to keep (default: every projection of this build); tests bump a version with their own list. */
  readonly projections?: readonly Projection[];
}

const usage = 'sqlite:<path> (the embedded store) or postgres://user@host:port/db?schema=name';

/** Opens the log alone from its URL (tools that read or check the log without its read models). */
export const openStore = (url: string, options: OpenStoreOptions = {}): SqliteEventStore => {
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) return new SqliteEventStore({ path: url.slice('sqlite:'.length), ...options });
  throw new InvalidInput('store', url, 'sqlite:<path> (the embedded log)');
};

/** The log without its read models, for `log stats|tail|verify`: opening it rebuilds nothing and projects nothing. */
export const openLog = async (url: string, options: OpenBackendOptions = {}): Promise<EventLog & { describe(): string; close(): Promise<void> }> => {
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) {
    const store = openStore(url, options);
    return Object.assign(store, { describe: () => `sqlite ${store.path}` });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresLog } = await import('./postgres/backend.js');
    return openPostgresLog(url, options);
  }
  throw new InvalidInput('store', url.replace(/\/\/[^@/]*@/, '//…@'), usage);
};

/**
 * Opens a backend (the log, the read models, and commits that keep them together) from its URL. The PostgreSQL
 * adapter is loaded only when named, so the embedded store's commands never load the pg driver.
 */
export const openBackend = async (url: string, options: OpenBackendOptions = {}): Promise<Backend> => {
  const { env: _, onRebuild, projections: given, ...store } = options;
  const kept = given ?? projections;
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length)
    return new SqliteBackend({ path: url.slice('sqlite:'.length), ...store, projections: kept, ...(onRebuild === undefined ? {} : { onRebuild }) });
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresBackend } = await import('./postgres/backend.js');
    return openPostgresBackend(url, { ...options, projections: kept });
  }
  throw new InvalidInput('store', url.replace(/\/\/[^@/]*@/, '//…@'), usage);
};
