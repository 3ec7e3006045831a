import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, startTestServer, write, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const Ops = suite(onBackend('api: health, metrics, openapi'));
let dir = '';
let t: TestServer;
Ops.before(async () => {
  dir = makeTempDir('api-ops');
  t = await startTestServer(dir);
});
Ops.after(async () => {
  await t.close();
  removeDir(dir);
});

type Json = Record<string, unknown>;

Ops('health reports the position, the head and each projection’s lag', async () => {
  await t.engine.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
  const r = await get(t.url, '/health');
  const h = r.json as Json;
  assert.equal([r.status, h.status, h.position, h.head, h.writes_enabled], [200, 'ok', 1, 1, true]);
  assert.ok(Object.values(h.lag as Json).every((n) => n === 0));
  assert.ok('findings' in (h.lag as Json));
});

Ops('metrics are Prometheus text: appended events, head, lag per projection, requests and latency per route', async () => {
  await write(t.url, '/v1/scans', { scan_id: 'm1', snapshot_id: 'x' });
  // The events-appended counter follows the subscription: wait until it has delivered the write.
  while (t.server.tracker.appended.get('ScanStarted') !== 1) await new Promise((r) => setTimeout(r, 5));
  await get(t.url, '/v1/findings/f1');
  await get(t.url, '/v1/findings/f2');
  await get(t.url, '/no/such/path');
  const r = await get(t.url, '/metrics');
  assert.is(r.status, 200);
  assert.match(r.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  const lines = r.text.trim().split('\n');
  for (const line of lines)
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{(\w+="(?:[^"\\]|\\.)*",?)+\})? -?[\d.e+-]+|\w+(\{.*\})? \+?Inf)$/, line);
  const value = (prefix: string) => Number(lines.find((l) => l.startsWith(prefix))?.split(' ').at(-1));
  assert.is(value('stance_state_head_position '), await headOf(t.engine));
  assert.is(value('stance_state_projection_lag_events{projection="findings"}'), 0);
  assert.is(value('stance_state_events_appended_total{type="ScanStarted"}'), 1);
  assert.is(value('stance_state_http_requests_total{method="GET",route="/v1/findings/{finding_id}",status="200"}'), 1);
  assert.is(value('stance_state_http_requests_total{method="GET",route="/v1/findings/{finding_id}",status="404"}'), 1);
  assert.is(value('stance_state_http_requests_total{method="GET",route="unmatched",status="404"}'), 1);
  assert.is(value('stance_state_http_request_duration_seconds_count{method="GET",route="/v1/findings/{finding_id}"}'), 2);
  assert.is(value('stance_state_http_request_duration_seconds_bucket{method="GET",route="/v1/findings/{finding_id}",le="+Inf"}'), 2);
  assert.ok(!r.text.includes('/v1/findings/f1'), 'raw paths never become labels');
});

Ops('the OpenAPI document describes every v1 route, and every reference resolves', async () => {
  const r = await get(t.url, '/openapi.json');
  const doc = r.json as { openapi: string; paths: Record<string, Record<string, Json>>; components: { schemas: Json } };
  assert.is(doc.openapi, '3.0.3');
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const expected = [
    'GET /v1/scans',
    'POST /v1/scans',
    'GET /v1/scans/last',
    'GET /v1/scans/{scan_id}',
    'POST /v1/scans/{scan_id}/complete',
    'GET /v1/findings',
    'GET /v1/findings/{finding_id}',
    'GET /v1/findings/{finding_id}/history',
    'POST /v1/findings/track',
    'POST /v1/findings/{finding_id}/resolve',
    'POST /v1/findings/{finding_id}/suppress',
    'POST /v1/findings/{finding_id}/unsuppress',
    'POST /v1/findings/{finding_id}/false-positive',
    'POST /v1/findings/{finding_id}/notes',
    'GET /v1/stats',
    'GET /v1/stats/daily',
    'GET /v1/sla/policy',
    'PUT /v1/sla/policy',
    'GET /v1/schemas',
    'PUT /v1/schemas/{type}',
    'GET /v1/scans/latest',
    'GET /v1/schedules',
    'GET /v1/sync',
    'GET /v1/changes',
    'GET /v1/checkpoints',
    'GET /v1/checkpoints/{collector}/{account}/{region}',
    'DELETE /v1/checkpoints/{collector}/{account}/{region}',
    'GET /v1/me',
    'GET /v1/access/tokens',
    'GET /v1/access/audit',
    'GET /v1/states',
    'POST /v1/states',
    'GET /v1/states/{state_id}',
    'GET /v1/states/{state_id}/history',
    'POST /v1/states/{state_id}/update',
    'POST /v1/states/{state_id}/rollback',
    'GET /v1/states/changes',
    'GET /v1/states/feed',
    'GET /v1/states/health',
    'GET /v1/states/types',
    'GET /v1/states/types/{type}',
    'POST /v1/states/types/{type}',
    'POST /v1/states/types/{type}/schema',
    'GET /v1/sessions',
    'GET /v1/sessions/stats',
    'POST /v1/sessions/recover',
    'POST /v1/sessions/cleanup',
    'POST /v1/sessions/vacuum',
    'POST /v1/sessions/checkpoints/{checkpoint_id}/restore',
    'GET /v1/sessions/{session_id}',
    'POST /v1/sessions/{session_id}',
    'GET /v1/sessions/{session_id}/document',
    'GET /v1/sessions/{session_id}/checkpoints',
    'POST /v1/sessions/{session_id}/checkpoints',
    'POST /v1/sessions/{session_id}/checkpoints/cleanup',
    'POST /v1/sessions/{session_id}/pause',
    'POST /v1/sessions/{session_id}/resume',
    'POST /v1/sessions/{session_id}/claim',
    'POST /v1/sessions/{session_id}/renew',
    'POST /v1/sessions/{session_id}/release',
  ];
  assert.equal(operations.sort(), expected.sort());
  const refs = [...r.text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] as string);
  for (const ref of new Set(refs)) assert.ok(ref in doc.components.schemas, ref);
  const list = doc.paths['/v1/findings']?.get as { parameters: { name: string }[] };
  assert.equal(list.parameters.map((p) => p.name), ['asset', 'lifecycle', 'rule', 'account', 'region', 'severity', 'sla', 'sort', 'limit', 'cursor', 'min_position']);
  const suppress = doc.components.schemas.Suppress as { required: string[]; properties: Json };
  // Every field may be absent to the codec; the engine asks for the reason (and the policy for an end) by name.
  assert.equal([suppress.required, Object.keys(suppress.properties)], [[], ['by', 'reason', 'until']]);
});

Ops.run();
