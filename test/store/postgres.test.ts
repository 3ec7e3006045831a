import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../src/errors.js';
import { WrongExpectedRevision } from '../../src/store/index.js';
import { parsePostgresUrl, PostgresEventStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js';
import type { RecordedEvent } from '../../src/events/index.js';
import { collect, findingStream, note, uuidFrom } from '../support/events.js';
import { heldCommit, reader, waitingForAdvisoryLock, waitUntil } from '../support/pg-helpers.js';
import { freshDatabase, freshSchema, testServerUrl, withAdmin } from '../support/postgres.js';
import { raises } from '../support/raises.js';

const Postgres = suite('store/postgres: the database itself');

const cleanups: (() => Promise<void>)[] = [];
Postgres.after.each(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A store on a fresh schema (or on `url`), closed and dropped after the test. */
const open = async (options: Partial<PostgresStoreOptions> & { url?: string } = {}): Promise<PostgresEventStore> => {
  let url = options.url;
  if (url === undefined) {
    const schema = await freshSchema('pg');
    cleanups.push(() => schema.drop());
    url = schema.url;
  }
  const store = await PostgresEventStore.open({ pollMs: 50, ...options, url });
  cleanups.push(() => store.close());
  return store;
};
const schemaOf = async () => {
  const schema = await freshSchema('pg');
  cleanups.push(() => schema.drop());
  return schema;
};
const textOf = (e: RecordedEvent) => (e.data as { text: string }).text;
/** Import rules that cap nothing: the clock may follow imported instants up to 2100. */
const anyClock = { foldCap: null, clockLimit: Date.UTC(2100, 0, 1) };

Postgres('an event that commits late is delivered before every event committed after it', async () => {
  const schema = await schemaOf();
  const [first, second, watcher] = await Promise.all([open({ url: schema.url }), open({ url: schema.url }), open({ url: schema.url })]);
  const items = reader(watcher.subscribe());
  await items.untilCaughtUp();
  const held = heldCommit();
  const late = first.commit([{ stream: findingStream('late'), events: [note('late', 'late')] }], { inTransaction: held.hook });
  await held.inside;
  const after = second.append(findingStream('after'), [note('after', 'after')]);
  // The second writer queues behind the order lock of the first, which has drawn its position but not committed.
  await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => (await waitingForAdvisoryLock(admin)) > 0, 'the second writer waits'));
  held.release();
  const [lateResult, afterResult] = await Promise.all([late, after]);
  assert.ok((lateResult.results[0]?.position ?? 0) < afterResult.position);
  assert.equal([await items.nextText(), await items.nextText()], ['late', 'after']);
});

Postgres('without the order lock a subscriber passes over a late commit (what the ordering rule prevents)', async () => {
  const schema = await schemaOf();
  const unlocked = { url: schema.url, ordering: 'unlocked' as const };
  const [first, second, watcher] = await Promise.all([open(unlocked), open(unlocked), open({ url: schema.url })]);
  const items = reader(watcher.subscribe());
  await items.untilCaughtUp();
  const held = heldCommit();
  const late = first.commit([{ stream: findingStream('late'), events: [note('late', 'late')] }], { inTransaction: held.hook });
  await held.inside;
  const after = await second.append(findingStream('after'), [note('after', 'after')]);
  assert.is(await items.nextText(), 'after');
  held.release();
  const lateResult = await late;
  assert.ok((lateResult.results[0]?.position ?? 0) < after.position, 'the late event holds the smaller position');
  await second.append(findingStream('after'), [note('after', 'marker')]);
  assert.is(await items.nextText(), 'marker', 'the late event was skipped');
  assert.equal((await collect(watcher.readAll())).map(textOf), ['late', 'after', 'marker']);
});

