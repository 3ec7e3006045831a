import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, listOf, request, startTestServer, write, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const V1 = suite(onBackend('api: REST v1'));
let dir = '';
let t: TestServer;
V1.before(() => {
  dir = makeTempDir('api-v1');
});
V1.before.each(async () => {
  t = await startTestServer(dir);
});
V1.after.each(() => t.close());
V1.after(() => removeDir(dir));

type Json = Record<string, unknown>;
const body = (r: { json: unknown }) => r.json as Json;
const startScan = (scanId: string, extra: Json = {}) => write(t.url, '/v1/scans', { scan_id: scanId, snapshot_id: `snap-${scanId}`, ...extra });
const track = (findings: Json[], scanId?: string) => write(t.url, '/v1/findings/track', { ...(scanId ? { scan_id: scanId } : {}), findings });
const f = (id: string, asset = 'asset-1', rule = 'rule-1') => ({ finding_id: id, asset_id: asset, rule_id: rule });

V1('starting a scan answers 201 with its record, a Location and the position of the write', async () => {
  const r = await startScan('s1', { account_id: '111', region: 'eu-west-1', collectors: ['iam'] });
  assert.is(r.status, 201);
  assert.is(r.headers.location, '/v1/scans/s1');
  assert.is(r.headers['x-stance-position'], '1');
  assert.equal([body(r).scan_id, body(r).status, body(r).account_id, body(r).collectors], ['s1', 'running', '111', ['iam']]);
  const again = await get(t.url, '/v1/scans/s1');
  assert.is(again.status, 200);
  assert.equal(again.json, r.json);
});

V1('starting a scan twice is 409 and completing an unknown scan is 404', async () => {
  await startScan('s1');
  const twice = await startScan('s1');
  assert.is(twice.status, 409);
  assert.is(body(twice).code, 'illegal_transition');
  const unknown = await write(t.url, '/v1/scans/nope/complete', { asset_count: 1, finding_count: 0 });
  assert.is(unknown.status, 404);
  assert.is(body(unknown).code, 'unknown_scan');
});

V1('completing a scan twice is 409; the last completed scan is found per account', async () => {
  await startScan('s1', { account_id: 'a' });
  t.clock.advance(5);
  await startScan('s2', { account_id: 'b' });
  const done = await write(t.url, '/v1/scans/s1/complete', { asset_count: 10, finding_count: 2 });
  assert.equal([done.status, body(done).status, body(done).duration_seconds], [200, 'completed', 300]);
  assert.is((await write(t.url, '/v1/scans/s1/complete', { asset_count: 10, finding_count: 2 })).status, 409);
  await write(t.url, '/v1/scans/s2/complete', { asset_count: 1, finding_count: 0, error_message: 'boom' });
  assert.is(body(await get(t.url, '/v1/scans/last?account=a')).scan_id, 's1');
  assert.is((await get(t.url, '/v1/scans/last?account=b')).status, 404, 'a failed scan is not a completed one');
});

V1('an unknown scan id is 404 with its code', async () => {
  const r = await get(t.url, '/v1/scans/missing');
  assert.is(r.status, 404);
  assert.equal(body(r), { error: 'scan missing is not known', code: 'unknown_scan' });
});

V1('scans list newest first, filter, and page with an opaque cursor', async () => {
  for (let i = 0; i < 5; i += 1) {
    await startScan(`s${i}`, { account_id: i % 2 === 0 ? 'even' : 'odd' });
    t.clock.advance(1);
  }
  const first = await get(t.url, '/v1/scans?limit=2');
  assert.equal(listOf<Json>(first, 'scans').map((s) => s.scan_id), ['s4', 's3']);
  const cursor = body(first).next_cursor as string;
  const second = await get(t.url, `/v1/scans?limit=2&cursor=${cursor}`);
  assert.equal(listOf<Json>(second, 'scans').map((s) => s.scan_id), ['s2', 's1']);
  const last = await get(t.url, `/v1/scans?limit=2&cursor=${body(second).next_cursor as string}`);
  assert.equal([listOf<Json>(last, 'scans').map((s) => s.scan_id), body(last).next_cursor], [['s0'], null]);
  const even = await get(t.url, '/v1/scans?account=even&status=running&since=2026-01-01T00:02:00Z');
  assert.equal(listOf<Json>(even, 'scans').map((s) => s.scan_id), ['s4', 's2']);
});

V1('a forged scan cursor is 400 naming cursor', async () => {
  const r = await get(t.url, '/v1/scans?cursor=bm90LWpzb24');
  assert.is(r.status, 400);
  assert.equal([body(r).field, body(r).value], ['cursor', 'bm90LWpzb24']);
});

