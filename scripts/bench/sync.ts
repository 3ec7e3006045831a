import { sqliteEngine, sqliteOf } from '../../test/support/backend.js';
/**
 * `node --import tsx scripts/bench/sync.ts [--events N] [--batch-size N]`: pushes N events (default 1,000,000) from
 * one data dir to an Azure Blob hub served by Azurite, pulls them into another, and reports events/s both ways and
 * the hub's bytes against the same events as raw NDJSON. A script, not a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { StateEngine } from '../../src/engine/index.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { openHub, sync } from '../../src/sync/index.js';
import { startAzurite } from '../../test/support/azurite.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const events = option('--events', 1_000_000);
const batchSize = option('--batch-size', 10_000);
const security = { encryptionKey: null, signingKey: null, trusted: null };

const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const azurite = await startAzurite();
const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString };
try {
  const source = sqliteEngine({ path: join(dir, 'source.db'), origin: 'source', durability: 'normal' });
  // A realistic log: 20,000 findings seen again and again, 10,000 sightings a batch.
  let written = 0;
  const fill = Date.now();
  for (let k = 0; written < events; k += 1) {
    const n = Math.min(10_000, events - written);
    await source.trackFindings(Array.from({ length: n }, (_, i) => {
      const f = (k * 10_000 + i) % 20_000;
      return { findingId: `f-${f}`, assetId: `arn:aws:s3:::bucket-${f % 997}`, ruleId: `rule-${f % 41}` };
    }));
    written += n;
  }
  process.stderr.write(`filled ${written} events in ${((Date.now() - fill) / 1000).toFixed(1)} s\n`);
  let rawBytes = 0;
  for (const e of sqliteOf(source).readAllSync())
    if (e.meta.origin === 'source' && !e.stream.startsWith('sync-'))
      rawBytes += Buffer.byteLength(JSON.stringify({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, schema: e.schema, data: e.data, meta: e.meta, checksum: e.checksum })) + 1;

  const hub = openHub('azblob://bench/hub', env);
  const pushStarted = process.hrtime.bigint();
  const pushed = await sync(source, hub, { direction: 'push', policy: 'latest_wins', batchSize, security, origin: 'source' });
  const pushSeconds = Number(process.hrtime.bigint() - pushStarted) / 1e9;
  let hubBytes = 0;
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('bench');
  for await (const blob of container.listBlobsFlat()) hubBytes += blob.properties.contentLength ?? 0;

  const target = sqliteEngine({ path: join(dir, 'target.db'), origin: 'target', durability: 'normal' });
  const pullStarted = process.hrtime.bigint();
  const pulled = await sync(target, hub, { direction: 'pull', policy: 'latest_wins', batchSize, security, origin: 'target' });
  const pullSeconds = Number(process.hrtime.bigint() - pullStarted) / 1e9;
  if (!pushed.success || !pulled.success) throw new Error(JSON.stringify({ pushed: pushed.errors, pulled: pulled.errors }));
  const rows = [
    ['push', pushed.records_synced, pushSeconds],
    ['pull (applied with projections)', pulled.records_synced, pullSeconds],
  ] as const;
  for (const [what, n, s] of rows)
    process.stdout.write(`${what.padEnd(34)} ${String(n).padStart(9)} events  ${s.toFixed(2).padStart(8)} s  ${Math.round(n / s).toLocaleString('en-US').padStart(9)} events/s\n`);
  process.stdout.write(
    `hub bytes ${hubBytes.toLocaleString('en-US')} in ${pushed.batches_pushed} batches; raw NDJSON ${rawBytes.toLocaleString('en-US')} bytes; ratio ${(hubBytes / rawBytes).toFixed(3)}\n`,
  );
  process.stdout.write(`batch size ${batchSize}; Azurite in memory on loopback; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}\n`);
  await source.close();
  await target.close();
} finally {
  await azurite.stop();
  rmSync(dir, { recursive: true, force: true });
}
