/**
 * `node --import tsx scripts/bench/startup.ts [--runs N] [--dir D] [--bin path]`
 *
 * CLI start-up against bare node, side by side in one run: `node -e 0`, `stance-state --help`, `log stats` on an
 * empty data dir and `finding track` on a data dir holding the demo's 30 days (~90,000 events; made first with
 * `stance-state demo --days 30`, the slow part; `--dir` keeps it and reuses it). Each round runs every case once,
 * in turn, so load from other work on the machine falls on all of them alike; N rounds (default 15, at least 9).
 * Prints median and min wall time per case, the ratio of medians to bare node against the targets (--help 1.6x,
 * log stats 2.5x, finding track 3x), the load average, then one JSON line. Runs the built binary (`npm run build`).
 * A script, not a test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const runs = Number(option('--runs', '15'));
if (!Number.isSafeInteger(runs) || runs < 9) throw new Error('--runs must be a whole number of at least 9');

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = option('--bin', join(root, 'dist/stance-state.js'));
if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
const keep = args.includes('--dir');
const work = mkdtempSync(join(tmpdir(), 'bench-startup-'));
const demo = keep ? option('--dir', '') : join(work, 'demo');
const empty = join(work, 'empty');

const run = (argv: readonly string[]): number => {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STANCE_STATE_DIR: '' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return ms;
};

if (!existsSync(join(demo, 'stance.db'))) {
  mkdirSync(demo, { recursive: true });
  if (readdirSync(demo).length > 0) throw new Error(`${demo} is neither empty nor a data dir`);
  process.stderr.write(`making the demo's 30 days in ${demo}…\n`);
  run([bin, '--data', demo, 'demo', '--days', '30']);
}
run([bin, '--data', empty, 'log', 'stats']); // makes the empty log once, outside the timings

let sighting = 0;
const cases: { name: string; target: number | null; argv: () => string[] }[] = [
  { name: 'node -e 0', target: null, argv: () => ['-e', '0'] },
  { name: 'stance-state --help', target: 1.6, argv: () => [bin, '--help'] },
  { name: 'log stats (empty data dir)', target: 2.5, argv: () => [bin, '--data', empty, 'log', 'stats'] },
  {
    name: 'finding track (demo, 30 days)',
    target: 3,
    // A new finding each run: every run decides and appends as a scanner's loop does.
    argv: () => [bin, '--data', demo, 'finding', 'track', `bench-${process.pid}-${(sighting += 1)}`, '--asset', 'bench-asset', '--rule', 'bench-rule'],
  },
];

const load = [loadavg()];
const times = cases.map(() => [] as number[]);
for (const c of cases) run(c.argv()); // one warm-up round: the file cache, not the process, is what it warms
for (let round = 0; round < runs; round += 1) cases.forEach((c, i) => times[i]?.push(run(c.argv())));
load.push(loadavg());

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const bare = median(times[0] ?? []);
const rows = cases.map((c, i) => {
  const xs = times[i] ?? [];
  const ratio = median(xs) / bare;
  return { case: c.name, median_ms: median(xs), min_ms: Math.min(...xs), ratio, target: c.target, met: c.target === null ? null : ratio <= c.target };
});
const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(`${pad('case', 32)}${pad('median ms', 11)}${pad('min ms', 9)}${pad('x node', 8)}target\n`);
for (const r of rows)
  process.stdout.write(
    `${pad(r.case, 32)}${pad(r.median_ms.toFixed(1), 11)}${pad(r.min_ms.toFixed(1), 9)}${pad(r.ratio.toFixed(2), 8)}` +
      `${r.target === null ? '' : `${r.target}x ${r.met ? 'met' : 'MISSED'}`}\n`,
  );
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${new Date().toISOString()}`;
process.stdout.write(`${runs} rounds; load average ${load.map((l) => l.map((x) => x.toFixed(2)).join('/')).join(' -> ')}; ${machine}\n`);
process.stdout.write(`${JSON.stringify({ runs, machine, load, rows })}\n`);
rmSync(keep ? empty : work, { recursive: true, force: true });
