import { join } from 'node:path';
import { fileHub } from '../../../src/sync/hub/index.js';
import { makeTempDir, removeDir } from '../../support/tmp.js';
import { runHubContract } from './hub-contract.js';

// The root does not exist yet: the first create makes it, and until then the hub reads as empty.
runHubContract('directory', async () => {
  const dir = makeTempDir('hub-file');
  return { hub: fileHub({ root: join(dir, 'hub') }), dispose: async () => removeDir(dir) };
});
