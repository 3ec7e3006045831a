/**
 * `node --import tsx scripts/bench/hub.ts [--objects N] [--mib M] [--concurrency C]`: creates N objects of M MiB
 * (random bytes, as incompressible as gzip batches; default 200 of 1 MiB) with C creates in flight, lists them and
 * reads them all back, on a directory hub and on an in-memory Azurite. A script, not a test: it prints figures and
 * asserts only that what was read is what was written. Azurite is a local emulator: its figures bound the client's
 * overhead, not Azure's throughput.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { azureHub, fileHub, type HubStorage } from '../../src/sync/hub/index.js';
import { startAzurite } from '../../test/support/azurite.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number`);
  return value;
};
const objects = Math.floor(option('--objects', 200));
const bytes = Math.floor(option('--mib', 1) * 1024 * 1024);
const concurrency = Math.floor(option('--concurrency', 8));

/** Runs `work(i)` for i < n with at most `concurrency` in flight; returns seconds taken. */
const timed = async (n: number, work: (i: number) => Promise<void>): Promise<number> => {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) await work(i);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
};

const body = (i: number): Buffer => {
  const b = randomBytes(bytes);
  b.writeUInt32BE(i, 0);
  return b;
};
const key = (i: number) => `bench/${String(i).padStart(12, '0')}-${String(i).padStart(12, '0')}.ndjson.gz`;

const runCase = async (name: string, hub: HubStorage): Promise<void> => {
  const digests: string[] = [];
  const create = await timed(objects, async (i) => {
    const b = body(i);
    digests[i] = createHash('sha256').update(b).digest('hex');
    const result = await hub.create(key(i), b, { sha256: digests[i] as string, count: '1000' });
    if (result !== 'created') throw new Error(`${key(i)}: ${result}`);
  });
  const listStarted = process.hrtime.bigint();
  let listed = 0;
  for await (const _ of hub.list('bench/')) listed += 1;
  const list = Number(process.hrtime.bigint() - listStarted) / 1e9;
  const read = await timed(objects, async (i) => {
    const object = await hub.read(key(i));
    const sha256 = object === null ? null : createHash('sha256').update(object.body).digest('hex');
    if (sha256 !== digests[i] || object?.metadata.sha256 !== sha256) throw new Error(`${key(i)} read back wrong`);
  });
  const mib = (objects * bytes) / 1024 / 1024;
  const row = (what: string, seconds: number, n: number) => {
    const rate = what === 'list' ? '' : `${(mib / seconds).toFixed(1).padStart(7)} MiB/s`;
    return (
      `${name.padEnd(10)} ${what.padEnd(7)} ${String(n).padStart(6)} objects ${seconds.toFixed(2).padStart(7)} s ` +
      `${(n / seconds).toFixed(1).padStart(8)} objects/s ${rate}\n`
    );
  };
  process.stdout.write(row('create', create, objects) + row('list', list, listed) + row('read', read, objects));
};

const dir = mkdtempSync(join(tmpdir(), 'bench-hub-'));
const azurite = await startAzurite();
try {
  await runCase('directory', fileHub({ root: join(dir, 'hub') }));
  await runCase('azurite', azureHub({ connectionString: azurite.connectionString, container: 'bench', prefix: 'hub' }));
} finally {
  await azurite.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  `${objects} objects of ${bytes} bytes, ${concurrency} in flight; ${cpus()[0]?.model ?? 'cpu'}, ` +
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; peak RSS ` +
    `${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
);
