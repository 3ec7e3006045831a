import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { AccessRefusal } from '../../src/ports/backend.js';
import type { StoredEvent } from '../../src/ports/migrate.js';
import { openBackend, openLogCopy } from '../../src/store/open.js';
import { SqliteEventStore } from '../../src/store/index.js';
import { isOneLineError, runCli, startCli } from '../support/cli.js';
import { findingStream, note } from '../support/events.js';
import { freshSchema, type TestSchema } from '../support/postgres.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Migrate = suite('cli: log migrate');
let dir = '';
let source = '';
const schemas: TestSchema[] = [];
const document = '{"session_id":"s1","execution_state":{"current_step":7}}';

const sqliteUrl = (name: string) => `sqlite:${join(dir, name, 'stance.db')}`;
const schema = async (label: string): Promise<string> => {
  const s = await freshSchema(label);
  schemas.push(s);
  return s.url;
};

/** Every stored row of a log, in position order, as stored (data and meta text, checksum, fold instant). */
const rowsOf = async (url: string): Promise<StoredEvent[]> => {
  const log = await openLogCopy(url);
  try {
    const rows: StoredEvent[] = [];
    for (;;) {
      const page = await log.copy.page(rows[rows.length - 1]?.position ?? 0, 5000);
      if (page.length === 0) return rows;
      rows.push(...page);
    }
  } finally {
    await log.close();
  }
};

/** The access audit as stored, with its numbers. */
const auditOf = async (url: string) => {
  const log = await openLogCopy(url);
  try {
    return await log.copy.refusals(0, 1000);
  } finally {
    await log.close();
  }
};

const refusal = (i: number): AccessRefusal => ({
  at: `2026-11-0${i + 1}T10:00:00.000Z`,
  method: 'POST',
  route: `/v1/findings/f-${i}/resolve`,
  status: i === 0 ? 401 : 403,
  reason: i === 0 ? 'no token' : 'role reader may not resolve: «analyst» needed',
  actor: i === 0 ? null : `user-${i}`,
  role: i === 0 ? null : 'reader',
  tokenId: i === 0 ? null : `tok-${i}`,
  via: i === 2 ? 'ticket-bot' : null,
  remote: '10.0.0.7',
});

/** Consumers as stored: positions are log positions, kept by the copy. */
const consumersOf = async (url: string) => {
  const log = await openLogCopy(url);
  try {
    return (await log.copy.consumers()).consumers.map(({ name, fence, position }) => ({ name, fence, position }));
  } finally {
    await log.close();
  }
};

const migrate = (from: string, to: string, ...more: string[]) => runCli(['--store', from, '--json', 'log', 'migrate', '--to', to, ...more]);

interface Summary {
  events_copied: number;
  resumed_after: number;
  position: number;
  events: number;
  source: string;
  target: string;
  access_audit_copied: number;
  verify: {
    ok: boolean;
    chain: { ok: boolean };
    counts: { ok: boolean };
    entities: { ok: boolean; checked: number; differing: string[] };
    bodies: { present: number };
    access_audit: { ok: boolean; rows: number; differing: number[] };
  };
}

/** The copy is exact and the target is a working store: its own log verify, and the session body read back. */
const assertExactCopy = async (from: string, to: string): Promise<void> => {
  const [a, b] = [await rowsOf(from), await rowsOf(to)];
  assert.ok(a.length > 5000, `a log of ${a.length} events`);
  assert.is(b.length, a.length);
  for (let i = 0; i < a.length; i += 1) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) assert.equal(b[i], a[i], `row ${i}`);
  const verify = await runCli(['--store', to, 'log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /log sound: \d+ events .*bodies: 1 named, 1 present/);
  assert.equal(await consumersOf(to), await consumersOf(from));
  const audit = await auditOf(from);
  assert.ok(audit.length >= 3, `${audit.length} refusals`);
  assert.equal(await auditOf(to), audit);
  const load = await runCli(['--store', to, 'session', 'load', 's1']);
  assert.is(load.code, 0, load.stderr);
  assert.equal(JSON.parse(load.stdout), JSON.parse(document));
};

const lines = (stream: NodeJS.ReadableStream) => createInterface({ input: stream })[Symbol.asyncIterator]();
const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));

