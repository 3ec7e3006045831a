import { join } from 'node:path';
import type { StateEngine } from '../../src/engine/index.js';
import { fileHub, type BatchSecurity, type HubStorage } from '../../src/sync/index.js';
import { dropWithLastEngine, engineOn } from './engine.js';
import { freshStore, testBackendName, type TestStore } from './stores.js';

export const noSecurity: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: null };

/** The store of each replica by data dir and origin: opening the same one again is another process on it. */
const replicaStores = new Map<string, Promise<TestStore>>();

const replicaStore = async (dir: string, origin: string): Promise<TestStore> => {
  if (testBackendName() === 'sqlite') return { url: `sqlite:${join(dir, `${origin}.db`)}`, drop: async () => undefined };
  const key = join(dir, origin);
  let store = replicaStores.get(key);
  if (store === undefined) {
    store = freshStore(dir, origin).then((s) => ({ url: s.url, drop: async () => (dropped.add(key), s.drop()) }));
    replicaStores.set(key, store);
  }
  // A file outlives its engines; a schema goes with its last one, so opening it again would silently start empty.
  if (dropped.has(key)) throw new Error(`replica ${origin} in ${dir} was reopened after its last engine closed and its schema was dropped`);
  return store;
};
const dropped = new Set<string>();

/**
 * A replica: a data dir with its own origin, sharing one test clock with the others, on the test backend. The same
 * dir and origin again opens the same store (as a second process would); the store goes with its last engine.
 */
export const openReplica = async (dir: string, origin: string, clock: () => number): Promise<StateEngine> =>
  engineOn(dropWithLastEngine(await replicaStore(dir, origin)).url, { origin, clock });

export const directoryHub = (dir: string): HubStorage => fileHub({ root: join(dir, 'hub') });
