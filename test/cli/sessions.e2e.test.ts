import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { onBackend, testBackendName } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Sessions = suite(onBackend('cli: sessions, checkpoints and the store through the real binary'));
const onPostgres = testBackendName() === 'postgres';
let dir = '';
let data = '';
let n = 0;
/**
 * Each data dir's store. SQLite: the file in it. PostgreSQL: a database of its own per data dir (not only a schema:
 * VACUUM frees only rows no transaction of the same database can still see, and other test files run beside this
 * one), passed as STANCE_STATE_STORE.
 */
const databases = new Map<string, { url: string; drop: () => Promise<void> }>();
const storeOf = async (dataDir: string) => {
  let db = databases.get(dataDir);
  if (db === undefined) {
    const { freshDatabase } = await import('../support/postgres.js');
    const created = await freshDatabase('clisessions');
    db = { url: created.withSchema('stance'), drop: created.drop };
    databases.set(dataDir, db);
  }
  return db;
};
const storeEnv = async (): Promise<NodeJS.ProcessEnv> => (onPostgres ? { STANCE_STATE_STORE: (await storeOf(data)).url } : {});
Sessions.before(() => {
  dir = makeTempDir('cli-sessions');
});
Sessions.before.each(() => {
  n += 1;
  data = join(dir, `data-${n}`);
});
Sessions.after(async () => {
  for (const db of databases.values()) await db.drop();
  removeDir(dir);
});

const cli = async (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}) => {
  const run = await runCli(['--data', data, ...args], { ...options, env: { ...(await storeEnv()), ...options.env } });
  return { ...run, json: () => JSON.parse(run.stdout) as Record<string, unknown> };
};
const file = (name: string, value: unknown) => {
  const path = join(dir, `${n}-${name}`);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

/** Runs SQL in the data dir's PostgreSQL database, as the test server's admin. */
const inDatabase = async <T>(work: (query: (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>) => Promise<T>): Promise<T> => {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: (await storeOf(data)).url.replace(/\?schema=.*$/, '') });
  await client.connect();
  try {
    return await work((text, params) => client.query(text, params));
  } finally {
    await client.end();
  }
};

/**
 * Every byte the store keeps. SQLite: the file and its WAL. PostgreSQL: every row of every table of the schema as
 * text (a bytea column as hex, so the hex of the bytes is searched too) and the stored bodies' bytes.
 */
