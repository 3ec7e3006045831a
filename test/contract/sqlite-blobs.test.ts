import { join } from 'node:path';
import { SqliteBlobs } from '../../src/store/sqlite/blobs.js';
import { SqliteConsumers } from '../../src/store/sqlite/consumers.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { runBlobContract } from './blob-contract.js';

let n = 0;
runBlobContract('sqlite', async () => {
  const dir = makeTempDir('blobs');
  n += 1;
  const store = new SqliteEventStore({ path: join(dir, `log-${n}.db`), origin: 'test-origin', durability: 'normal' });
  return {
    blobs: new SqliteBlobs(store.db, Date.now, true),
    consumers: new SqliteConsumers(store.db),
    dispose: async () => {
      await store.close();
      removeDir(dir);
    },
  };
});
