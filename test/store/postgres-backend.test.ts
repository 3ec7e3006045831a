import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projections, type Projection } from '../../projections/index.js';
import { InvalidInput } from '../../src/errors.js';
import { openBackend } from '../../src/store/index.js';
import { PostgresBackend, PostgresEventStore, type PostgresBackendOptions } from '../../src/store/postgres/index.js';
import { at, noted, resolved, tracked } from '../support/findings.js';
import { freshSchema, testServerUrl, uniqueName, withAdmin } from '../support/postgres.js';
import { heldCommit, waitingForAdvisoryLock, waitUntil } from '../support/pg-helpers.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { dump, runBackendSuite, testProjections } from './backend-suite.js';

runBackendSuite(
  'postgres',
  async () => {
    const schema = await freshSchema('backend');
    return {
      open: (options = {}) => PostgresBackend.open({ url: schema.url, pollMs: 50, projections: [], ...options }),
      dispose: () => schema.drop(),
    };
  },
);

const Postgres = suite('store/postgres-backend: one schema, many processes');
const cleanups: (() => Promise<void>)[] = [];
Postgres.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const schemaOf = async () => {
  const schema = await freshSchema('pgb');
  cleanups.push(() => schema.drop());
  return schema;
};
const open = async (url: string, options: Partial<PostgresBackendOptions> = {}): Promise<PostgresBackend> => {
  const backend = await PostgresBackend.open({ url, origin: 'central', pollMs: 50, projections: testProjections, ...options });
  cleanups.push(() => backend.close());
  return backend;
};
const write = (id: string, ...events: ReturnType<typeof tracked>[]) => ({ stream: `finding-${id}`, events });
const findingIds = async (b: PostgresBackend) => (await b.models.rows({ table: 'findings', columns: ['finding_id'], order: [{ column: 'finding_id' }] })).map((r) => r.finding_id);

Postgres('reads keep answering and writers keep writing while a rebuild runs; the swap keeps what they wrote', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url);
  const writer = await open(schema.url);
  for (let c = 0; c < 12; c += 1)
    await backend.commit(Array.from({ length: 1000 }, (_, i) => write(`f${c}-${i}`, tracked(`f${c}-${i}`, at(1)))));
  const before = await dump(backend);
  let rebuilding = false;
  let done = false;
  const rebuild = backend.rebuild('findings', () => void (rebuilding = true)).finally(() => (done = true));
  let reads = 0;
  let during = 0;
  let wrote = 0;
  let last = 0;
  while (!done) {
    const n = (await backend.models.count({ table: 'findings' }))[0]?.n ?? 0;
    assert.ok(n >= last, 'a read never goes back');
    last = n;
    await writer.commit([write(`w${wrote}`, tracked(`w${wrote}`, at(2)))]);
    wrote += 1;
    if (rebuilding && !done) {
      reads += 1;
      during += 1;
    }
  }
  const applied = await rebuild;
  assert.ok(reads > 0 && during > 0, `${reads} reads and ${during} writes while rebuilding`);
  assert.ok(applied >= 12_000);
  const after = await dump(backend);
  assert.is(after.findings?.length, (before.findings?.length ?? 0) + wrote);
  await backend.rebuild();
  assert.equal(await dump(backend), after);
  assert.equal((await backend.status()).find((s) => s.name === 'findings')?.position, await backend.log.headPosition());
});

Postgres('a snapshot open across a rebuild reads the tables it started with; the swap waits for it', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url);
  await backend.commit([write('f1', tracked('f1', at(1))), write('f2', tracked('f2', at(1)))]);
  let rebuild: Promise<number> = Promise.resolve(0);
  let rebuilt = false;
  const { position, value } = await backend.models.snapshot(async (m) => {
    // The snapshot starts on another table: the findings table has not been read when the rebuild swaps it.
    const scans = (await m.rows({ table: 'scans' })).length;
    rebuild = backend.rebuild('findings').finally(() => (rebuilt = true));
    // Until the swap waits for this snapshot's lock on the live table (or, were it not locked, has swapped it).
    await withAdmin(schema.serverUrl, (admin) =>
      waitUntil(async () => rebuilt || ((await admin.query("SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND NOT granted")).rowCount ?? 0) > 0, 'the swap waits'),
    );
    const findings = (await m.rows({ table: 'findings' })).length;
    return [scans, findings, rebuilt];
  });
  assert.equal(value, [0, 2, false]);
  assert.is(position, 2);
  await rebuild;
  assert.is((await backend.models.rows({ table: 'findings' })).length, 2);
});

