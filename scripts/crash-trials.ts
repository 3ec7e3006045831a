/**
 * More crash trials than the suite runs: `node --import tsx scripts/crash-trials.ts [trials] [writers]`.
 * Each trial kills writer processes with SIGKILL mid-append and checks the reopened log.
 */
import { crashTrial } from '../test/support/crash-trial.js';
import { makeTempDir, removeDir } from '../test/support/tmp.js';

const trials = Number(process.argv[2] ?? 200);
const writers = Number(process.argv[3] ?? 3);
const dir = makeTempDir('crash-trials');
let failures = 0;
let acked = 0;
try {
  for (let trial = 0; trial < trials; trial += 1) {
    const result = await crashTrial(dir, trial, Math.random, writers);
    acked += result.acked;
    if (result.problems.length > 0) {
      failures += 1;
      process.stdout.write(`trial ${trial}: ${result.problems.join('; ')}\n`);
    }
    if ((trial + 1) % 10 === 0) process.stderr.write(`${trial + 1}/${trials} trials, ${acked} acknowledged batches\n`);
  }
} finally {
  removeDir(dir);
}
process.stdout.write(`${trials} trials, ${writers} writers each, ${acked} acknowledged batches, ${failures} failed\n`);
process.exitCode = failures > 0 ? 1 : 0;
