import { join } from 'node:path';
import { StateEngine } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { fileHub, type BatchSecurity, type HubStorage } from '../../src/sync/index.js';

export const noSecurity: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: null };

/** A replica: a data dir with its own origin, sharing one test clock with the others. */
export const openReplica = (dir: string, origin: string, clock: () => number): StateEngine =>
  new StateEngine({ store: new SqliteEventStore({ path: join(dir, `${origin}.db`), origin, clock, durability: 'normal' }), clock });

export const directoryHub = (dir: string): HubStorage => fileHub({ root: join(dir, 'hub') });
