import { suite } from 'uvu';
import { PostgresEventStore } from '../../src/store/postgres/index.js';
import { freshSchema } from '../support/postgres.js';
import { checkAgainstModel } from './store-model.js';

const Model = suite('store contract (postgres): model-based');

Model('append, read, stale revisions and re-appends agree with a map of stream lengths', async () => {
  await checkAgainstModel(async () => {
    const schema = await freshSchema('model');
    const store = await PostgresEventStore.open({ url: schema.url });
    return {
      store,
      dispose: async () => {
        await store.close();
        await schema.drop();
      },
    };
  }, 80);
});

Model.run();