Postgres('a writer that lost the race for a revision gets WrongExpectedRevision; with any it appends after the winner', async () => {
  const schema = await schemaOf();
  const [first, second, third] = await Promise.all([open({ url: schema.url }), open({ url: schema.url }), open({ url: schema.url })]);
  const held = heldCommit();
  const winner = first.commit([{ stream: findingStream('x'), events: [note('x', 'winner')], expectedRevision: 'no_stream' }], { inTransaction: held.hook });
  await held.inside;
  // Both read the tail before the winner commits: the stream does not exist for them yet.
  const loser = raises(() => second.append(findingStream('x'), [note('x', 'loser')], { expectedRevision: 'no_stream' }), WrongExpectedRevision);
  const anyone = third.append(findingStream('x'), [note('x', 'anyone')], { expectedRevision: 'any' });
  await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => (await waitingForAdvisoryLock(admin)) === 2, 'both writers wait'));
  held.release();
  await winner;
  const error = await loser;
  assert.ok(error.actual === 0 || error.actual === 1, `actual ${error.actual}`);
  assert.is((await anyone).revision, 1);
  assert.equal((await collect(first.readStream(findingStream('x')))).map(textOf), ['winner', 'anyone']);
  assert.ok((await first.verify()).ok);
});

Postgres('a writer whose wall clock is behind an instant another process committed meanwhile records that instant, never an earlier one', async () => {
  const schema = await schemaOf();
  const ahead = await open({ url: schema.url, clock: () => Date.UTC(2030, 0, 1) });
  const behind = await open({ url: schema.url, clock: () => Date.UTC(2026, 0, 1) });
  const held = heldCommit();
  const first = ahead.commit([{ stream: findingStream('a'), events: [note('a', 'ahead')] }], { inTransaction: held.hook });
  await held.inside;
  // `behind` reads the clock before `ahead` commits, then waits for the order lock.
  const second = behind.append(findingStream('b'), [note('b', 'behind')]);
  await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => (await waitingForAdvisoryLock(admin)) > 0, 'the second writer waits'));
  held.release();
  await first;
  const result = await second;
  assert.is(result.events[0]?.meta.recordedAt, '2030-01-01T00:00:00.000Z');
  assert.ok((await behind.verify()).ok);
});

Postgres('UPDATE, DELETE and TRUNCATE of events are refused by the database', async () => {
  const store = await open();
  await store.append(findingStream('a'), [note('a', '1')]);
  await withAdmin(await testServerUrl(), async (admin) => {
    for (const statement of [
      `UPDATE ${store.names.events} SET type = 'Other'`,
      `DELETE FROM ${store.names.events}`,
      `TRUNCATE ${store.names.events}`,
      `INSERT INTO ${store.names.events} SELECT * FROM ${store.names.events} ON CONFLICT (position) DO UPDATE SET checksum = 'x'`,
    ]) {
      const error = await admin.query(statement).then(() => null, (e: Error) => e);
      assert.ok(error !== null && /append-only/.test(error.message), `${statement}: ${String(error)}`);
    }
  });
  assert.is((await store.stats()).events, 1);
  assert.ok((await store.verify()).ok);
});

Postgres('verify names the first altered event and reports the dropped or disabled trigger that let it happen', async () => {
  const schema = await schemaOf();
  const store = await open({ url: schema.url });
  await store.append(findingStream('a'), [note('a', '1'), note('a', '2'), note('a', '3')]);
  await store.append(findingStream('b'), [note('b', '1')]);
  await withAdmin(schema.serverUrl, async (admin) => {
    await admin.query(`ALTER TABLE ${store.names.events} DISABLE TRIGGER events_no_truncate`);
    await admin.query(`DROP TRIGGER events_no_update_or_delete ON ${store.names.events}`);
    await admin.query(
      `UPDATE ${store.names.events} SET data = '{"at":"2026-01-01T00:00:00.000Z","by":"mallory","findingId":"a","text":"2"}' WHERE stream = 'finding-a' AND revision = 1`,
    );
  });
  const report = await store.verify();
  assert.not.ok(report.ok);
  assert.is(report.badCount, 1);
  assert.is(report.firstBad?.stream, 'finding-a');
  assert.is(report.firstBad?.revision, 1);
  assert.match(report.firstBad?.problem ?? '', /^checksum: stored/);
  assert.equal(report.problems, [
    'append-only trigger events_no_update_or_delete is missing',
    'append-only trigger events_no_truncate is disabled',
  ]);
  // Reopening does not recreate the trigger: that would hide the evidence.
  const again = await open({ url: schema.url });
  assert.is((await again.verify()).problems.length, 2);
});

