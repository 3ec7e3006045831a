/**
 * `node --import tsx scripts/bench/sightings.ts [--findings N] [--days D] [--store sqlite|<postgres url>]`: does a
 * decision slow with a stream's age? Tracks N findings once a day for D days (default 1,000 for 365 days: a finding
 * scanned daily for a year), one batch (one scan) a day, and compares the throughput of the last ten days (streams
 * of ~360 sightings) with that of the second day (streams of one). Decisions load each finding's snapshot, not its
 * history, so the two should match within noise (the target: within 10%). A script, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../src/open.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const findings = Number(option('--findings', '1000'));
const days = Number(option('--days', '365'));
const store = option('--store', 'sqlite');
const dir = mkdtempSync(join(tmpdir(), 'bench-sightings-'));
let now = Date.UTC(2025, 0, 1);
const engine = await openEngine({
  store: store === 'sqlite' ? `sqlite:${join(dir, 'stance.db')}` : store,
  clock: () => now,
  durability: 'normal',
  origin: 'bench',
});
const records = Array.from({ length: findings }, (_, i) => ({ findingId: `f-${i}`, assetId: `a-${i % 97}`, ruleId: `r-${i % 13}` }));
const perDay: number[] = [];
try {
  for (let day = 1; day <= days; day += 1) {
    now += 86_400_000;
    const scanId = `scan-${day}`;
    await engine.startScan({ scanId, snapshotId: scanId, accountId: '111', region: 'us-east-1', collectors: ['iam'] });
    const started = process.hrtime.bigint();
    await engine.trackFindings(records, { scanId });
    perDay.push(Number(process.hrtime.bigint() - started) / 1e6);
    await engine.completeScan(scanId, { assetCount: findings, findingCount: findings });
    if (day % 50 === 0) process.stderr.write(`day ${day}: ${perDay[day - 1]?.toFixed(1)} ms\n`);
  }
  const rate = (ms: readonly number[]) => Math.round((findings * ms.length) / (ms.reduce((a, b) => a + b, 0) / 1000));
  const young = rate(perDay.slice(1, 11));
  const old = rate(perDay.slice(-10));
  const result = {
    store: engine.backend.description.replace(/\/\/[^@/]*@/, '//…@'),
    findings,
    days,
    events: findings * days,
    young_sightings_per_second: young,
    old_sightings_per_second: old,
    ratio_old_to_young: Math.round((old / young) * 1000) / 1000,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