Migrate.before(async () => {
  dir = makeTempDir('cli-migrate');
  source = sqliteUrl('source');
  const demo = await runCli(['--data', join(dir, 'source'), 'demo', '--days', '2']);
  assert.is(demo.code, 0, demo.stderr);
  const saved = await runCli(['--store', source, 'session', 'save', 's1', '-'], { input: document });
  assert.is(saved.code, 0, saved.stderr);
  const scans = JSON.parse((await runCli(['--store', source, '--json', 'scan', 'list'])).stdout) as { scan_id: string }[];
  const checkpoint = await runCli(['--store', source, 'checkpoint', 'set', 'aws_s3', '123456789012', 'us-east-1', '--scan', scans[0]?.scan_id ?? '', '--cursor', 'c1']);
  assert.is(checkpoint.code, 0, checkpoint.stderr);
  const backend = await openBackend(source);
  try {
    const lease = await backend.consumers.acquire('callback-1', 'tester', { ttlMs: 1000, now: Date.now(), startAt: 0 });
    assert.ok(lease !== null && (await backend.consumers.advance(lease, 4000)));
    for (let i = 0; i < 3; i += 1) await backend.recordRefusal(refusal(i));
  } finally {
    await backend.close();
  }
});
Migrate.after(async () => {
  for (const s of schemas) await s.drop();
  removeDir(dir);
});

Migrate('SQLite to SQLite: every row copied as stored, verified, the copy a working store', async () => {
  const to = sqliteUrl('copy');
  const run = await migrate(source, to);
  assert.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as Summary;
  assert.ok(summary.verify.ok);
  assert.is(summary.resumed_after, 0);
  assert.is(summary.events_copied, summary.events);
  assert.ok(summary.verify.entities.checked > 1000);
  assert.is(summary.verify.bodies.present, 1);
  assert.is(summary.access_audit_copied, 3);
  assert.equal(summary.verify.access_audit, { ok: true, rows: 3, differing: [], differing_count: 0 });
  await assertExactCopy(source, to);
  // The copy's own refusals are numbered after the copied ones.
  const copy = await openBackend(to);
  await copy.recordRefusal(refusal(3));
  await copy.close();
  assert.equal((await auditOf(to)).map((r) => r.seq), [1, 2, 3, 4]);
});

Migrate('SQLite to PostgreSQL, then PostgreSQL to SQLite and to PostgreSQL: the same rows at the same positions, verified', async () => {
  const pg = await schema('migrate_pg');
  const there = await migrate(source, pg);
  assert.is(there.code, 0, there.stderr);
  const summary = JSON.parse(there.stdout) as Summary;
  assert.ok(summary.verify.ok);
  const password = decodeURIComponent(new URL(pg).password);
  assert.ok(password.length > 0);
  assert.not.ok(there.stdout.includes(password) || there.stderr.includes(password), 'the password is never printed');
  assert.match(summary.target, /^postgres postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?schema=t_migrate_pg/);
  await assertExactCopy(source, pg);
  assert.is(summary.access_audit_copied, 3);
  // The copy's own refusals are numbered after the copied ones (the identity column's sequence moved past them).
  const target = await openBackend(pg);
  await target.recordRefusal(refusal(3));
  await target.close();
  assert.equal((await auditOf(pg)).map((r) => r.seq), [1, 2, 3, 4]);
  // The position sequence and the hybrid clock moved past the copy: the next write follows it.
  const writer = await (await import('../support/stores.js')).openRawLog(pg);
  const [last] = (await rowsOf(pg)).slice(-1);
  const appended = await writer.append(findingStream('after'), [note('after', 'cut over')]);
  await writer.close();
  assert.is(appended.position, (last?.position ?? 0) + 1);
  assert.ok((appended.events[0]?.meta.recordedAt ?? '') >= JSON.parse(last?.meta ?? '{}').recordedAt);
  const back = sqliteUrl('back');
  const run = await migrate(pg, back);
  assert.is(run.code, 0, run.stderr);
  assert.ok((JSON.parse(run.stdout) as Summary).verify.ok);
  await assertExactCopy(pg, back);
  const pg2 = await schema('migrate_pg2');
  const across = await migrate(pg, pg2);
  assert.is(across.code, 0, across.stderr);
  assert.ok((JSON.parse(across.stdout) as Summary).verify.ok);
  assert.equal(await rowsOf(pg2), await rowsOf(pg));
  assert.equal(await auditOf(pg2), await auditOf(pg));
});

