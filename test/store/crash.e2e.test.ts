import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crashTrial } from '../support/crash-trial.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Crash = suite('store/sqlite: SIGKILL at random moments');
let dir = '';
Crash.before(() => {
  dir = makeTempDir('crash');
});
Crash.after(() => removeDir(dir));

Crash('20 trials of two writers killed mid-append lose no acknowledged batch and leave no partial one', async () => {
  // A seeded generator, so a failing trial can be replayed: the seed is in the failure message.
  const seed = Date.now() % 1_000_000;
  const random = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { seed, numRuns: 100 });
  let i = 0;
  const next = () => random[i++ % random.length] ?? 0.5;
  let acked = 0;
  for (let trial = 0; trial < 20; trial += 1) {
    const result = await crashTrial(dir, trial, next);
    assert.equal(result.problems, [], `seed ${seed}, trial ${trial}`);
    acked += result.acked;
  }
  assert.ok(acked >= 40, `every writer acknowledged at least one batch (${acked})`);
});

Crash.run();
