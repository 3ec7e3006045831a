/**
 * `node --import tsx scripts/bench/dashboard.ts [--findings N] [--runs R] [--dir D]`
 *
 * How long the dashboard's overview and findings pages take to become usable on N findings (default 100,000), in
 * headless Chromium (Debian's, /usr/bin/chromium) against the real `stance-state serve`. The data dir holds 30
 * simulated days over 3 accounts x 2 regions: day one sees N - 29 x 300 findings, each later day a rotating tenth of
 * them again, 300 new ones and 300 resolutions (so the daily series has something to say). Each page is loaded R
 * times (default 5) in a fresh browser profile (cold: nothing cached) and R times more in one profile (warm: the
 * hashed assets cached). "Usable" is the moment the page shows its data: the overview its lifecycle figures, the
 * chart and the latest scans; the findings page its first page of rows. Prints the median and worst per case, the
 * API answers behind them, and one JSON line (also written to bench-results/). `--dir` keeps the data dir and reuses
 * it when it already holds N findings. A script, not a test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import type { TrackFindingInput } from '../../src/engine/index.js';
import { openEngine } from '../../src/open.js';

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
const findings = count('--findings', 100_000);
const runs = count('--runs', 5);
const days = 30;
const dailyNew = 300;
const dailyResolved = 300;
const accounts = ['111111111111', '222222222222', '333333333333'];
const regions = ['us-east-1', 'eu-west-1'];
const scopes = accounts.flatMap((account) => regions.map((region) => ({ account, region })));

const root = fileURLToPath(new URL('../..', import.meta.url));
const keep = args.includes('--dir');
const dir = keep ? option('--dir', '') : mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
const idOf = (i: number) => `finding-${String(i).padStart(7, '0')}`;

/** Fills the data dir: 30 days of scans, sightings, new findings and resolutions, on a clock that moves with them. */
const fill = async (): Promise<void> => {
  mkdirSync(dir, { recursive: true });
  const dayMs = 86_400_000;
  let now = Date.now() - days * dayMs;
  const clock = () => now;
  const engine = await openEngine({ store: `sqlite:${join(dir, 'stance.db')}`, durability: 'normal', clock });
  try {
    const have = (await engine.getFindingStats()).total;
    if (have >= findings) {
      process.stderr.write(`reusing ${dir}: ${have} findings\n`);
      return;
    }
    if (have > 0) throw new Error(`${dir} holds ${have} findings: give an empty or a full data dir`);
    const started = Date.now();
    let known = findings - (days - 1) * dailyNew;
    let resolvedUpTo = 0;
    for (let day = 0; day < days; day += 1) {
      now = Date.now() - (days - day) * dayMs + 2 * 3_600_000;
      const seen = day === 0 ? known : Math.min(known, Math.ceil(known / 10));
      const first = day === 0 ? 0 : ((day - 1) * seen) % known;
      for (const [s, scope] of scopes.entries()) {
        const scanId = `scan-${day}-${scope.account}-${scope.region}`;
        await engine.startScan({ scanId, snapshotId: `snap-${day}`, accountId: scope.account, region: scope.region, collectors: ['iam', 's3'] });
        let batch: TrackFindingInput[] = [];
        const flush = async () => {
          if (batch.length > 0) await engine.trackFindings(batch, { scanId });
          batch = [];
        };
        for (let k = 0; k < seen; k += 1) {
          const i = (first + k) % known;
          if (i % scopes.length !== s) continue;
          batch.push({ findingId: idOf(i), assetId: `arn:aws:s3:::${scope.account}:bucket-${i % 5000}`, ruleId: `rule-${i % 150}` });
          if (batch.length >= 10_000) await flush();
        }
        if (day > 0)
          for (let i = known; i < known + dailyNew; i += 1)
            if (i % scopes.length === s)
              batch.push({ findingId: idOf(i), assetId: `arn:aws:s3:::${scope.account}:bucket-${i % 5000}`, ruleId: `rule-${i % 150}` });
        await flush();
        now += 60_000;
        await engine.completeScan(scanId, { assetCount: 5000, findingCount: seen, errorMessage: day === days - 1 && s === 5 ? 'Throttling' : '' });
      }
      if (day > 0) known += dailyNew;
      now += 3_600_000;
      for (let r = 0; r < (day === 0 ? 0 : dailyResolved); r += 1) {
        resolvedUpTo += 7;
        await engine.resolveFinding(idOf(resolvedUpTo % known), { by: 'bench', reason: 'fixed' });
      }
      process.stderr.write(`\rfill day ${day + 1}/${days}: ${known} findings, ${await engine.backend.log.headPosition()} events   `);
    }
    process.stderr.write(`\nfilled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await engine.close();
  }
};

const startServe = async (): Promise<{ child: ChildProcess; url: string }> => {
  const built = join(root, 'dist/stance-state.js');
  if (!existsSync(join(root, 'dist/web/index.html'))) throw new Error('the dashboard is not built: npm run build');
  const child = spawn(process.execPath, [built, '--data', dir, 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, STANCE_STATE_DIR: '' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const line = (await lines.next()).value as string | undefined;
  const url = /http:\/\/\S+/.exec(line ?? '')?.[0];
  if (url === undefined) throw new Error(`serve did not start: ${line ?? '(no output)'}`);
  return { child, url };
};

const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

const openProfile = async (): Promise<{ context: BrowserContext; done: () => Promise<void> }> => {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: flags, viewport: { width: 1280, height: 900 } });
  return {
    context,
    done: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
};

interface Page {
  readonly name: string;
  readonly path: string;
  /** What must be on the screen for the page to be usable. */
  readonly ready: readonly string[];
}
const pages: readonly Page[] = [
  { name: 'overview', path: '/', ready: ['[data-figure="open"] dd', '.chart canvas', '#latest-scans tbody tr'] },
  { name: 'findings', path: '/findings', ready: ['#findings tbody tr'] },
];

/** Milliseconds from asking for the page to its data on the screen. */
const loadOnce = async (context: BrowserContext, url: string, page: Page): Promise<number> => {
  const tab = context.pages()[0] ?? (await context.newPage());
  await tab.goto('about:blank');
  const started = performance.now();
  await tab.goto(`${url}${page.path}`, { waitUntil: 'commit' });
  for (const selector of page.ready) await tab.locator(selector).first().waitFor({ timeout: 30_000 });
  return performance.now() - started;
};

const stats = (ms: readonly number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, worst: sorted.at(-1) ?? 0, runs: sorted.map((m) => Math.round(m)) };
};

/** The API answers the pages wait on, timed from Node (median of 5, after one warm-up). */
const apiTimes = async (url: string) => {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
  const paths = ['/v1/stats', `/v1/stats/daily?from=${from}&to=${today}`, '/v1/scans/latest', '/v1/findings?sort=-last_seen&limit=50', '/v1/findings?lifecycle=recurring&sort=-last_seen&limit=50'];
  const out: Record<string, number> = {};
  for (const path of paths) {
    const times: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const started = performance.now();
      const r = await fetch(`${url}${path}`);
      await r.arrayBuffer();
      if (!r.ok) throw new Error(`${path}: ${r.status}`);
      if (i > 0) times.push(performance.now() - started);
    }
    out[path] = Math.round(stats(times).median * 10) / 10;
  }
  return out;
};

const main = async () => {
  await fill();
  const served = await startServe();
  try {
    const api = await apiTimes(served.url);
    const results: Record<string, ReturnType<typeof stats>> = {};
    for (const page of pages) {
      const cold: number[] = [];
      for (let i = 0; i < runs; i += 1) {
        const p = await openProfile();
        try {
          cold.push(await loadOnce(p.context, served.url, page));
        } finally {
          await p.done();
        }
      }
      results[`${page.name} cold`] = stats(cold);
      const p = await openProfile();
      try {
        await loadOnce(p.context, served.url, page); // fills the cache
        const warm: number[] = [];
        for (let i = 0; i < runs; i += 1) warm.push(await loadOnce(p.context, served.url, page));
        results[`${page.name} warm`] = stats(warm);
      } finally {
        await p.done();
      }
    }
    const summary = await (await fetch(`${served.url}/v1/stats`)).json();
    const events = Number((await fetch(`${served.url}/v1/changes`)).headers.get('x-stance-position'));
    process.stdout.write(`\ndashboard load time to a usable page, ${(summary as { total: number }).total} findings, ${events} events, ${runs} runs each\n`);
    process.stdout.write(`${'case'.padEnd(16)} ${'median ms'.padStart(10)} ${'worst ms'.padStart(9)}  runs\n`);
    for (const [name, r] of Object.entries(results))
      process.stdout.write(`${name.padEnd(16)} ${String(Math.round(r.median)).padStart(10)} ${String(Math.round(r.worst)).padStart(9)}  ${r.runs.join(' ')}\n`);
    process.stdout.write('\nAPI answers behind them (median ms, from Node):\n');
    for (const [path, ms] of Object.entries(api)) process.stdout.write(`  ${String(ms).padStart(7)}  ${path}\n`);
    const record = {
      bench: 'dashboard',
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? '',
      loadavg: loadavg(),
      findings: (summary as { total: number }).total,
      events,
      runs,
      results,
      api,
    };
    process.stdout.write(`\nload average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores\n${JSON.stringify(record)}\n`);
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results', `dashboard-${record.date.slice(0, 10)}.json`), `${JSON.stringify(record, null, 2)}\n`);
  } finally {
    served.child.kill('SIGTERM');
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
};

await main();