Migrate('killed mid-copy (SIGKILL), then run again: continues where it stopped, nothing lost or duplicated', async () => {
  const to = await schema('migrate_kill');
  const child = startCli(['--store', source, '--json', 'log', 'migrate', '--to', to, '--batch-size', '10']);
  const code = exited(child);
  const progress = lines(child.stderr as NodeJS.ReadableStream);
  const first = await progress.next();
  assert.match(String(first.value), /"kind":"progress"/);
  child.kill('SIGKILL');
  await code;
  const partial = (await rowsOf(to)).length;
  const total = (await rowsOf(source)).length;
  assert.ok(partial > 0 && partial < total, `killed after ${partial} of ${total} events`);
  const run = await migrate(source, to);
  assert.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as Summary;
  assert.is(summary.resumed_after, partial);
  assert.is(summary.events_copied, total - partial);
  assert.ok(summary.verify.ok);
  await assertExactCopy(source, to);
});

Migrate('--follow copies what a writer appends meanwhile; after SIGTERM the target equals the source', async () => {
  const from = sqliteUrl('live');
  assert.is((await migrate(source, from)).code, 0);
  const to = sqliteUrl('live-copy');
  const child = startCli(['--store', from, '--json', 'log', 'migrate', '--to', to, '--follow']);
  const code = exited(child);
  const out = lines(child.stdout as NodeJS.ReadableStream);
  const next = async () => JSON.parse(String((await out.next()).value)) as { kind: string; position: number };
  assert.is((await next()).kind, 'caught_up');
  const writer = new SqliteEventStore({ path: from.slice('sqlite:'.length) });
  let head = 0;
  for (let i = 0; i < 5; i += 1) head = writer.appendSync([{ stream: findingStream(`live-${i}`), events: [note(`live-${i}`, `n${i}`)] }])[0]?.position ?? 0;
  for (let seen = await next(); seen.position < head; seen = await next()) assert.is(seen.kind, 'caught_up');
  // Appended just before the stop: the final pass must carry them over.
  for (let i = 5; i < 8; i += 1) writer.appendSync([{ stream: findingStream(`live-${i}`), events: [note(`live-${i}`, `n${i}`)] }]);
  child.kill('SIGTERM');
  // The copy may catch up once more before the signal lands; the summary is the last line either way.
  let last = await next();
  while (last.kind === 'caught_up') last = await next();
  const summary = last as unknown as Summary & { kind: string };
  assert.is(await code, 0);
  await writer.close();
  assert.is(summary.kind, 'summary');
  assert.ok(summary.verify.ok);
  await assertExactCopy(from, to);
});

Migrate('altered read-model rows in a copy fail verification, naming the entities', async () => {
  const to = sqliteUrl('altered');
  assert.is((await migrate(source, to)).code, 0);
  const db = new Database(to.slice('sqlite:'.length));
  const id = db.prepare("SELECT finding_id FROM findings WHERE lifecycle <> 'resolved' LIMIT 1").pluck().get() as string;
  db.prepare("UPDATE findings SET lifecycle = 'resolved' WHERE finding_id = ?").run(id);
  db.prepare("UPDATE checkpoints SET cursor = 'elsewhere'").run();
  // Evidence edited behind the triggers' back: a refusal's reason rewritten.
  db.exec('DROP TRIGGER access_audit_no_update');
  db.prepare("UPDATE access_audit SET reason = 'nothing to see' WHERE seq = 2").run();
  db.close();
  const run = await migrate(source, to);
  assert.is(run.code, 1, run.stderr);
  const summary = JSON.parse(run.stdout) as Summary;
  assert.is(summary.events_copied, 0);
  assert.ok(summary.verify.chain.ok && summary.verify.counts.ok);
  assert.not.ok(summary.verify.entities.ok);
  assert.equal(summary.verify.entities.differing, [`finding-${id}`, 'checkpoint-aws_s3:123456789012:us-east-1']);
  assert.equal(summary.verify.access_audit, { ok: false, rows: 3, differing: [2], differing_count: 1 });
  const text = await runCli(['--store', source, 'log', 'migrate', '--to', to]);
  assert.is(text.code, 1);
  assert.match(text.stderr, `state differs from the source's fold: finding-${id}`);
  assert.match(text.stderr, "access-audit row 2 differs from the source's");
});

