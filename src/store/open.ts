import { InvalidInput } from '../errors.js';
import type { Durability } from './contract.js';
import { SqliteEventStore } from './sqlite/index.js';

export interface OpenStoreOptions {
  readonly durability?: Durability;
  readonly origin?: string;
  readonly clock?: () => number;
}

/** Opens a store from its URL: `sqlite:<path>` is the embedded log. */
export const openStore = (url: string, options: OpenStoreOptions = {}): SqliteEventStore => {
  const colon = url.indexOf(':');
  const scheme = colon < 0 ? '' : url.slice(0, colon);
  const rest = url.slice(colon + 1);
  if (scheme === 'sqlite' && rest.length > 0) return new SqliteEventStore({ path: rest, ...options });
  throw new InvalidInput('store', url, 'sqlite:<path> (the embedded log)');
};