Postgres('two schemas in one database keep their own logs, origins, positions and notifications', async () => {
  const database = await freshDatabase('two');
  cleanups.push(() => database.drop());
  const a = await open({ url: database.withSchema('deploy_a'), origin: 'origin-a' });
  const b = await open({ url: database.withSchema('deploy_b'), origin: 'origin-b' });
  const itemsA = reader(a.subscribe());
  await itemsA.untilCaughtUp();
  const shared = uuidFrom('same id in both');
  await b.append(findingStream('x'), [note('x', 'in b', shared)]);
  await a.append(findingStream('x'), [note('x', 'in a', shared)]);
  assert.is(await itemsA.nextText(), 'in a');
  assert.equal((await collect(a.readAll())).map(textOf), ['in a']);
  assert.equal((await collect(b.readAll())).map(textOf), ['in b']);
  assert.equal([await a.headPosition(), await b.headPosition()], [1, 1]);
  assert.equal([a.origin, b.origin], ['origin-a', 'origin-b']);
});

Postgres("another schema's long transaction does not hold back this schema's subscriber", async () => {
  const database = await freshDatabase('long');
  cleanups.push(() => database.drop());
  const other = await open({ url: database.withSchema('other_deployment') });
  const mine = await open({ url: database.withSchema('mine') });
  const items = reader(mine.subscribe());
  await items.untilCaughtUp();
  const held = heldCommit();
  const long = other.commit([{ stream: findingStream('o'), events: [note('o', 'long')] }], { inTransaction: held.hook });
  await held.inside;
  await mine.append(findingStream('m'), [note('m', 'mine')]);
  assert.is(await items.nextText(), 'mine');
  held.release();
  await long;
});

Postgres('opening an existing schema keeps its origin and format; a newer format is refused', async () => {
  const schema = await schemaOf();
  const first = await open({ url: schema.url, origin: 'first-origin' });
  const second = await open({ url: schema.url, origin: 'second-origin' });
  assert.is(second.origin, 'first-origin');
  await withAdmin(schema.serverUrl, async (admin) => {
    const { rows } = await admin.query(`SELECT version FROM ${first.names.versions}`);
    assert.equal(rows, [{ version: 2 }]);
    await admin.query(`INSERT INTO ${first.names.versions} (version) VALUES (99)`);
  });
  const error = await PostgresEventStore.open({ url: schema.url }).then(() => null, (e: Error) => e);
  assert.match(String(error?.message), /format 99; this stance-state reads format 2 at most/);
});

Postgres('the commit hook writes in the same transaction: its rows commit with the events, a throw rolls both back', async () => {
  const store = await open();
  const table = `"${store.schema}".seen`;
  await store.pool.query(`CREATE TABLE ${table} (position bigint PRIMARY KEY)`);
  const { value } = await store.commit([{ stream: findingStream('a'), events: [note('a', '1'), note('a', '2')] }], {
    inTransaction: async (client, committed) => {
      await client.query(`INSERT INTO ${table} SELECT unnest($1::bigint[])`, [committed.appended.map((e) => e.position)]);
      return committed.appended.length;
    },
  });
  assert.is(value, 2);
  const failing = store.commit([{ stream: findingStream('b'), events: [note('b', '1')] }], {
    inTransaction: async (client, committed) => {
      await client.query(`INSERT INTO ${table} VALUES ($1)`, [committed.appended[0]?.position]);
      throw new Error('read model refused');
    },
  });
  assert.is((await failing.then(() => null, (e: Error) => e))?.message, 'read model refused');
  assert.equal((await store.pool.query(`SELECT position FROM ${table} ORDER BY 1`)).rows.map((r) => Number(r.position)), [1, 2]);
  assert.is(await store.streamRevision(findingStream('b')), null);
  assert.is(await store.headPosition(), 2);
  // A re-append of the same ids inserts nothing, so the hook is not called.
  let called = false;
  const ids = [note('c', '1', uuidFrom('c1'))];
  await store.append(findingStream('c'), ids);
  await store.commit([{ stream: findingStream('c'), events: ids }], { inTransaction: async () => void (called = true) });
  assert.not.ok(called);
});

