import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileHub } from '../../../src/sync/hub/index.js';
import { exited, spawnTs } from '../../support/children.js';
import { collect } from '../../support/events.js';
import { makeTempDir, removeDir } from '../../support/tmp.js';

const Crash = suite('sync/hub: directory hub writers killed with SIGKILL');
let dir = '';
Crash.before(() => {
  dir = makeTempDir('hub-crash');
});
Crash.after(() => removeDir(dir));

/**
 * Two processes write their own keys and race for shared ones; each is killed at a random moment after its first
 * acknowledgement. Then every visible object must be whole (its SHA-256 matches its metadata), every acknowledged
 * 'created' must be there with that writer's metadata, and no shared key may have two creators.
 */
const trial = async (root: string, delayMs: (w: number) => number): Promise<{ acked: number; problems: string[] }> => {
  const created = new Map<string, string>();
  const problems: string[] = [];
  let acked = 0;
  const children = ['w0', 'w1'].map((label, w) => {
    let armed = false;
    const child = spawnTs('../sync/hub/file-writer-child.ts', [root, label], (line) => {
      const m = /^ack (\S+) (created|exists)$/.exec(line);
      if (m === null) return;
      acked += 1;
      if (m[2] === 'created') {
        const before = created.get(m[1] as string);
        if (before !== undefined) problems.push(`${m[1]} created by ${before} and ${label}`);
        created.set(m[1] as string, label);
      }
      if (!armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs(w));
      }
    });
    return child;
  });
  const exits = await Promise.all(children.map(exited));
  exits.forEach((e, w) => {
    if (e.signal !== 'SIGKILL') problems.push(`writer ${w} exited with ${e.code ?? e.signal} before it was killed`);
  });
  const hub = fileHub({ root });
  const keys = await collect(hub.list(''));
  for (const key of keys) {
    const object = await hub.read(key);
    const sha256 = object === null ? null : createHash('sha256').update(object.body).digest('hex');
    if (object === null || sha256 !== object.metadata.sha256) problems.push(`${key} is not whole`);
  }
  for (const [key, writer] of created) {
    if (!keys.includes(key)) problems.push(`${key} acknowledged as created but not listed`);
    else if ((await hub.metadata(key))?.writer !== writer) problems.push(`${key} created by ${writer} holds another's`);
  }
  return { acked, problems };
};

Crash('5 trials of two racing writers killed mid-create leave only whole objects, one creator per key', async () => {
  const seed = Date.now() % 1_000_000;
  const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: 20 });
  let acked = 0;
  for (let t = 0; t < 5; t += 1) {
    const root = join(dir, `trial-${t}`);
    const result = await trial(root, (w) => delays[(t * 2 + w) % delays.length] ?? 100);
    assert.equal(result.problems, [], `seed ${seed}, trial ${t}`);
    acked += result.acked;
  }
  assert.ok(acked >= 10, `every writer acknowledged at least once (${acked})`);
});

Crash.run();
