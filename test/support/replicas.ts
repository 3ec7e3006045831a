import { join } from 'node:path';
import type { StateEngine } from '../../src/engine/index.js';
import { sqliteEngine } from './backend.js';
import { fileHub, type BatchSecurity, type HubStorage } from '../../src/sync/index.js';

export const noSecurity: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: null };

/** A replica: a data dir with its own origin, sharing one test clock with the others. */
export const openReplica = (dir: string, origin: string, clock: () => number): StateEngine =>
  sqliteEngine({ path: join(dir, `${origin}.db`), origin, clock });

export const directoryHub = (dir: string): HubStorage => fileHub({ root: join(dir, 'hub') });
