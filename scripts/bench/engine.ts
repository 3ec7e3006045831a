import { sqliteEngine, sqliteOf } from '../../test/support/backend.js';
/**
 * `npm run bench:engine [-- --findings N] [--batch N] [--durability full|normal]`: the engine's batch ingest as a
 * scanner calls it: N distinct findings (default 1,000,000) tracked with `trackFindings` in batches of 10,000 (one
 * atomic append each, inline projections), then `projections rebuild` over the resulting log. Each phase runs in its
 * own process, so its peak RSS is its own. A script, not a test: it prints figures and asserts nothing about speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateEngine } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const positive = (name: string, fallback: string): number => {
  const text = option(name, fallback);
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} takes a positive integer, got ${text}`);
  return value;
};
const findings = positive('--findings', '1000000');
const batchSize = positive('--batch', '10000');
const durability = option('--durability', 'normal');
if (durability !== 'full' && durability !== 'normal') throw new Error(`--durability takes full or normal, got ${durability}`);

const regions = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const services = ['s3', 'ec2', 'iam', 'rds'];

const ingest = async (path: string): Promise<number> => {
  const engine = sqliteEngine({ path, durability, origin: 'bench' });
  let tracked = 0;
  for (let b = 0; tracked < findings; b += 1) {
    const region = regions[b % regions.length] as string;
    const account = String(100_000_000_000 + (b % 20));
    const scanId = `scan-${b}`;
    await engine.startScan({ scanId, snapshotId: `snap-${b}`, configName: 'default', accountId: account, region, collectors: [], fullScope: false, metadata: {} });
    const size = Math.min(batchSize, findings - tracked);
    const records = Array.from({ length: size }, (_, i) => {
      const k = tracked + i;
      const service = services[k % services.length] as string;
      return {
        findingId: `fnd-${k.toString(36).padStart(6, '0')}`,
        assetId: `arn:aws:${service}:${region}:${account}:${service}-${Math.floor(k / 2)}`,
        ruleId: `aws-${service}-${String((k % 20) + 1).padStart(3, '0')}`,
      };
    });
    await engine.trackFindings(records, { scanId });
    await engine.completeScan(scanId, { assetCount: size, findingCount: size });
    tracked += size;
  }
  await engine.close();
  return tracked;
};

const rebuild = async (path: string): Promise<number> => {
  const engine = sqliteEngine({ path, durability });
  await engine.rebuildProjections();
  const events = sqliteOf(engine).headPositionSync();
  await engine.close();
  return events;
};

if (args[0] === '--case') {
  const started = process.hrtime.bigint();
  const count = args[1] === 'ingest' ? await ingest(args[2] ?? '') : await rebuild(args[2] ?? '');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ phase: args[1], count, seconds, perSecond: count / seconds, rssMb })}\n`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  const self = fileURLToPath(import.meta.url);
  try {
    for (const phase of ['ingest', 'rebuild']) {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', self, '--case', phase, join(dir, 'engine.db'), ...args],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (child.status !== 0) throw new Error(`${phase} failed (exit ${child.status ?? child.signal})`);
      const row = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
      const what = phase === 'ingest' ? 'trackFindings (findings)' : 'projections rebuild (events)';
      process.stdout.write(
        `${what.padEnd(30)} ${String(row.count).padStart(9)}  ${Number(row.seconds).toFixed(2).padStart(7)} s  ` +
          `${Math.round(Number(row.perSecond)).toLocaleString('en-US').padStart(8)} /s  peak RSS ${Math.round(Number(row.rssMb))} MB\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `${findings.toLocaleString('en-US')} distinct findings in batches of ${batchSize.toLocaleString('en-US')}, durability ${durability}; ` +
      `${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, Node ${process.version}\n`,
  );
}