Postgres('the swap waits for a commit in flight and applies it: a rebuild returns with every acknowledged event in', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url);
  await backend.commit([write('f1', tracked('f1', at(1)))]);
  const bare = await PostgresEventStore.open({ url: schema.url });
  cleanups.push(() => bare.close());
  const held = heldCommit();
  // Inserted and holding the order lock, not yet committed: the rebuild's chunks cannot see it.
  const late = bare.commit([write('f2', tracked('f2', at(2)))], { inTransaction: held.hook });
  await held.inside;
  let rebuilt = false;
  const rebuild = backend.rebuild('findings').finally(() => (rebuilt = true));
  await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => rebuilt || (await waitingForAdvisoryLock(admin)) > 0, 'the swap waits'));
  held.release();
  const { results } = await late;
  await rebuild;
  assert.equal(await findingIds(backend), ['f1', 'f2']);
  assert.ok(((await backend.status()).find((x) => x.name === 'findings')?.position ?? 0) >= (results[0]?.position ?? Infinity));
});

Postgres('events appended by a writer that does not project are caught up: before the next commit, and by waitFor', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url);
  const bare = await PostgresEventStore.open({ url: schema.url });
  cleanups.push(() => bare.close());
  await bare.appendMany([write('b1', tracked('b1', at(1))), write('b2', tracked('b2', at(1)))]);
  // The backend's next commit folds them first, in log order.
  await backend.commit([write('b1', resolved('b1', at(2)))]);
  assert.equal(await findingIds(backend), ['b1', 'b2']);
  assert.is((await backend.models.rows({ table: 'findings', where: [{ column: 'finding_id', op: '=', value: 'b1' }] }))[0]?.lifecycle, 'resolved');
  const { position } = await bare.append('finding-b3', [tracked('b3', at(3))]);
  assert.ok(await backend.waitFor(position, 5000));
  assert.equal(await findingIds(backend), ['b1', 'b2', 'b3']);
  assert.ok((await backend.status()).every((s) => s.position === position));
});

Postgres('a changed projection version is rebuilt when a backend opens; a process of the old version refuses writes and leaves those tables alone', async () => {
  const schema = await schemaOf();
  const old = await open(schema.url);
  await old.commit([write('f1', tracked('f1', at(1))), write('f2', tracked('f2', at(1)))]);
  const next = (testProjections.find((p) => p.name === 'findings')?.version ?? 0) + 1;
  // The new version marks its rows, so the test can tell which version folded each.
  const marked = (p: Projection): Projection => ({
    ...p,
    version: next,
    apply: (rows, event, context) =>
      p.apply(
        {
          get: (table, key) => rows.get(table, key),
          put: (table, row) => rows.put(table, table === 'findings' ? { ...row, rule_id: 'v2' } : row),
          delete: (table, key) => rows.delete(table, key),
          deletePrefix: (table, prefix) => rows.deletePrefix(table, prefix),
          add: (table, key, delta) => rows.add(table, key, delta),
        },
        event,
        context,
      ),
  });
  const bumped: Projection[] = testProjections.map((p) => (p.name === 'findings' ? marked(p) : p));
  const rules = async (b: PostgresBackend) => (await b.models.rows({ table: 'findings', order: [{ column: 'finding_id' }] })).map((r) => r.rule_id);
  const rebuilt: string[] = [];
  const fresh = await open(schema.url, { projections: bumped, onRebuild: (name) => rebuilt.push(name) });
  assert.ok(rebuilt.length > 0 && rebuilt.every((n) => n === 'findings'), rebuilt.join());
  assert.is((await fresh.status()).find((s) => s.name === 'findings')?.version, next);
  assert.equal(await rules(fresh), ['v2', 'v2']);
  // The old process would fold the new table with its old logic: its commits are refused and nothing is written; the
  // new one writes on.
  const head = await fresh.log.headPosition();
  const refusedWrite = await old.commit([write('f3', tracked('f3', at(2)))]).then(() => null, (e: Error) => e);
  assert.match(String(refusedWrite?.message), /read model findings was rebuilt by a newer stance-state \(version \d+; this process has \d+\): nothing was written/);
  assert.is(await fresh.log.headPosition(), head);
  await fresh.commit([write('f3', tracked('f3', at(2)))]);
  assert.equal(await rules(fresh), ['v2', 'v2', 'v2']);
  const refused = await PostgresBackend.open({ url: schema.url, projections: testProjections }).then(() => null, (e: Error) => e);
  assert.match(String(refused?.message), /read model findings was built by a newer stance-state \(version \d+; this one has \d+\)/);
});

