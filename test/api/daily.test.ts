import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, startTestServer, write, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Daily = suite('api: GET /v1/stats/daily');
let dir = '';
let t: TestServer;
Daily.before(() => {
  dir = makeTempDir('api-daily');
});
Daily.before.each(async () => {
  t = await startTestServer(dir);
});
Daily.after.each(() => t.close());
Daily.after(() => removeDir(dir));

type Json = Record<string, unknown>;
const f = (id: string) => ({ finding_id: id, asset_id: `asset-${id}`, rule_id: 'rule-1' });
const track = (...ids: string[]) => write(t.url, '/v1/findings/track', { findings: ids.map(f) });

/** Day 1: three new; day 2: one resolved, one suppressed; day 3: the resolved one is seen again. */
const story = async () => {
  t.clock.advance(60);
  await track('f1', 'f2', 'f3');
  t.clock.days(1);
  await write(t.url, '/v1/findings/f1/resolve', { reason: 'fixed' });
  await write(t.url, '/v1/findings/f2/suppress', { reason: 'accepted risk' });
  t.clock.days(1);
  await track('f1');
};

Daily('each day has its new and resolved findings and the open count at its end', async () => {
  await story();
  const r = await get(t.url, '/v1/stats/daily?from=2025-12-31&to=2026-01-04');
  assert.is(r.status, 200);
  assert.equal(r.json, {
    from: '2025-12-31',
    to: '2026-01-04',
    days: [
      { day: '2025-12-31', new: 0, resolved: 0, open: 0 },
      { day: '2026-01-01', new: 3, resolved: 0, open: 3 },
      { day: '2026-01-02', new: 0, resolved: 1, open: 1 },
      { day: '2026-01-03', new: 0, resolved: 0, open: 2 },
      { day: '2026-01-04', new: 0, resolved: 0, open: 2 },
    ],
  });
});

Daily('the last day of a window ending today agrees with the open count of /v1/stats', async () => {
  await story();
  const stats = (await get(t.url, '/v1/stats')).json as Json;
  const series = (await get(t.url, '/v1/stats/daily')).json as { to: string; days: Json[] };
  assert.equal([stats.open, stats.total], [2, 3]);
  assert.is(series.to, '2026-01-03', 'today on the server clock');
  assert.is(series.days.length, 30);
  assert.is(series.days.at(-1)?.open, stats.open);
  assert.is(series.days.reduce((n, d) => n + (d.new as number), 0), stats.total);
});

Daily('a window starting after the story began carries the open count in', async () => {
  await story();
  const r = await get(t.url, '/v1/stats/daily?from=2026-01-03&to=2026-01-03');
  assert.equal((r.json as Json).days, [{ day: '2026-01-03', new: 0, resolved: 0, open: 2 }]);
});

Daily('a bounded window is cacheable by position; an open-ended one is not', async () => {
  await story();
  const bounded = await get(t.url, '/v1/stats/daily?from=2026-01-01&to=2026-01-03');
  assert.ok(bounded.headers.etag);
  const again = await get(t.url, '/v1/stats/daily?from=2026-01-01&to=2026-01-03', { headers: { 'if-none-match': bounded.headers.etag ?? '' } });
  assert.is(again.status, 304);
  assert.is((await get(t.url, '/v1/stats/daily')).headers.etag, undefined);
});

Daily('bad bounds are 400 naming the parameter', async () => {
  const cases: [string, string][] = [
    ['from=2026-13-01', 'from'],
    ['from=2026-01-05&to=2026-01-01', 'from'],
    ['from=2020-01-01&to=2026-01-01', 'to'],
    ['days=7', 'days'],
  ];
  for (const [query, field] of cases) {
    const r = await get(t.url, `/v1/stats/daily?${query}`);
    assert.is(r.status, 400, query);
    assert.is((r.json as Json).field, field, query);
  }
});

Daily('the route is in the OpenAPI document with its parameters and answer', async () => {
  const doc = (await get(t.url, '/openapi.json')).json as { paths: Record<string, { get?: { parameters: { name: string }[] } }>; components: { schemas: Json } };
  const op = doc.paths['/v1/stats/daily']?.get;
  assert.ok(op);
  assert.equal(op?.parameters.map((p) => p.name), ['from', 'to', 'min_position']);
  assert.ok(doc.components.schemas.DailySeries);
});

Daily.run();
