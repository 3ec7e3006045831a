import { sqliteEngine } from '../../test/support/backend.js';
/**
 * `node --import tsx scripts/bench/sync-bomb.ts [--gigabytes N]`: plants a gzip bomb (N GB of zeros, default 2, a
 * few megabytes compressed) and a newline bomb as batches of a hostile origin on a directory hub, beside an honest
 * origin's batch, then runs `stance-state sync pull` (the built CLI) against it in a child process and reports the
 * child's peak RSS, its exit code and what it said. The pull must refuse both objects naming the cap, still apply
 * the honest batch, and stay under 256 MB. A script, not a test (it measures).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { StateEngine } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { fileHub, sync } from '../../src/sync/index.js';

const args = process.argv.slice(2);
const gigabytes = Number(args[args.indexOf('--gigabytes') + 1] ?? 2) || 2;
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bench-bomb-'));

/** Gzip of `bytes` bytes of one repeated byte, streamed so this script itself stays small. */
const bomb = async (bytes: number, fill: number): Promise<Buffer> => {
  const gzip = createGzip({ level: 9 });
  const chunks: Buffer[] = [];
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  const block = Buffer.alloc(16 * 1024 * 1024, fill);
  for (let left = bytes; left > 0; left -= block.length) {
    if (!gzip.write(left >= block.length ? block : block.subarray(0, left))) await new Promise((r) => gzip.once('drain', r));
  }
  gzip.end();
  await done;
  return Buffer.concat(chunks);
};

try {
  const hub = fileHub({ root: join(dir, 'hub') });
  const honest = sqliteEngine({ path: join(dir, 'honest.db'), origin: 'honest', durability: 'normal' });
  await honest.trackFindings(Array.from({ length: 100 }, (_, i) => ({ findingId: `f-${i}`, assetId: 'a', ruleId: 'r' })));
  await sync(honest, hub, { direction: 'push', policy: 'latest_wins', batchSize: 1000, security: { encryptionKey: null, signingKey: null, trusted: null } });
  await honest.close();
  const at = new Date().toISOString();
  const meta = (origin: string, body: Buffer) => ({
    format: 'stance-state-events-v2', origin, count: '1', schema: '1', first_position: '1', last_position: '1', previous: '0',
    previous_sha256: 'genesis', first_recorded_at: at, last_recorded_at: at, encryption: 'none',
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  const zeros = await bomb(gigabytes * 1024 * 1024 * 1024, 0);
  const newlines = await bomb(400 * 1024 * 1024, 0x0a);
  await hub.create('zeros/0000000000/0000000000000001-0000000000000001.ndjson.gz', zeros, meta('zeros', zeros));
  await hub.create('newlines/0000000000/0000000000000001-0000000000000001.ndjson.gz', newlines, meta('newlines', newlines));
  process.stderr.write(`planted ${gigabytes} GB of zeros in ${zeros.length} bytes and 400 MB of newlines in ${newlines.length} bytes\n`);
  // The child reports its own peak RSS on exit, whatever the CLI's exit code.
  const probe = "process.on('exit', () => process.stderr.write(`\\npeak_rss_mb=${Math.round(process.resourceUsage().maxRSS / 1024)}\\n`));";
  const run = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, join(root, 'dist/stance-state.js'), '--data', join(dir, 'replica'), 'sync', 'pull', '--hub', `file://${join(dir, 'hub')}`, '--json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const peak = /peak_rss_mb=(\d+)/.exec(run.stderr)?.[1];
  const result = JSON.parse(run.stdout) as { records_synced: number; rejected_batches: number; errors: string[] };
  const report = { gigabytes, compressed_bytes: zeros.length, exit_code: run.status, peak_rss_mb: Number(peak), records_synced: result.records_synced, rejected_batches: result.rejected_batches, errors: result.errors };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
