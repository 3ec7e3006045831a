/**
 * `node --import tsx scripts/bench/postgres-backend.ts [--batches N] [--json <file>]`
 *
 * The PostgreSQL backend's ingest and rebuild beside their limits, with `trackFindings`-like commits: each commit
 * is 1,000 writes of one `FindingTracked` to its own finding stream (the first half of the batches sight new
 * findings, the second half sight the same findings again, so their rows are updated). Cases, each on a fresh schema
 * (or SQLite file) with the same events in the same batches:
 * - `limit: unnest insert`: the same rows (columns of the events table) by one multi-row INSERT … SELECT FROM
 *   unnest per batch into a plain table with the log's keys: what PostgreSQL does at best per commit;
 * - `log: append` (PostgresEventStore, no projections): checks, checksums, order lock, insert;
 * - `backend: commit` (PostgresBackend): the same and every projection applied in the commit's transaction;
 * - `sqlite backend: commit` (SqliteBackend, durability full and normal), for comparison;
 * - `rebuild` of every projection against `readAll` of the same log (the bare read).
 * Uses STANCE_BENCH_POSTGRES_URL, else starts an embedded server (default settings: fsync and synchronous_commit on).
 * A script, not a test: it asserts nothing. One process: cases run one after another.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { projections } from '../../projections/index.js';
import type { Backend } from '../../src/ports/backend.js';
import { SqliteBackend, type StreamWrite } from '../../src/store/index.js';
import { PostgresBackend, PostgresEventStore } from '../../src/store/postgres/index.js';
import { startEmbeddedPostgres } from '../../test/support/embedded-postgres.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args[at + 1]);
};
const batches = option('--batches', 40);
const batchSize = 1000;
const distinct = (batches / 2) * batchSize;

const sighting = (i: number, batch: number) => ({
  type: 'FindingTracked',
  data: {
    findingId: `f${i % distinct}`,
    assetId: `asset-${i % 977}`,
    ruleId: `rule-${i % 61}`,
    scanId: null,
    seenAt: new Date(Date.UTC(2026, 0, 1) + batch * 60_000).toISOString(),
    accountId: `${100000000000 + (i % 20)}`,
    region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    collector: null,
    severity: 'unknown',
  },
});
const batchOf = (b: number): StreamWrite[] =>
  Array.from({ length: batchSize }, (_, k) => {
    const i = b * batchSize + k;
    return { stream: `finding-f${i % distinct}`, events: [sighting(i, b)] };
  });

interface Row {
  readonly case: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
}
const rows: Row[] = [];
const timed = async (name: string, events: number, work: () => Promise<void>): Promise<Row> => {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const row = { case: name, events, seconds, perSecond: events / seconds };
  rows.push(row);
  process.stderr.write(`${name}: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(row.perSecond)} events/s\n`);
  return row;
};

const schemaUrl = (server: string, schema: string) => {
  const u = new URL(server);
  u.search = '';
  u.searchParams.set('schema', schema);
  return u.toString();
};

const ingest = async (backend: Pick<Backend, 'commit'>) => {
  for (let b = 0; b < batches; b += 1) await backend.commit(batchOf(b));
};

const main = async () => {
  const given = process.env.STANCE_BENCH_POSTGRES_URL;
  const server = given ? { url: given, stop: async () => undefined } : await startEmbeddedPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const total = batches * batchSize;
  const schemas: string[] = [];
  const fresh = (label: string) => {
    const name = `bench_${label}_${process.pid}`;
    schemas.push(name);
    return name;
  };
  try {
    const version = (await admin.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version;
    process.stderr.write(
      `PostgreSQL ${version}; ${cpus().length} cores (${cpus()[0]?.model}), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}; ${batches} commits of ${batchSize}\n`,
    );

    const limitSchema = fresh('limit');
    await admin.query(`CREATE SCHEMA ${limitSchema}; CREATE TABLE ${limitSchema}.rows (position bigint PRIMARY KEY, id uuid NOT NULL,
      stream text NOT NULL, origin text NOT NULL, revision bigint NOT NULL, type text NOT NULL, schema integer NOT NULL, data json NOT NULL,
      meta json NOT NULL, checksum text NOT NULL, UNIQUE (stream, origin, revision), UNIQUE (origin, id))`);
    let position = 0;
    let revisions = new Map<string, number>();
    await timed('postgres limit: unnest insert', total, async () => {
      for (let b = 0; b < batches; b += 1) {
        const writes = batchOf(b);
        const cols = writes.map((w) => {
          position += 1;
          const revision = (revisions.get(w.stream) ?? -1) + 1;
          revisions.set(w.stream, revision);
          return [position, crypto.randomUUID(), w.stream, 'bench', revision, w.events[0]?.type, 1, JSON.stringify(w.events[0]?.data), '{"origin":"bench"}', 'x'.repeat(64)];
        });
        await admin.query(
          `INSERT INTO ${limitSchema}.rows SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::json[], $9::json[], $10::text[])`,
          Array.from({ length: 10 }, (_, c) => cols.map((r) => r[c])),
        );
      }
    });
    revisions = new Map();

    const log = await PostgresEventStore.open({ url: schemaUrl(server.url, fresh('log')), origin: 'bench' });
    await timed('postgres log: append', total, () => ingest({ commit: (w) => log.appendMany(w) }));
    await log.close();

    const url = schemaUrl(server.url, fresh('backend'));
    const backend = await PostgresBackend.open({ url, origin: 'bench', projections });
    await timed('postgres backend: commit', total, () => ingest(backend));
    let read = 0;
    await timed('postgres: readAll (bare read)', total, async () => {
      for await (const _ of backend.log.readAll()) read += 1;
    });
    await timed('postgres backend: rebuild', total, async () => void (await backend.rebuild()));
    await backend.close();

    for (const durability of ['full', 'normal'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
      try {
        const lite = new SqliteBackend({ path: join(dir, 'stance.db'), origin: 'bench', durability, projections });
        await timed(`sqlite backend (${durability}): commit`, total, () => ingest(lite));
        if (durability === 'normal') {
          await timed('sqlite: readAll (bare read)', total, async () => {
            for await (const _ of lite.log.readAll()) read += 1;
          });
          await timed('sqlite backend: rebuild', total, async () => void (await lite.rebuild()));
        }
        await lite.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
    await server.stop();
  }
  const limit = rows.find((r) => r.case.startsWith('postgres limit'))?.perSecond ?? 1;
  const pgRead = rows.find((r) => r.case === 'postgres: readAll (bare read)')?.perSecond ?? 1;
  const liteRead = rows.find((r) => r.case === 'sqlite: readAll (bare read)')?.perSecond ?? 1;
  process.stdout.write('| case | events | seconds | events/s | ratio |\n|---|---:|---:|---:|---|\n');
  for (const r of rows) {
    const ratio = r.case.includes('rebuild')
      ? `${(r.perSecond / (r.case.startsWith('postgres') ? pgRead : liteRead)).toFixed(2)} × bare read`
      : r.case.startsWith('postgres') && !r.case.includes('readAll')
        ? `${(r.perSecond / limit).toFixed(2)} × limit`
        : '';
    process.stdout.write(`| ${r.case} | ${r.events} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} | ${ratio} |\n`);
  }
  const jsonAt = args.indexOf('--json');
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1] as string, JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, load: loadavg(), rows }, null, 2));
};

await main();
