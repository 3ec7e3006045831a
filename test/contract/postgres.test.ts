import { PostgresEventStore } from '../../src/store/postgres/index.js';
import { freshSchema } from '../support/postgres.js';
import { runStoreContract } from './store-contract.js';

runStoreContract(
  'postgres',
  async (options = {}) => {
    const schema = await freshSchema('contract');
    const store = await PostgresEventStore.open({ url: schema.url, origin: 'test-origin', pollMs: 50, ...options });
    return {
      store,
      dispose: async () => {
        await store.close();
        await schema.drop();
      },
    };
  },
  { atomicBatches: true },
);