const storeBytes = async (): Promise<Buffer> => {
  if (!onPostgres)
    return Buffer.concat([join(data, 'stance.db'), join(data, 'stance.db-wal')].filter(existsSync).map((p) => readFileSync(p)));
  return inDatabase(async (query) => {
    const tables = (await query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'stance'")).rows.map((r) => String(r.table_name));
    const parts: Buffer[] = [];
    for (const table of tables) {
      for (const row of (await query(`SELECT t::text AS text FROM stance."${table}" t`)).rows) parts.push(Buffer.from(String(row.text)));
    }
    for (const row of (await query('SELECT bytes FROM stance.blobs')).rows) parts.push(row.bytes as Buffer);
    return Buffer.concat(parts);
  });
};
const holds = (bytes: Buffer, text: string) => bytes.includes(text) || bytes.includes(Buffer.from(text).toString('hex'));
/** What the store occupies: SQLite's file and WAL; on PostgreSQL the bodies' table with its TOAST and index. */
const storeSize = async (): Promise<number> => {
  if (!onPostgres) return [join(data, 'stance.db'), join(data, 'stance.db-wal')].filter(existsSync).reduce((sum, p) => sum + statSync(p).size, 0);
  return inDatabase(async (query) => Number((await query("SELECT pg_total_relation_size('stance.blobs') AS n")).rows[0]?.n));
};

Sessions('save from a file and from stdin, load back whole; checkpoint create prints its id; list, restore', async () => {
  assert.is((await cli(['session', 'save', 'run-1', file('a.json', { session_id: 'run-1', execution_state: { current_step: 42 } })])).code, 0);
  const loaded = await cli(['session', 'load', 'run-1']);
  assert.equal(JSON.parse(loaded.stdout), { execution_state: { current_step: 42 }, session_id: 'run-1' });
  const created = await cli(['session', 'checkpoint', 'create', 'run-1', '-', '--branch', 'branch_456'], { input: '{"step":25}' });
  assert.is(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  await cli(['session', 'save', 'run-1', '-'], { input: '{"step":30}' });
  const list = await cli(['--json', 'session', 'checkpoint', 'list', 'run-1']);
  assert.equal((JSON.parse(list.stdout) as { checkpoint_id: string; branch: string }[]).map((c) => [c.checkpoint_id, c.branch]), [[id, 'branch_456']]);
  assert.is((await cli(['session', 'checkpoint', 'restore', id])).code, 0);
  assert.equal(JSON.parse((await cli(['session', 'load', 'run-1'])).stdout), { step: 25 });
  const missing = await cli(['session', 'load', 'nope']);
  assert.equal([missing.code, isOneLineError(missing)], [1, true]);
  const notJson = await cli(['session', 'save', 'run-1', '-'], { input: '[1,2]' });
  assert.is(notJson.code, 2);
  assert.match(notJson.stderr, 'invalid document');
});

Sessions('checkpoint cleanup --keep-last keeps exactly the newest N', async () => {
  await cli(['session', 'save', 's', '-'], { input: '{"step":0}' });
  const ids: string[] = [];
  for (let step = 1; step <= 5; step += 1) ids.push((await cli(['session', 'checkpoint', 'create', 's', '-'], { input: JSON.stringify({ step }) })).stdout.trim());
  const cleaned = await cli(['--json', 'session', 'checkpoint', 'cleanup', 's', '--keep-last', '2']);
  assert.equal([(cleaned.json().removed as string[]).length, (cleaned.json().purged as unknown[]).length], [3, 3]);
  const left = JSON.parse((await cli(['--json', 'session', 'checkpoint', 'list', 's'])).stdout) as { checkpoint_id: string }[];
  assert.equal(left.map((c) => c.checkpoint_id), [ids[4], ids[3]]);
});

Sessions('pause and resume; a claim holds the session: a write without the fence is refused, with it accepted', async () => {
  await cli(['session', 'save', 's', '-'], { input: '{"step":1}' });
  const paused = await cli(['--json', 'session', 'pause', 's', '--file', '-'], { input: '{"step":2}' });
  assert.equal([paused.json().status, paused.json().checkpoints], ['paused', 1]);
  const resumed = await cli(['--json', 'session', 'resume', 's', '--owner', 'worker-1']);
  assert.equal([resumed.json().document, resumed.json().fence], [{ step: 2 }, 1]);
  const refused = await cli(['session', 'save', 's', '-'], { input: '{"step":3}' });
  assert.is(refused.code, 1);
  assert.match(refused.stderr, 'held by worker-1 with fence 1');
  assert.is((await cli(['session', 'save', 's', '-', '--fence', '1'], { input: '{"step":3}' })).code, 0);
  assert.is((await cli(['session', 'release', 's', '--fence', '1'])).code, 0);
  assert.is((await cli(['session', 'recover'])).stdout.trim(), 'nothing to recover');
});

Sessions('an encrypted body is nowhere in the store in plaintext; without encryption (gzip level 0) it is, which shows the search works', async () => {
  const marker = `plaintext-marker-${randomBytes(8).toString('hex')}`;
  const document = file('secret.json', { secret: marker, padding: 'p'.repeat(5000) });
  await cli(['session', 'save', 'plain', document], { env: { STANCE_STATE_BODY_GZIP_LEVEL: '0' } });
  assert.ok(holds(await storeBytes(), marker), 'level 0 stores the plaintext: the byte search finds it');
  data = join(dir, `data-${n}-sealed`);
  const keyFile = join(dir, `${n}-key`);
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const env = { STANCE_STATE_BODY_GZIP_LEVEL: '0', STANCE_STATE_BODY_KEY_FILE: keyFile };
  assert.is((await cli(['session', 'save', 'sealed', document], { env })).code, 0);
  assert.is((await cli(['session', 'checkpoint', 'create', 'sealed', document], { env })).code, 0);
  const sealed = await storeBytes();
  assert.not.ok(holds(sealed, marker), 'no plaintext anywhere in the store (the file and its WAL, or every table)');
  assert.not.ok(holds(sealed, Buffer.from(marker).toString('base64').slice(0, 20)), 'nor its base64');
  assert.equal(JSON.parse((await cli(['session', 'load', 'sealed'], { env })).stdout).secret, marker);
  const keyless = await cli(['session', 'load', 'sealed']);
  assert.equal([keyless.code, isOneLineError(keyless)], [2, true]);
  assert.match(keyless.stderr, 'STANCE_STATE_BODY_KEY');
  const badKey = await cli(['session', 'load', 'sealed'], { env: { STANCE_STATE_BODY_KEY: 'not-a-key' } });
  assert.is(badKey.code, 2);
  assert.not.match(badKey.stderr, 'not-a-key');
});

Sessions('cleanup plus vacuum gives the space back (SQLite: the file shrinks; PostgreSQL: it is reused) while log verify passes, reporting the purged bodies', async () => {
  await cli(['session', 'save', 'big', '-'], { input: '{"step":0}' });
  // Random text does not compress: each checkpoint stores ~400 KB.
  for (let step = 1; step <= 8; step += 1) await cli(['session', 'checkpoint', 'create', 'big', file(`big-${step}.json`, { step, noise: randomBytes(300_000).toString('base64') })]);
  await cli(['store', 'vacuum']);
  const before = await storeSize();
  const cleaned = await cli(['--json', 'session', 'checkpoint', 'cleanup', 'big', '--keep-last', '1']);
  assert.is((cleaned.json().purged as unknown[]).length, 7);
  const vacuum = await cli(['--json', 'store', 'vacuum']);
  assert.is(vacuum.code, 0, vacuum.stderr);
  const verify = await cli(['--json', 'log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
  const bodies = verify.json().bodies as { referenced: number; present: number; purged: number };
  assert.equal([bodies.referenced, bodies.present, bodies.purged], [9, 2, 7]);
  assert.match((await cli(['log', 'verify'])).stdout, '9 named, 2 present, 7 purged by events');
  if (!onPostgres) {
    const after = await storeSize();
    assert.ok(after < before - 2_000_000, `the file shrank by the 7 bodies: ${before} -> ${after}`);
    return;
  }
  // PostgreSQL's plain VACUUM gives back only the pages at the table's end (the newest body sits there); the pages
  // the purged bodies held are free for reuse: seven more bodies of the same size fit in them.
  for (let step = 9; step <= 15; step += 1) await cli(['session', 'checkpoint', 'create', 'big', file(`big-${step}.json`, { step, noise: randomBytes(300_000).toString('base64') })]);
  const refilled = await storeSize();
  assert.ok(refilled < before + 500_000, `seven new bodies reused the freed space: ${before} -> ${refilled}`);
});

Sessions('a body removed from the store without a purge event is reported by log verify as tampering (exit 1)', async () => {
  await cli(['session', 'save', 's', '-'], { input: '{"step":1}' });
  const sha = (await cli(['--json', 'session', 'show', 's'])).json().sha256 as string;
  if (onPostgres) await inDatabase((query) => query('DELETE FROM stance.blobs WHERE sha256 = $1', [sha]));
  else {
    const db = new Database(join(data, 'stance.db'));
    db.prepare('DELETE FROM blobs WHERE sha256 = ?').run(sha);
    db.close();
  }
  const verify = await cli(['log', 'verify']);
  assert.is(verify.code, 1);
  assert.match(verify.stderr, `body ${sha} named by session-s@0`);
  assert.match(verify.stderr, 'is missing and no purge event accounts for it: tampering');
});

Sessions('session cleanup, stats and the old-session rule through the binary', async () => {
  await cli(['session', 'save', 'a', '-'], { input: '{"a":1}' });
  await cli(['session', 'save', 'b', '-'], { input: '{"b":1}' });
  const none = await cli(['--json', 'session', 'cleanup', '--older-than-days', '1']);
  assert.equal(none.json().deleted, []);
  const all = await cli(['--json', 'session', 'cleanup', '--older-than-days', '0', '--keep-last', '1']);
  assert.equal((all.json().deleted as string[]).length, 1);
  const stats = await cli(['--json', 'session', 'stats']);
  assert.equal([stats.json().session_count, stats.json().checkpoint_count], [1, 0]);
});

Sessions.run();
