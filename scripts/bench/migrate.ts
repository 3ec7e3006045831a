/**
 * `node --import tsx scripts/bench/migrate.ts [--events N] [--postgres <server-url>]`: how fast `log migrate` copies
 * a log, SQLite to SQLite and SQLite to PostgreSQL. Builds an SQLite log of N events (default 100,000: notes on
 * 5,000 findings, 1,000 a transaction), brings its read models up once, then runs the built binary
 * (`dist/stance-state.js`, as users do) once per target and reads its `--json` summary: the copy's events/s (the
 * passes and what lives beside the log, without opening the stores), and the whole run with the target's projection
 * and the verification. Without `--postgres` an embedded server is started for the run. A script, not a test: it
 * prints figures and asserts nothing about speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openBackend } from '../../src/store/open.js';
import { SqliteEventStore, type StreamWrite } from '../../src/store/index.js';
import { startEmbeddedPostgres, type RunningServer } from '../../test/support/embedded-postgres.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const events = Number(option('--events') ?? '100000');
if (!Number.isSafeInteger(events) || events < 1000) throw new Error(`--events ${option('--events')}: expected a whole number >= 1000`);
const bin = fileURLToPath(new URL('../../dist/stance-state.js', import.meta.url));

const batch = (k: number): StreamWrite[] =>
  Array.from({ length: 10 }, (_, s) => {
    const finding = `f${(k * 10 + s) % 5000}`;
    return {
      stream: `finding-${finding}`,
      events: Array.from({ length: 100 }, (_, i) => ({
        type: 'FindingNoteAdded',
        data: { findingId: finding, by: 'bench', text: `note ${k}:${s}:${i}`, at: '2026-01-01T00:00:00.000Z' },
      })),
    };
  });

interface Summary {
  events_copied: number;
  copy_seconds: number;
  seconds: number;
  events_per_second: number;
  verify: { ok: boolean; entities: { checked: number } };
}

const migrate = (from: string, to: string): Summary => {
  const run = spawnSync(process.execPath, [bin, '--store', from, '--json', 'log', 'migrate', '--to', to], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`migrate to ${to.replace(/:[^:@/]*@/, '@')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as Summary;
};

const dir = mkdtempSync(join(tmpdir(), 'bench-migrate-'));
let server: RunningServer | null = null;
try {
  const path = join(dir, 'source.db');
  const store = new SqliteEventStore({ path, durability: 'normal', origin: 'bench' });
  for (let k = 0; k < Math.ceil(events / 1000); k += 1) store.appendSync(batch(k));
  await store.close();
  // The source's read models are built once here, so the runs below open it as a deployment would.
  await (await openBackend(`sqlite:${path}`)).close();

  const rows: { case: string; summary: Summary }[] = [];
  rows.push({ case: 'SQLite -> SQLite', summary: migrate(`sqlite:${path}`, `sqlite:${join(dir, 'copy.db')}`) });

  let serverUrl = option('--postgres');
  if (serverUrl === undefined) {
    server = await startEmbeddedPostgres();
    serverUrl = server.url;
  }
  const schema = `bench_migrate_${process.pid}`;
  const target = new URL(serverUrl);
  target.searchParams.set('schema', schema);
  try {
    rows.push({ case: 'SQLite -> PostgreSQL', summary: migrate(`sqlite:${path}`, target.toString()) });
  } finally {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }

  process.stdout.write(`log migrate, ${events} events (${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
  process.stdout.write('case                   copy events/s   copy s   whole run s (with projection and verify)   verified\n');
  for (const { case: name, summary: s } of rows)
    process.stdout.write(
      `${name.padEnd(22)} ${String(s.events_per_second).padStart(13)} ${s.copy_seconds.toFixed(2).padStart(8)} ${s.seconds.toFixed(2).padStart(13)}${' '.repeat(30)} ${s.verify.ok}\n`,
    );
  process.stdout.write(`${JSON.stringify({ bench: 'migrate', events, rows: rows.map((r) => ({ case: r.case, ...r.summary, verify: r.summary.verify.ok })) })}\n`);
} finally {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
