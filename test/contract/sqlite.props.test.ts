import { join } from 'node:path';
import { suite } from 'uvu';
import { SqliteEventStore } from '../../src/store/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { checkAgainstModel } from './store-model.js';

const Model = suite('store contract (sqlite): model-based');
let dir = '';
Model.before(() => {
  dir = makeTempDir('model');
});
Model.after(() => removeDir(dir));

let n = 0;
Model('append, read, stale revisions and re-appends agree with a map of stream lengths', async () => {
  await checkAgainstModel(async () => {
    n += 1;
    const store = new SqliteEventStore({ path: join(dir, `m${n}.db`), durability: 'normal' });
    return { store, dispose: () => store.close() };
  }, 80);
});

Model.run();
