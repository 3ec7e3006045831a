import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { runStoreContract } from './store-contract.js';

let n = 0;
runStoreContract('sqlite', async (options = {}) => {
  const dir = makeTempDir('contract');
  n += 1;
  const store = new SqliteEventStore({ path: join(dir, `log-${n}.db`), origin: 'test-origin', durability: 'normal', ...options });
  return {
    store,
    dispose: async () => {
      await store.close();
      removeDir(dir);
    },
  };
}, { atomicBatches: true });