V1('tracking a batch reports counts and position; findings list by asset, lifecycle and rule', async () => {
  await startScan('s1');
  const r = await track([f('f1', 'a1', 'r1'), f('f2', 'a1', 'r2'), f('f3', 'a2', 'r1')], 's1');
  assert.is(r.status, 200);
  assert.equal([body(r).tracked, body(r).new], [3, 3]);
  assert.is(r.headers['x-stance-position'], String(body(r).position));
  const ids = async (query: string) => listOf<Json>(await get(t.url, `/v1/findings${query}`), 'findings').map((x) => x.finding_id);
  assert.equal(await ids('?asset=a1'), ['f1', 'f2']);
  assert.equal(await ids('?rule=r1'), ['f1', 'f3']);
  const again = await track([f('f1', 'a1', 'r1')], 's1');
  assert.equal([body(again).tracked, body(again).already_seen], [0, 1], 'one scan sights a finding once');
  await startScan('s2');
  await track([f('f1', 'a1', 'r1')], 's2');
  assert.equal(await ids('?lifecycle=recurring'), ['f1']);
  assert.equal(await ids('?asset=a1&lifecycle=new'), ['f2']);
});

V1('findings page by id with next_cursor until it is null', async () => {
  await track(Array.from({ length: 7 }, (_, i) => f(`f${i}`)));
  const seen: unknown[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page = await get(t.url, `/v1/findings?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...listOf<Json>(page, 'findings').map((x) => x.finding_id));
    cursor = body(page).next_cursor as string | null;
  }
  assert.equal(seen, ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
});

V1('decisions change a finding and its history records who and why', async () => {
  await track([f('f1')]);
  t.clock.advance(10);
  const suppressed = await write(t.url, '/v1/findings/f1/suppress', { by: 'alice', reason: 'accepted risk' });
  assert.equal([suppressed.status, body(suppressed).lifecycle, body(suppressed).suppressed_by], [200, 'suppressed', 'alice']);
  const lifted = await write(t.url, '/v1/findings/f1/unsuppress', { by: 'alice' });
  assert.is(body(lifted).lifecycle, 'recurring');
  const noted = await write(t.url, '/v1/findings/f1/notes', { by: 'bob', text: 'ticket SEC-1' });
  assert.equal(body(noted).notes, ['ticket SEC-1']);
  const fp = await write(t.url, '/v1/findings/f1/false-positive', { by: 'bob', reason: 'test account' });
  assert.is(body(fp).lifecycle, 'false_positive');
  const resolved = await write(t.url, '/v1/findings/f1/resolve', {});
  assert.is(body(resolved).lifecycle, 'resolved');
  const history = await get(t.url, '/v1/findings/f1/history');
  const entries = listOf<Json>(history, 'history');
  assert.equal(entries.map((e) => e.type), [
    'FindingTracked',
    'FindingSuppressed',
    'FindingUnsuppressed',
    'FindingNoteAdded',
    'FindingMarkedFalsePositive',
    'FindingResolved',
  ]);
  // The shared token is an admin service identity: it is the actor, and the person it names is on whose behalf.
  assert.equal([entries[1]?.actor, entries[1]?.on_behalf_of, entries[1]?.reason], ['service-token', 'alice', 'accepted risk']);
});

V1('lifting a suppression that is not there is 409; deciding on an unknown finding is 404', async () => {
  await track([f('f1')]);
  const r = await write(t.url, '/v1/findings/f1/unsuppress', { by: 'alice' });
  assert.equal([r.status, body(r).code], [409, 'illegal_transition']);
  assert.is((await write(t.url, '/v1/findings/nope/resolve')).status, 404);
  assert.is((await get(t.url, '/v1/findings/nope')).status, 404);
  assert.is((await get(t.url, '/v1/findings/nope/history')).status, 404);
});

V1('as_of replays a finding as it stood then', async () => {
  await track([f('f1')]);
  const before = t.clock.iso();
  t.clock.advance(60);
  await write(t.url, '/v1/findings/f1/resolve', { by: 'carol' });
  assert.is(body(await get(t.url, '/v1/findings/f1')).lifecycle, 'resolved');
  assert.is(body(await get(t.url, `/v1/findings/f1?as_of=${before}`)).lifecycle, 'new');
  assert.is((await get(t.url, '/v1/findings/f1?as_of=2025-01-01')).status, 404);
  const bad = await get(t.url, '/v1/findings/f1?as_of=2026-01-01T00:00:00');
  assert.equal([bad.status, body(bad).field], [400, 'as_of']);
});

V1('an id with a slash is addressed percent-encoded', async () => {
  await track([f('arn:aws:s3:::bucket/key')]);
  const r = await get(t.url, `/v1/findings/${encodeURIComponent('arn:aws:s3:::bucket/key')}`);
  assert.equal([r.status, body(r).finding_id], [200, 'arn:aws:s3:::bucket/key']);
});

V1('stats count every lifecycle', async () => {
  await track([f('f1'), f('f2'), f('f3')]);
  await write(t.url, '/v1/findings/f1/resolve');
  const stats = body(await get(t.url, '/v1/stats'));
  assert.equal([stats.total, stats.new, stats.resolved, stats.open], [3, 2, 1, 2]);
});

V1('checkpoints list, show, and delete; deleting twice is 404', async () => {
  await t.engine.startScan({ scanId: 's1', snapshotId: 'x' });
  await t.engine.updateCheckpoint({ collector: 'iam', accountId: '111', region: 'us-east-1', scanId: 's1', cursor: 'c1' });
  await t.engine.updateCheckpoint({ collector: 'iam', accountId: '111', region: 'global', scanId: 's1' });
  const list = listOf<Json>(await get(t.url, '/v1/checkpoints?collector=iam'), 'checkpoints');
  assert.is(list.length, 2);
  const one = await get(t.url, '/v1/checkpoints/iam/111/us-east-1');
  assert.equal([one.status, body(one).cursor], [200, 'c1']);
  const empty = await get(t.url, '/v1/checkpoints/iam//');
  assert.equal([empty.status, (empty.json as { field?: string }).field], [400, 'account'], 'an empty account is bad input');
  const del = await request(t.url, 'DELETE', '/v1/checkpoints/iam/111/us-east-1', { token: 'test-write-token-0123456789' });
  assert.equal([del.status, body(del).deleted], [200, true]);
  const again = await request(t.url, 'DELETE', '/v1/checkpoints/iam/111/us-east-1', { token: 'test-write-token-0123456789' });
  assert.is(again.status, 404);
  assert.is((await get(t.url, '/v1/checkpoints/iam/111/us-east-1')).status, 404);
});

V1('malformed parameters are 400 with {error, field, value}', async () => {
  const cases: [string, string, unknown][] = [
    ['/v1/findings?limit=0', 'limit', '0'],
    ['/v1/findings?limit=ten', 'limit', 'ten'],
    ['/v1/findings?lifecycle=open', 'lifecycle', 'open'],
    ['/v1/scans?status=done', 'status', 'done'],
    ['/v1/scans?since=yesterday', 'since', 'yesterday'],
    ['/v1/scans?limit=1&limit=2', 'limit', ['1', '2']],
    ['/v1/stats?verbose=1', 'verbose', '1'],
    ['/v1/stats?min_position=-1', 'min_position', '-1'],
  ];
  for (const [path, field, value] of cases) {
    const r = await get(t.url, path);
    assert.is(r.status, 400, path);
    assert.equal([body(r).field, body(r).value], [field, value], path);
    assert.type(body(r).error, 'string');
  }
});

V1('malformed bodies are 400 naming the field, and nothing is written', async () => {
  const head = await headOf(t.engine);
  const cases: [string, unknown, string][] = [
    ['/v1/scans', { scan_id: '', snapshot_id: 'x' }, 'scan_id'],
    ['/v1/scans', { scan_id: 's', snapshot_id: 'x', full_scope: 'yes' }, 'full_scope'],
    ['/v1/scans', { scan_id: 's', snapshot_id: 'x', acount_id: '1' }, 'acount_id'],
    ['/v1/scans', [], 'body'],
    ['/v1/findings/track', { findings: [] }, 'findings'],
    ['/v1/findings/track', { findings: [f('a'), { finding_id: 'b', asset_id: 'x' }] }, 'findings[1].rule_id'],
    ['/v1/findings/f1/suppress', { by: 'x', untill: '2030-01-01' }, 'untill'],
    ['/v1/findings/f1/suppress', { by: 'x', until: 'soon' }, 'until'],
    ['/v1/findings/f1/notes', { by: 'x', text: '   ' }, 'text'],
  ];
  for (const [path, payload, field] of cases) {
    const r = await write(t.url, path, payload);
    assert.is(r.status, 400, `${path} ${JSON.stringify(payload)}`);
    assert.is(body(r).field, field, `${path} ${JSON.stringify(payload)}`);
  }
  assert.is(await headOf(t.engine), head);
});

V1('every answer carries the position; a read sends it as ETag and If-None-Match gets 304 until a write', async () => {
  await track([f('f1')]);
  const first = await get(t.url, '/v1/findings/f1/history');
  const etag = first.headers.etag as string;
  assert.is(etag, `"${first.headers['x-stance-position'] as string}"`);
  const cached = await get(t.url, '/v1/findings/f1/history', { headers: { 'if-none-match': etag } });
  assert.equal([cached.status, cached.text, cached.headers.etag], [304, '', etag]);
  const weak = await get(t.url, '/v1/findings/f1/history', { headers: { 'if-none-match': `"0", W/${etag}` } });
  assert.is(weak.status, 304);
  await write(t.url, '/v1/findings/f1/resolve');
  const fresh = await get(t.url, '/v1/findings/f1/history', { headers: { 'if-none-match': etag } });
  assert.is(fresh.status, 200);
  assert.is.not(fresh.headers.etag, etag);
  assert.is((body(fresh).history as Json[]).at(-1)?.lifecycle, 'resolved');
});

V1('finding records and stats carry no position ETag: sla_breached turns with the clock, not only with the log', async () => {
  await track([f('f1')]);
  for (const path of ['/v1/findings/f1', '/v1/findings', '/v1/stats']) assert.is((await get(t.url, path)).headers.etag, undefined, path);
});

V1('HEAD answers like GET without a body', async () => {
  const r = await request(t.url, 'HEAD', '/v1/scans');
  assert.equal([r.status, r.text], [200, '']);
  assert.ok(r.headers.etag);
});

V1.run();
