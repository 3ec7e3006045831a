import { join } from 'node:path';
import { SqliteBackend } from '../../src/store/index.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { runBackendSuite } from './backend-suite.js';

let n = 0;
runBackendSuite('sqlite', async () => {
  const dir = makeTempDir('backend');
  const path = join(dir, `b${(n += 1)}.db`);
  return {
    open: async (options = {}) => new SqliteBackend({ path, durability: 'normal', projections: [], ...options }),
    dispose: async () => removeDir(dir),
  };
});