Postgres('import keeps ids, origins, revisions and checksums; a second import skips; the clock moves past it', async () => {
  const future = Date.UTC(2030, 0, 1);
  const spoke = await open({ origin: 'spoke-a', clock: () => future });
  await spoke.append(findingStream('f1'), [note('f1', '1'), note('f1', '2')]);
  await spoke.append(findingStream('f2'), [note('f2', '1')]);
  const remote = (await collect(spoke.readAll())).map(({ position: _, ...e }) => e);
  const central = await open({ origin: 'central', clock: () => Date.UTC(2026, 0, 1) });
  let seen: readonly RecordedEvent[] = [];
  const outcome = await central.importEvents(remote, anyClock, {
    local: (o) => [{ stream: 'scan-s1', events: [{ type: 'ScanCancelled', data: { scanId: 's1', by: 'sync', reason: `${o.imported.length}`, cancelledAt: '2026-01-01T00:00:00.000Z' } }] }],
    inTransaction: async (_client, committed) => void (seen = [...committed.imported, ...committed.appended]),
  });
  assert.is(outcome.imported.length, 3);
  assert.equal(outcome.imported.map((e) => [e.id, e.checksum, e.meta.origin]), remote.map((e) => [e.id, e.checksum, e.meta.origin]));
  assert.equal(seen.map((e) => e.position), [1, 2, 3, 4]);
  assert.is(outcome.appended[0]?.events[0]?.meta.recordedAt, '2030-01-01T00:00:00.001Z');
  assert.equal((await collect(central.readStream(findingStream('f1'), { origin: 'spoke-a' }))).map(textOf), ['1', '2']);
  const again = await central.importEvents(remote, anyClock);
  assert.equal([again.imported.length, again.skipped, again.appended.length], [0, 3, 0]);
  assert.ok((await central.verify()).ok);
});

Postgres('an id is unique per origin: another origin may use it, the same origin elsewhere may not', async () => {
  const id = uuidFrom('contested id');
  const events = async (origin: string, stream: string) => {
    const s = await open({ origin });
    await s.append(stream, [note(stream.slice(8), 'x', id)]);
    return (await collect(s.readAll())).map(({ position: _, ...e }) => e);
  };
  const central = await open({ origin: 'central' });
  await central.importEvents(await events('spoke-a', findingStream('a')), anyClock);
  const other = await central.importEvents(await events('spoke-b', findingStream('b')), anyClock);
  assert.is(other.imported.length, 1);
  const head = await central.headPosition();
  const squat = await raises(async () => central.importEvents(await events('spoke-a', findingStream('c')), anyClock), InvalidInput);
  assert.is(squat.field, 'events[0].id');
  assert.is(await central.headPosition(), head);
});