Postgres('writers in several processes applying to the same findings at once lose no update: the read models equal a rebuild', async () => {
  const schema = await schemaOf();
  const writers = await Promise.all([0, 1, 2, 3].map(() => open(schema.url)));
  await Promise.all(
    writers.map(async (w, k) => {
      for (let c = 0; c < 15; c += 1)
        await w.commit([0, 1, 2, 3, 4].map((f) => write(`f${f}`, tracked(`f${f}`, at(1 + c)), noted(`f${f}`, at(1 + c), `${k}:${c}`))));
    }),
  );
  const rows = await writers[0]?.models.rows({ table: 'findings' });
  assert.equal(rows?.map((r) => r.scan_count), [60, 60, 60, 60, 60]);
  assert.is((await writers[1]?.models.count({ table: 'finding_notes' }))?.[0]?.n, 300);
  assert.is((await writers[2]?.models.counters('tallies'))?.get('sightings'), 300);
  const incremental = await dump(writers[0] as PostgresBackend);
  await writers[3]?.rebuild();
  assert.equal(await dump(writers[0] as PostgresBackend), incremental);
});

Postgres('text orders byte-wise even in a database whose locale does not', async () => {
  const server = await testServerUrl();
  const name = uniqueName('icu');
  await withAdmin(server, (admin) => admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`));
  cleanups.push(() => withAdmin(server, async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))));
  const url = new URL(server);
  url.pathname = `/${name}`;
  const database = { url: url.toString(), withSchema: (schema: string) => `${url.toString()}?schema=${schema}` };
  const backend = await open(database.withSchema('icu'));
  await withAdmin(database.url, async (admin) => assert.is((await admin.query("SELECT 'B' < 'a' AS lt")).rows[0]?.lt, false));
  await backend.commit(['b', 'A', '_x', 'B', 'a'].map((id) => write(id, tracked(id, at(1)))));
  assert.equal(await findingIds(backend), ['A', 'B', '_x', 'a', 'b']);
  const after = await backend.models.rows({ table: 'findings', columns: ['finding_id'], order: [{ column: 'finding_id' }], after: { columns: ['finding_id'], values: ['B'] } });
  assert.equal(after.map((r) => r.finding_id), ['_x', 'a', 'b']);
});

Postgres('the access audit keeps refusals in order and refuses UPDATE, DELETE and TRUNCATE', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url);
  const refusal = { method: 'POST', route: '/v1/findings', status: 403, reason: 'role viewer may not write', actor: 'eve', role: 'viewer', tokenId: 't1', via: null, remote: '10.0.0.9' };
  await backend.recordRefusal({ ...refusal, at: '2026-01-01T00:00:00.000Z' });
  await backend.recordRefusal({ ...refusal, at: '2026-01-02T00:00:00.000Z', actor: null });
  assert.equal((await backend.refusals('2026-01-02T00:00:00.000Z')).map((r) => [r.at, r.actor, r.status]), [['2026-01-02T00:00:00.000Z', null, 403]]);
  await withAdmin(schema.serverUrl, async (admin) => {
    for (const statement of ['UPDATE "{s}".access_audit SET reason = \'\'', 'DELETE FROM "{s}".access_audit', 'TRUNCATE "{s}".access_audit']) {
      const error = await admin.query(statement.replace('{s}', schema.schema)).then(() => null, (e: Error) => e);
      assert.match(String(error?.message), /the access audit is append-only/);
    }
  });
  assert.is((await backend.refusals('')).length, 2);
});

Postgres('openBackend opens sqlite: and postgres:// URLs; another scheme is refused naming the known ones, never with its password', async () => {
  const schema = await schemaOf();
  const pg = await openBackend(schema.url, { projections: testProjections, origin: 'central' });
  cleanups.push(() => pg.close());
  assert.is(pg.name, 'postgres');
  assert.match(pg.description, /^postgres postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?schema=t_pgb_/);
  assert.not.match(pg.description, new RegExp(new URL(schema.url).password));
  const dir = makeTempDir('open');
  cleanups.push(async () => removeDir(dir));
  const lite = await openBackend(`sqlite:${join(dir, 'stance.db')}`, { projections: testProjections });
  cleanups.push(() => lite.close());
  assert.equal([lite.name, lite.description], ['sqlite', `sqlite ${join(dir, 'stance.db')}`]);
  const refused = await raises(() => openBackend('mysql://root:hunter2@db/stance', { projections: [] }), InvalidInput);
  assert.is(refused.field, 'store');
  assert.match(refused.message, /sqlite:<path>.*postgres:\/\//);
  assert.not.match(refused.message, /hunter2/);
});

Postgres('snapshots that fill the pool and read the log inside finish: the log reads use the snapshot’s own connection', async () => {
  const schema = await schemaOf();
  const backend = await open(schema.url, { poolSize: 2 });
  await backend.commit([write('f1', tracked('f1', at(1)))]);
  await backend.commit([write('f1', noted('f1', at(2), 'a note'))]);
  // Eight snapshots at once on two connections, each reading the read models and then the finding's events.
  const all = Promise.all(
    Array.from({ length: 8 }, () =>
      backend.models.snapshot(async (models) => {
        const rows = await models.rows({ table: 'findings', columns: ['finding_id'] });
        const events = await backend.log.readEntity('finding-f1');
        return [rows.length, events.length];
      }),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 15_000)));
  const outcome = await Promise.race([all, stuck]);
  clearTimeout(timer);
  assert.ok(outcome !== 'stuck', 'the snapshots starved each other of connections');
  assert.equal((outcome as { value: number[] }[]).map((o) => o.value), Array.from({ length: 8 }, () => [1, 2]));
});

Postgres('a pool of one connection is refused; on the smallest pool (two) a keyed rebuild reads its lanes in turn and equals the live read models', async () => {
  const schema = await schemaOf();
  const one = await raises(() => PostgresBackend.open({ url: schema.url, projections, poolSize: 1 }), InvalidInput);
  assert.is(one.field, 'poolSize');
  assert.match(one.message, /1.*an integer >= 2/);
  const backend = await open(schema.url, { poolSize: 2, projections });
  for (let c = 0; c < 4; c += 1)
    await backend.commit(Array.from({ length: 1500 }, (_, i) => write(`f${c}-${i}`, tracked(`f${c}-${i}`, at(1)), noted(`f${c}-${i}`, at(2), 'seen'))));
  const before = await dump(backend, projections);
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 60_000)));
  const applied = await Promise.race([backend.rebuild(), stuck]);
  clearTimeout(timer);
  assert.is(applied, 12_000);
  assert.equal(await dump(backend, projections), before);
});

Postgres.run();
