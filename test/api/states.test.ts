import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { onBackend } from '../support/engine.js';
import { mint } from '../support/access.js';
import { get, post, request, startTestServer, write, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Http = suite(onBackend('api: /v1/states and /v1/sessions through real requests'));
let dir = '';
let t: TestServer;
Http.before(() => {
  dir = makeTempDir('api-states');
});
Http.before.each(async () => {
  t = await startTestServer(dir);
});
Http.after.each(() => t.close());
Http.after(() => removeDir(dir));

type Obj = Record<string, unknown>;
const body = (r: { json: unknown }) => r.json as Obj;

Http('register, transitions, history, rollback and as-of: the seed’s lifecycle over HTTP', async () => {
  const created = await write(t.url, '/v1/states', { state_id: 'user_12345', type: 'user', name: 'user_account_state', data: { user_id: '12345' } });
  assert.equal([created.status, body(created).status, body(created).revision], [201, 'pending', 0]);
  for (const transition of ['activate', 'suspend', 'resume']) {
    const r = await write(t.url, '/v1/states/user_12345/update', { transition });
    assert.is(r.status, 200, r.text);
  }
  const history = await get(t.url, '/v1/states/user_12345/history');
  assert.equal((body(history).history as Obj[]).map((h) => h.transition), ['create', 'activate', 'suspend', 'resume']);
  const illegal = await write(t.url, '/v1/states/user_12345/update', { transition: 'activate' });
  assert.equal([illegal.status, body(illegal).code], [409, 'illegal_transition']);
  assert.match(String(body(illegal).error), 'activate is not allowed');
  await write(t.url, '/v1/states/user_12345/update', { data: { user_id: '12345', plan: 'pro' } });
  const rolled = await write(t.url, '/v1/states/user_12345/rollback', { to_revision: 0 });
  assert.equal([rolled.status, body(rolled).data, body(rolled).status], [200, { user_id: '12345' }, 'active']);
  const asOf = await get(t.url, `/v1/states/user_12345?as_of=${encodeURIComponent('2026-01-01T00:00:00Z')}`);
  assert.is(asOf.status, 200, asOf.text);
  assert.is((await get(t.url, '/v1/states/nope')).status, 404);
});

Http('a schema set by an admin refuses bad data with 400 naming the field; nothing written', async () => {
  const schema = await write(t.url, '/v1/states/types/transaction/schema', { schema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] } });
  assert.equal([schema.status, body(schema).schema_version], [200, 1]);
  const bad = await write(t.url, '/v1/states', { state_id: 't1', type: 'transaction', data: { amount: 'ten' } });
  assert.equal([bad.status, body(bad).field], [400, 'data.amount']);
  assert.is((await get(t.url, '/v1/states/t1')).status, 404);
  const compileError = await write(t.url, '/v1/states/types/transaction/schema', { schema: { type: 'objekt' } });
  assert.equal([compileError.status, body(compileError).field], [400, 'schema']);
});

Http('search with repeated where parameters, keyset pages through next_cursor', async () => {
  for (let n = 0; n < 12; n += 1) await t.engine.states.register({ stateId: `t${String(n).padStart(2, '0')}`, type: 'transaction', data: { amount: n * 50, currency: n % 2 ? 'USD' : 'EUR' } });
  const where = `where=${encodeURIComponent('data.amount>100')}&where=${encodeURIComponent('data.currency=EUR')}`;
  const first = await get(t.url, `/v1/states?type=transaction&${where}&limit=2`);
  assert.is(first.status, 200, first.text);
  assert.equal((body(first).states as Obj[]).map((s) => s.state_id), ['t04', 't06']);
  const second = await get(t.url, `/v1/states?type=transaction&${where}&limit=2&cursor=${String(body(first).next_cursor)}`);
  assert.equal([(body(second).states as Obj[]).map((s) => s.state_id), body(second).next_cursor], [['t08', 't10'], null]);
  const noType = await get(t.url, `/v1/states?${where}`);
  assert.equal([noType.status, body(noType).field], [400, 'type']);
  const badWhere = await get(t.url, `/v1/states?type=transaction&where=amount%3E1`);
  assert.equal([badWhere.status, body(badWhere).field], [400, 'where[0]']);
});

