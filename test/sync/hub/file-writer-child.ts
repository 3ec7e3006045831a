/**
 * A writer for the crash trials: `file-writer-child.ts <root> <label>` creates `<label>/<n>` and contests
 * `shared/<n>` with its sibling, n = 0, 1, ..., printing `ack <key> <result>` after each create resolves, until killed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileHub } from '../../../src/sync/hub/index.js';

const [root = '', label = ''] = process.argv.slice(2);
const hub = fileHub({ root });
for (let n = 0; ; n += 1) {
  for (const key of [`${label}/${String(n).padStart(6, '0')}`, `shared/${String(n).padStart(6, '0')}`]) {
    const body = randomBytes(32 * 1024 + Math.floor(Math.random() * 256 * 1024));
    const sha256 = createHash('sha256').update(body).digest('hex');
    const result = await hub.create(key, body, { sha256, writer: label });
    process.stdout.write(`ack ${key} ${result}\n`);
  }
}