Postgres('an import with a gap, an altered checksum or a diverged history writes nothing it should not', async () => {
  const spoke = await open({ origin: 'spoke-a' });
  await spoke.append(findingStream('f'), [note('f', '1'), note('f', '2')]);
  const remote = (await collect(spoke.readAll())).map(({ position: _, ...e }) => e);
  const central = await open({ origin: 'central' });
  assert.is((await raises(() => central.importEvents(remote.slice(1), anyClock), InvalidInput)).field, 'events[0].revision');
  const altered = [remote[0], { ...remote[1], data: { ...(remote[1]?.data as object), text: 'changed' } }];
  assert.is((await raises(() => central.importEvents(altered, anyClock), InvalidInput)).field, 'events[1].checksum');
  assert.is(await central.headPosition(), 0);
  await central.importEvents(remote, anyClock);
  const rewritten = await open({ origin: 'spoke-a' });
  await rewritten.append(findingStream('f'), [note('f', 'other history')]);
  const fork = (await collect(rewritten.readAll())).map(({ position: _, ...e }) => e);
  const outcome = await central.importEvents(fork, anyClock);
  assert.equal([outcome.imported.length, outcome.diverged.length, outcome.diverged[0]?.revision], [0, 1, 0]);
  assert.equal((await collect(central.readStream(findingStream('f'), { origin: 'spoke-a' }))).map(textOf), ['1', '2']);
});

Postgres('two replicas importing the same events at once: one writes them, the other finds them there', async () => {
  const spoke = await open({ origin: 'spoke-a' });
  await spoke.append(findingStream('f'), [note('f', '1'), note('f', '2')]);
  const remote = (await collect(spoke.readAll())).map(({ position: _, ...e }) => e);
  const schema = await schemaOf();
  const [first, second] = await Promise.all([open({ url: schema.url, origin: 'central' }), open({ url: schema.url })]);
  const held = heldCommit();
  const writing = first.importEvents(remote, anyClock, { inTransaction: async (client) => void (await held.hook(client, { results: [], appended: [], imported: [] })) });
  await held.inside;
  // The second import read the chain before the first committed: its insert collides, and it starts over.
  const racing = second.importEvents(remote, anyClock);
  await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => (await waitingForAdvisoryLock(admin)) > 0, 'the second import waits'));
  held.release();
  const [a, b] = await Promise.all([writing, racing]);
  assert.equal([a.imported.length, b.imported.length, b.skipped], [2, 0, 2]);
  assert.is((await first.stats()).events, 2);
});

Postgres("readEntity folds every origin's events of a stream by (recordedAt, origin, revision)", async () => {
  const early = await open({ origin: 'spoke-z', clock: () => Date.UTC(2026, 0, 1) });
  await early.append(findingStream('f'), [note('f', 'z early')]);
  const central = await open({ origin: 'central', clock: () => Date.UTC(2025, 0, 1) });
  await central.append(findingStream('f'), [note('f', 'central before the import')]);
  await central.importEvents((await collect(early.readAll())).map(({ position: _, ...e }) => e), anyClock);
  await central.append(findingStream('f'), [note('f', 'central after the import')]);
  const merged = await central.readEntity(findingStream('f'));
  assert.equal(merged.map(textOf), ['central before the import', 'z early', 'central after the import']);
  assert.equal((await central.readEntity(findingStream('f'), { upToPosition: 1 })).map(textOf), ['central before the import']);
});

Postgres('the origin can be renamed until something is written under it', async () => {
  const store = await open({ origin: 'first-name' });
  await store.renameOrigin('second-name');
  await store.append(findingStream('a'), [note('a', '1')]);
  assert.is((await collect(store.readAll()))[0]?.meta.origin, 'second-name');
  const refused = await raises(() => store.renameOrigin('third-name'), InvalidInput);
  assert.match(refused.message, /already holds events written under that name/);
  assert.is(store.origin, 'second-name');
});

Postgres('a process writes under the name another process renamed the origin to', async () => {
  const schema = await schemaOf();
  const [renaming, other] = await Promise.all([open({ url: schema.url, origin: 'first-name' }), open({ url: schema.url })]);
  await renaming.renameOrigin('second-name');
  const result = await other.append(findingStream('a'), [note('a', '1')]);
  assert.equal([result.events[0]?.meta.origin, other.origin], ['second-name', 'second-name']);
  assert.ok((await other.verify()).ok);
});