Http('the feed gives changes after a position with old and new data, and waits for the next one', async () => {
  await t.engine.states.register({ stateId: 'f1', type: 'feature', data: { pct: 0 } });
  const first = await get(t.url, '/v1/states/feed?after_position=0');
  const changes = body(first).changes as Obj[];
  assert.equal(changes.map((c) => [c.state_id, c.transition, c.new_data]), [['f1', 'create', { pct: 0 }]]);
  const after = body(first).last_position as number;
  // Whether the write lands before the request waits or while it waits, the answer is the same change.
  const waiting = get(t.url, `/v1/states/feed?after_position=${after}&wait_seconds=10`);
  await t.engine.states.change('f1', { transition: 'activate', data: { pct: 10 } });
  const next = body(await waiting).changes as Obj[];
  assert.equal(next.map((c) => [c.transition, c.old_data, c.new_data]), [['activate', { pct: 0 }, { pct: 10 }]]);
});

Http('sessions: save, load, checkpoints, restore, pause, resume with a fence, refusal of a stale fence', async () => {
  assert.is((await write(t.url, '/v1/sessions/run-1', { document: { step: 1 } })).status, 200);
  const c = await write(t.url, '/v1/sessions/run-1/checkpoints', { document: { step: 5 }, branch: 'main' });
  assert.equal([c.status, body(c).seq, body(c).branch], [201, 0, 'main']);
  await write(t.url, '/v1/sessions/run-1', { document: { step: 6 } });
  const restored = await write(t.url, `/v1/sessions/checkpoints/${String(body(c).checkpoint_id)}/restore`, {});
  assert.equal(body(restored).document, { step: 5 });
  assert.equal(body(await get(t.url, '/v1/sessions/run-1/document')).document, { step: 5 });
  const paused = await write(t.url, '/v1/sessions/run-1/pause', { document: { step: 7 } });
  assert.equal([body(paused).status, body(paused).checkpoints], ['paused', 2]);
  const resumed = await write(t.url, '/v1/sessions/run-1/resume', { owner: 'worker-1', lease_seconds: 60 });
  assert.equal([body(resumed).document, body(resumed).fence], [{ step: 7 }, 1]);
  const stale = await write(t.url, '/v1/sessions/run-1', { document: { step: 8 }, fence: 0 });
  assert.equal([stale.status, body(stale).code], [409, 'conflict']);
  assert.is((await write(t.url, '/v1/sessions/run-1', { document: { step: 8 }, fence: 1 })).status, 200);
  const list = await get(t.url, '/v1/sessions/run-1/checkpoints');
  assert.is((body(list).checkpoints as Obj[]).length, 2);
  const cleaned = await write(t.url, '/v1/sessions/run-1/checkpoints/cleanup', { keep_last: 1 });
  assert.equal((body(cleaned).removed as string[]).length, 1);
  const stats = await get(t.url, '/v1/sessions/stats');
  assert.equal([body(stats).session_count, body(stats).checkpoint_count], [1, 1]);
});

Http('a session document may be far bigger than other bodies; a state body over 1 MiB is 413', async () => {
  const big = { blob: 'x'.repeat(3 * 1024 * 1024) };
  const saved = await write(t.url, '/v1/sessions/big', { document: big });
  assert.is(saved.status, 200, saved.text.slice(0, 200));
  assert.ok((body(saved).stored as number) < 100_000, 'gzip keeps it small');
  assert.is((await write(t.url, '/v1/states', { state_id: 'b', type: 'user', data: big })).status, 413);
});

Http('roles apply: a viewer reads states and sessions but writes neither', async () => {
  const viewer = await mint(t.engine, 'viewer-1', 'viewer');
  await t.engine.states.register({ stateId: 'u1', type: 'user', data: {} });
  assert.is((await get(t.url, '/v1/states/u1', { token: viewer })).status, 200);
  assert.is((await post(t.url, '/v1/states/u1/update', { transition: 'activate' }, { token: viewer })).status, 403);
  assert.is((await request(t.url, 'POST', '/v1/sessions/s1', { token: viewer, body: { document: {} } })).status, 403);
});

Http.run();
