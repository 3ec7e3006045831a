import { sqliteEngine } from '../../test/support/backend.js';
/**
 * `node --import tsx scripts/bench/api.ts [--findings N] [--dir D] [--seconds S] [--connections C]`
 *
 * Latency of the HTTP API at scale: fills a data dir with N findings (default 1,000,000; engine.trackFindings in
 * batches of 10,000, durability normal; ten findings per asset), starts the real `stance-state serve` in its own
 * process, then drives three cases with C keep-alive connections (default 50) for S seconds each (default 15,
 * after a 3 s warm-up): GET /v1/findings/{id} (random ids), GET /v1/findings?asset= (random assets, ~10 rows) and
 * GET /v1/stats. A last case drives a bare node:http server answering a constant, in its own process, the same way:
 * the ceiling of this machine and this load generator, so the API's figures can be read against it. Prints
 * p50/p90/p99/max and requests/s per case, the load average around the run (other work on the machine shows in
 * every figure), then one JSON line. `--dir` keeps the data dir and reuses it when it already holds N findings
 * (the fill is the slow part). A script, not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StateEngine, type TrackFindingInput } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const count = (name: string, fallback: number): number => {
  const value = Number(option(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number`);
  return value;
};
const findings = count('--findings', 1_000_000);
const seconds = count('--seconds', 15);
const connections = count('--connections', 50);
const warmupSeconds = 3;
const batchSize = 10_000;
const perAsset = 10;
const assets = Math.max(1, Math.floor(findings / perAsset));

const root = fileURLToPath(new URL('../..', import.meta.url));
const keep = args.includes('--dir');
const dir = keep ? option('--dir', '') : mkdtempSync(join(tmpdir(), 'bench-api-'));
const idOf = (i: number) => `finding-${String(i).padStart(8, '0')}`;
const assetOf = (i: number) => `asset-${String(i % assets).padStart(7, '0')}`;

const fill = async (): Promise<void> => {
  mkdirSync(dir, { recursive: true });
  const engine = sqliteEngine({ path: join(dir, 'stance.db') });
  try {
    const have = (await engine.getFindingStats()).total;
    if (have >= findings) {
      process.stderr.write(`reusing ${dir}: ${have} findings\n`);
      return;
    }
    const started = Date.now();
    for (let from = have; from < findings; from += batchSize) {
      const batch: TrackFindingInput[] = [];
      for (let i = from; i < Math.min(findings, from + batchSize); i += 1)
        batch.push({ findingId: idOf(i), assetId: assetOf(i), ruleId: `rule-${i % 200}` });
      await engine.trackFindings(batch);
      const done = Math.min(findings, from + batchSize);
      const rate = Math.round((done - have) / ((Date.now() - started) / 1000));
      process.stderr.write(`\rfill ${done}/${findings} findings (${rate}/s)   `);
    }
    process.stderr.write(`\nfilled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await engine.close();
  }
};

/** Spawns a server process and waits for the URL it prints first. */
const startProcess = async (argv: readonly string[]): Promise<{ child: ChildProcess; url: string }> => {
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...process.env, STANCE_STATE_DIR: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const line = (await lines.next()).value as string | undefined;
  const url = /http:\/\/\S+/.exec(line ?? '')?.[0];
  if (url === undefined) throw new Error(`server did not start: ${line ?? '(no output)'}`);
  return { child, url };
};

/** The real binary (built dist/ when present, else the TypeScript through tsx), on a free port. */
const startServe = () => {
  const built = join(root, 'dist/stance-state.js');
  const entry = existsSync(built) ? [built] : ['--import', 'tsx', join(root, 'src/cli/bin.ts')];
  return startProcess([...entry, '--data', dir, 'serve', '--port', '0']);
};

const bare = `const body = JSON.stringify({ ok: true });
require('node:http')
  .createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body))
  .listen(0, '127.0.0.1', function () { console.log('listening on http://127.0.0.1:' + this.address().port); });`;

interface CaseResult {
  readonly name: string;
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

const pick = (sorted: Float64Array, q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** `connections` loops, each one request at a time on its own keep-alive socket, timing each to the last byte. */
const drive = async (url: string, name: string, path: () => string, forSeconds: number): Promise<CaseResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + forSeconds * 1000;
  const once = () =>
    new Promise<void>((resolve) => {
      const started = process.hrtime.bigint();
      const req = request(`${url}${path()}`, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          if (res.statusCode !== 200) errors += 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) await once();
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    name,
    requests: latencies.length,
    errors,
    perSecond: Math.round(latencies.length / elapsed),
    p50: pick(sorted, 0.5),
    p90: pick(sorted, 0.9),
    p99: pick(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? 0,
  };
};

const random = (n: number) => Math.floor(Math.random() * n);
const cases: readonly [string, () => string][] = [
  ['GET /v1/findings/{id}', () => `/v1/findings/${idOf(random(findings))}`],
  ['GET /v1/findings?asset=', () => `/v1/findings?asset=${assetOf(random(assets))}`],
  ['GET /v1/stats', () => '/v1/stats'],
];

const stop = async (child: ChildProcess) => {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
};

const main = async () => {
  await fill();
  const results: CaseResult[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  const { child, url } = await startServe();
  try {
    for (const [name, path] of cases) {
      await drive(url, name, path, warmupSeconds);
      results.push(await drive(url, name, path, seconds));
    }
  } finally {
    await stop(child);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  const ceiling = await startProcess(['-e', bare]);
  try {
    await drive(ceiling.url, 'bare node:http (ceiling)', () => '/', warmupSeconds);
    results.push(await drive(ceiling.url, 'bare node:http (ceiling)', () => '/', seconds));
  } finally {
    await stop(ceiling.child);
  }
  const loadAfter = loadavg()[0] ?? 0;
  const row = (cells: readonly (string | number)[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(26) : String(c).padStart(9))).join('');
  const ms = (v: number) => v.toFixed(2);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`;
  process.stdout.write(
    [
      '',
      `${findings} findings, ${connections} connections, ${seconds} s per case; ${machine}, ${new Date().toISOString()}`,
      `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`,
      '',
      row(['case', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors']),
      ...results.map((r) => row([r.name, r.perSecond, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), r.errors])),
      '',
    ].join('\n'),
  );
  const summary = { findings, connections, seconds, node: process.version, load: [loadBefore, loadAfter], results };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
};

await main();