Postgres('waitFor resolves once another process commits the position, and gives up after its timeout', async () => {
  const schema = await schemaOf();
  const [writer, waiter] = await Promise.all([open({ url: schema.url }), open({ url: schema.url, pollMs: 5000 })]);
  const waiting = waiter.waitFor(2);
  await writer.append(findingStream('a'), [note('a', '1'), note('a', '2')]);
  assert.is(await waiting, 2);
  const late = await waiter.waitFor(3, { timeoutMs: 50 }).then(() => null, (e: Error) => e);
  assert.match(String(late?.message), /did not reach position 3 within 50 ms \(head 2\)/);
});

Postgres('a subscriber keeps receiving when its LISTEN connection is killed', async () => {
  const schema = await schemaOf();
  const [writer, watcher] = await Promise.all([open({ url: schema.url }), open({ url: schema.url, pollMs: 100 })]);
  const items = reader(watcher.subscribe());
  await items.untilCaughtUp();
  await withAdmin(schema.serverUrl, async (admin) => {
    const listener = `SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN ${watcher.names.channel}'`;
    await waitUntil(async () => ((await admin.query(listener)).rowCount ?? 0) > 0, 'the subscriber listens');
    await admin.query(`SELECT pg_terminate_backend(pid) FROM (${listener}) l`);
  });
  await writer.append(findingStream('a'), [note('a', 'after the connection died')]);
  assert.is(await items.nextText(), 'after the connection died');
});

Postgres('the URL: its password and PG* variables are used, never printed; bad parts are refused by name', async () => {
  const env = { PGPASSWORD: 'from-env', PGUSER: 'envuser', PGDATABASE: 'envdb', PGHOST: 'db.internal' };
  const full = parsePostgresUrl('postgres://scanner:s3cret@db.example:6543/stance?schema=team_a', env);
  assert.is(full.display, 'postgres://scanner@db.example:6543/stance?schema=team_a');
  assert.is(full.connection.password, 's3cret');
  const bare = parsePostgresUrl('postgres:///', env);
  assert.equal([bare.connection.user, bare.connection.password, bare.connection.database, bare.connection.host, bare.schema], ['envuser', 'from-env', 'envdb', 'db.internal', 'public']);
  assert.not.match(bare.display, /from-env/);
  const schema = await raises(() => parsePostgresUrl('postgres://u:pw@h/db?schema=Team-A', env), InvalidInput);
  assert.is(schema.field, 'store.schema');
  const garbled = await raises(() => parsePostgresUrl('postgres://u:topsecret@h:99999/db', env), InvalidInput);
  assert.not.match(garbled.message, /topsecret/);
  const store = await open();
  const stats = await store.stats();
  assert.is(stats.backend, 'postgres');
  assert.match(stats.location, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?schema=t_pg_/);
  assert.not.match(JSON.stringify(stats), new RegExp(new URL(await testServerUrl()).password));
});

Postgres('import rules: past the fold cap an event folds at the cap (its recordedAt kept), the clock stops at its limit, ignored events are checked but not written', async () => {
  const spoke = await open({ origin: 'spoke-a', clock: () => Date.UTC(2030, 0, 1) });
  await spoke.append(findingStream('skip'), [note('skip', 's1'), note('skip', 's2')]);
  await spoke.append(findingStream('f'), [note('f', 'from the future')]);
  const remote = (await collect(spoke.readAll())).map(({ position: _, ...e }) => e);
  const central = await open({ origin: 'central', clock: () => Date.UTC(2027, 0, 1) });
  const rules = { foldCap: Date.UTC(2026, 0, 2), clockLimit: Date.UTC(2027, 0, 2), ignore: (e: { stream: string }) => e.stream === findingStream('skip') };
  const tampered = remote.map((e) => (e.revision === 1 && e.stream === findingStream('skip') ? { ...e, data: { ...(e.data as object), text: 'x' } } : e));
  assert.is((await raises(() => central.importEvents(tampered, rules), InvalidInput)).field, 'events[1].checksum');
  const outcome = await central.importEvents(remote, rules);
  assert.equal([outcome.imported.length, outcome.ignored, outcome.skipped], [1, 2, 0]);
  assert.equal(outcome.capped.map((c) => [c.stream, c.recordedAt, c.foldAt]), [[findingStream('f'), '2030-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']]);
  assert.is(await central.streamRevision(findingStream('skip'), 'spoke-a'), null);
  await central.append(findingStream('f'), [note('f', 'central')]);
  // Recorded in 2030 but folding at its cap, the spoke's event sorts before the central one of 2027.
  assert.equal((await central.readEntity(findingStream('f'))).map(textOf), ['from the future', 'central']);
  assert.equal((await central.readEntity(findingStream('f'), { afterPosition: 1 })).map(textOf), ['central']);
  assert.equal((await collect(central.readStream(findingStream('f'), { origin: 'spoke-a' })))[0]?.meta.recordedAt, '2030-01-01T00:00:00.000Z');
  // Uncapped, the clock follows the import up to its limit and no further.
  const behind = await open({ origin: 'behind', clock: () => Date.UTC(2026, 0, 1) });
  await behind.importEvents(remote, { foldCap: null, clockLimit: Date.UTC(2026, 0, 3) });
  const mine = await behind.append(findingStream('f'), [note('f', 'behind')]);
  assert.is(mine.events[0]?.meta.recordedAt, '2026-01-03T00:00:00.000Z');
  assert.ok((await central.verify()).ok);
});

