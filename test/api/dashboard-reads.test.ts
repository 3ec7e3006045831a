import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mint } from '../support/access.js';
import { get, listOf, startTestServer, write, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/** The small reads the dashboard needs besides the daily series: each answered from a read model. */
const Reads = suite('api: reads for the dashboard');
let dir = '';
let t: TestServer;
Reads.before(() => {
  dir = makeTempDir('api-dashboard-reads');
});
Reads.before.each(async () => {
  t = await startTestServer(dir);
});
Reads.after.each(() => t.close());
Reads.after(() => removeDir(dir));

type Json = Record<string, unknown>;
const ids = (r: { json: unknown }) => listOf(r as never, 'findings').map((f) => f.finding_id);
const scan = async (id: string, account: string, region: string) =>
  write(t.url, '/v1/scans', { scan_id: id, snapshot_id: 'x', account_id: account, region });
const trackIn = (scanId: string, ...findings: string[]) =>
  write(t.url, '/v1/findings/track', { scan_id: scanId, findings: findings.map((id) => ({ finding_id: id, asset_id: `a-${id}`, rule_id: 'r' })) });

Reads('findings filter by account and region (from the scan that saw them)', async () => {
  await scan('s1', '111', 'us-east-1');
  await scan('s2', '111', 'eu-west-1');
  await scan('s3', '222', 'us-east-1');
  await trackIn('s1', 'f1', 'f2');
  await trackIn('s2', 'f3');
  await trackIn('s3', 'f4');
  assert.equal(ids(await get(t.url, '/v1/findings?account=111')), ['f1', 'f2', 'f3']);
  assert.equal(ids(await get(t.url, '/v1/findings?region=us-east-1')), ['f1', 'f2', 'f4']);
  assert.equal(ids(await get(t.url, '/v1/findings?account=111&region=eu-west-1')), ['f3']);
});

Reads('findings sort by last seen, newest first, and page by a cursor of that order', async () => {
  for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) {
    await write(t.url, '/v1/findings/track', { findings: [{ finding_id: id, asset_id: 'a', rule_id: 'r' }] });
    t.clock.advance(1);
  }
  await write(t.url, '/v1/findings/track', { findings: [{ finding_id: 'f2', asset_id: 'a', rule_id: 'r' }] });
  const first = await get(t.url, '/v1/findings?sort=-last_seen&limit=2');
  assert.equal(ids(first), ['f2', 'f5']);
  const cursor = (first.json as Json).next_cursor as string;
  const second = await get(t.url, `/v1/findings?sort=-last_seen&limit=2&cursor=${cursor}`);
  assert.equal(ids(second), ['f4', 'f3']);
  const third = await get(t.url, `/v1/findings?sort=-last_seen&limit=2&cursor=${(second.json as Json).next_cursor as string}`);
  assert.equal([ids(third), (third.json as Json).next_cursor], [['f1'], null]);
  assert.equal(ids(await get(t.url, '/v1/findings?sort=last_seen&limit=3')), ['f1', 'f3', 'f4']);
});

Reads('a cursor of another order, or an unknown sort, is 400 naming the parameter', async () => {
  const byId = await get(t.url, '/v1/findings?sort=-last_seen&cursor=f1');
  assert.equal([byId.status, (byId.json as Json).field], [400, 'cursor']);
  const sort = await get(t.url, '/v1/findings?sort=severity');
  assert.equal([sort.status, (sort.json as Json).field], [400, 'sort']);
});

Reads('the latest scan of each account and region is listed whatever its status', async () => {
  await scan('s1', '111', 'us-east-1');
  await write(t.url, '/v1/scans/s1/complete', { asset_count: 1, finding_count: 0 });
  t.clock.advance(5);
  await scan('s2', '111', 'us-east-1');
  await write(t.url, '/v1/scans/s2/complete', { asset_count: 1, finding_count: 0, error_message: 'AccessDenied' });
  await scan('s3', '222', 'eu-west-1');
  const r = await get(t.url, '/v1/scans/latest');
  assert.equal(listOf(r, 'scans').map((s) => [s.account_id, s.region, s.scan_id, s.status]), [
    ['111', 'us-east-1', 's2', 'failed'],
    ['222', 'eu-west-1', 's3', 'running'],
  ]);
});

Reads('schedules list their next fire times and never their shell command', async () => {
  await t.engine.jobs.add({ name: 'hourly', schedule: 'rate(1 hour)', command: 'scan --secret-ish' });
  await t.engine.jobs.add({ name: 'off', schedule: '0 3 * * *', enabled: false });
  const r = await get(t.url, '/v1/schedules?runs=3');
  const [hourly, off] = listOf(r, 'schedules');
  assert.is(hourly?.name, 'hourly');
  assert.equal(hourly?.next_runs, ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z', '2026-01-01T03:00:00.000Z']);
  assert.is(hourly?.next_run, '2026-01-01T01:00:00.000Z');
  assert.equal(off?.next_runs, []);
  assert.not.match(r.text, /secret-ish/);
  assert.is('command' in (hourly ?? {}), false);
});

Reads('a long poll answers as soon as another write moves the read models, with the new position', async () => {
  const now = ((await get(t.url, '/v1/changes')).json as Json).position as number;
  const waiting = get(t.url, `/v1/changes?after=${now}&wait=30`);
  const started = Date.now();
  const written = await write(t.url, '/v1/findings/track', { findings: [{ finding_id: 'f1', asset_id: 'a', rule_id: 'r' }] });
  const answer = await waiting;
  assert.is(answer.status, 200);
  assert.is((answer.json as Json).position, Number(written.headers['x-stance-position']));
  assert.ok(Date.now() - started < 5000);
});

Reads('a long poll with nothing new answers 200 with the same position once its wait is over', async () => {
  const now = ((await get(t.url, '/v1/changes')).json as Json).position as number;
  const r = await get(t.url, `/v1/changes?after=${now}&wait=0`);
  assert.equal([r.status, (r.json as Json).position], [200, now]);
  assert.is((await get(t.url, '/v1/changes?wait=61')).status, 400);
});

Reads('clients waiting on a quiet log add no polling of the database: the server’s one subscription serves them all', async () => {
  const now = ((await get(t.url, '/v1/changes')).json as Json).position as number;
  // A waiter must not poll on its own: Backend.waitFor polls every 25 ms per caller (some 800 calls for 20 clients
  // waiting a second); a waiter on the server's tracker costs a read of the positions when it comes and goes.
  const backend = t.engine.backend;
  const { waitFor } = backend;
  const { positions } = backend.models;
  let polls = 0;
  let reads = 0;
  backend.waitFor = (...args) => ((polls += 1), waitFor.apply(backend, args));
  backend.models.positions = () => ((reads += 1), positions.call(backend.models));
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(t.url, `/v1/changes?after=${now}&wait=1`)));
    assert.equal(answers.map((a) => (a.json as Json).position), Array.from({ length: 20 }, () => now));
  } finally {
    backend.waitFor = waitFor;
    backend.models.positions = positions;
  }
  assert.is(polls, 0, 'no waiter polls the store');
  assert.ok(reads <= 60, `${reads} reads of the positions for 20 waiters`);
});

Reads('/v1/me says what the role permits, so a client offers only those controls', async () => {
  const analyst = await mint(t.engine, 'alice', 'analyst');
  assert.equal(((await get(t.url, '/v1/me', { token: analyst })).json as Json).permissions, ['read', 'decide']);
  assert.equal(((await get(t.url, '/v1/me')).json as Json).permissions, ['read']);
});

Reads.run();