Migrate('a target holding another log is refused (exit 2, naming --to and the event), and nothing is written', async () => {
  const other = join(dir, 'other', 'stance.db');
  const run0 = await runCli(['--data', join(dir, 'other'), 'log', 'stats']);
  assert.is(run0.code, 0);
  const writer = new SqliteEventStore({ path: other });
  writer.appendSync([{ stream: findingStream('x'), events: [note('x', 'mine')] }]);
  await writer.close();
  const before = await rowsOf(`sqlite:${other}`);
  const size = statSync(other).size;
  const run = await migrate(source, `sqlite:${other}`);
  assert.is(run.code, 2);
  assert.ok(isOneLineError(run), run.stderr);
  assert.match(run.stderr, /invalid --to: .*(origin|event)/);
  assert.equal(await rowsOf(`sqlite:${other}`), before);
  assert.is(statSync(other).size, size);
  const pg = await schema('migrate_other');
  const writerPg = await (await import('../support/stores.js')).openRawLog(pg);
  await writerPg.append(findingStream('y'), [note('y', 'mine')]);
  await writerPg.close();
  const refused = await migrate(source, pg);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /invalid --to/);
  assert.is((await rowsOf(pg)).length, 1);
});

Migrate('a target whose access audit holds refusals of its own is refused (exit 2, naming --to and the row), and nothing is written', async () => {
  mkdirSync(join(dir, 'audited'));
  for (const to of [sqliteUrl('audited'), await schema('migrate_audited')]) {
    const own = await openBackend(to);
    await own.recordRefusal({ ...refusal(1), reason: 'refused here, not at the source' });
    await own.close();
    const run = await migrate(source, to);
    assert.is(run.code, 2, run.stderr);
    assert.ok(isOneLineError(run), run.stderr);
    assert.match(run.stderr, /invalid --to: "access audit row 1 \(POST \/v1\/findings\/f-1\/resolve at 2026-11-02T10:00:00.000Z\)" \(expected a store whose access audit is empty or a partial copy of this one\)/);
    assert.is((await rowsOf(to)).length, 0);
    assert.equal((await auditOf(to)).map((r) => r.reason), ['refused here, not at the source']);
  }
});

Migrate('--to naming the source by another address (localhost for 127.0.0.1) is refused (exit 2), and nothing is written', async () => {
  const pg = await schema('migrate_alias');
  const writer = await (await import('../support/stores.js')).openRawLog(pg);
  await writer.append(findingStream('z'), [note('z', 'mine')]);
  await writer.close();
  const alias = pg.replace('@127.0.0.1:', '@localhost:');
  assert.ok(alias !== pg, pg);
  const run = await migrate(pg, alias);
  assert.is(run.code, 2, run.stderr);
  assert.ok(isOneLineError(run), run.stderr);
  assert.match(run.stderr, /invalid --to: "postgres:\/\/localhost:\d+\/postgres\?schema=t_migrate_alias\w*" \(expected another store than the one copied from \(--store names this same store by another address\)\)/);
  assert.is((await rowsOf(pg)).length, 1);
  const log = await openLogCopy(pg);
  assert.is(await log.copy.readProbe(), null, 'the mark is taken away again');
  await log.close();
});

Migrate('a bad, missing or same --to is refused naming the option and value, with nothing created', async () => {
  const cases: [string[], RegExp][] = [
    [['--to', 'mysql://db/x'], /invalid --to: "mysql:\/\/db\/x"/],
    [['--to', 'sqlite:'], /invalid --to: "sqlite:"/],
    [['--to', 'postgres://u:hunter2@localhost:1/db?schema=Bad-Name'], /invalid --to\.schema: "Bad-Name"/],
    [[], /invalid --to: nothing/],
    [['--to', source], /invalid --to: .*another store than the one copied from \(--store\)/],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(['--store', source, 'log', 'migrate', ...args]);
    assert.is(run.code, 2, args.join(' '));
    assert.ok(isOneLineError(run), run.stderr);
    assert.match(run.stderr, message);
    assert.not.match(run.stderr, /hunter2/);
  }
  const missing = await runCli(['--store', `sqlite:${join(dir, 'nowhere', 'stance.db')}`, 'log', 'migrate', '--to', sqliteUrl('never')]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /invalid --store: .*nowhere.* \(expected an existing log to copy from\)/);
  assert.not.ok(existsSync(join(dir, 'never')));
  assert.not.ok(existsSync(join(dir, 'nowhere')));
});

Migrate.run();