Postgres('a format 1 schema is upgraded in place, once, by processes opening it together; its events stay as they were', async () => {
  const schema = await schemaOf();
  const first = await open({ url: schema.url, origin: 'old' });
  await first.append(findingStream('a'), [note('a', '1')]);
  await withAdmin(schema.serverUrl, async (admin) => {
    await admin.query(`ALTER TABLE ${first.names.events} DROP COLUMN fold_at`);
    await admin.query(`UPDATE ${first.names.versions} SET version = 1`);
  });
  const [b, c] = await Promise.all([open({ url: schema.url }), open({ url: schema.url })]);
  await withAdmin(schema.serverUrl, async (admin) => {
    assert.equal((await admin.query(`SELECT version FROM ${first.names.versions} ORDER BY 1`)).rows, [{ version: 1 }, { version: 2 }]);
  });
  await b.append(findingStream('a'), [note('a', '2')]);
  assert.equal((await c.readEntity(findingStream('a'))).map(textOf), ['1', '2']);
  assert.ok((await c.verify()).ok);
});

Postgres('a unit of work lands all its commits or none; reads inside see them; other writers wait for it', async () => {
  const schema = await schemaOf();
  const [store, other] = await Promise.all([open({ url: schema.url }), open({ url: schema.url })]);
  const failed = await store
    .unitOfWork(async () => {
      await store.append(findingStream('a'), [note('a', '1')]);
      await store.append(findingStream('b'), [note('b', '1')]);
      assert.is(await store.headPosition(), 2);
      throw new Error('changed my mind');
    })
    .then(() => null, (e: Error) => e);
  assert.is(failed?.message, 'changed my mind');
  assert.is(await store.headPosition(), 0);
  let outside: Promise<unknown> = Promise.resolve();
  await store.unitOfWork(async () => {
    // The unit holds the order lock from its start: what it reads cannot change under it.
    outside = other.append(findingStream('c'), [note('c', 'outside')]);
    await withAdmin(schema.serverUrl, (admin) => waitUntil(async () => (await waitingForAdvisoryLock(admin)) > 0, 'the other writer waits', 5000));
    await store.append(findingStream('a'), [note('a', 'in the unit')]);
    // A refused commit inside the unit rolls back alone; the unit goes on.
    await raises(() => store.append(findingStream('a'), [note('a', 'stale')], { expectedRevision: 5 }), WrongExpectedRevision);
    await store.append(findingStream('b'), [note('b', 'in the unit')]);
    assert.equal((await collect(store.readAll())).map(textOf), ['in the unit', 'in the unit']);
  });
  await outside;
  assert.equal((await collect(other.readAll())).map(textOf), ['in the unit', 'in the unit', 'outside']);
});

Postgres.run();
