import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mint } from '../support/access.js';
import { request, startTestServer, writeToken, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

/*
 * Every route the server answers, with what it needs. Written out here rather than read off the routes: a route
 * added to the server fails the first test until someone decides (here) who may call it.
 */
type Need = 'open' | 'read' | 'ingest' | 'decide' | 'admin';
const needs: Readonly<Record<string, Need>> = {
  'GET /health': 'open',
  'GET /metrics': 'read',
  'GET /openapi.json': 'read',
  'GET /v1/me': 'read',
  'GET /v1/scans': 'read',
  'GET /v1/scans/last': 'read',
  'GET /v1/scans/{scan_id}': 'read',
  'GET /v1/findings': 'read',
  'GET /v1/findings/{finding_id}': 'read',
  'GET /v1/findings/{finding_id}/history': 'read',
  'GET /v1/stats': 'read',
  'GET /v1/stats/daily': 'read',
  'GET /v1/sla/policy': 'read',
  'PUT /v1/sla/policy': 'admin',
  'GET /v1/schemas': 'read',
  'PUT /v1/schemas/{type}': 'admin',
  'GET /v1/scans/latest': 'read',
  'GET /v1/schedules': 'read',
  'GET /v1/sync': 'read',
  'GET /v1/changes': 'read',
  'GET /v1/checkpoints': 'read',
  'GET /v1/checkpoints/{collector}/{account}/{region}': 'read',
  'GET /api/state/scans': 'read',
  'GET /api/state/scan': 'read',
  'GET /api/state/checkpoints': 'read',
  'GET /api/state/checkpoint': 'read',
  'GET /api/state/findings': 'read',
  'GET /api/state/finding': 'read',
  'GET /api/state/scan-statuses': 'read',
  'GET /api/state/lifecycles': 'read',
  'GET /api/state/backends': 'read',
  'GET /api/state/finding-stats': 'read',
  'GET /api/state/stats': 'read',
  'GET /api/state/status': 'read',
  'GET /api/state/summary': 'read',
  'POST /v1/scans': 'ingest',
  'POST /v1/scans/{scan_id}/complete': 'ingest',
  'POST /v1/findings/track': 'ingest',
  'DELETE /v1/checkpoints/{collector}/{account}/{region}': 'ingest',
  'POST /api/state/delete-checkpoint': 'ingest',
  'POST /v1/findings/{finding_id}/resolve': 'decide',
  'POST /v1/findings/{finding_id}/suppress': 'decide',
  'POST /v1/findings/{finding_id}/unsuppress': 'decide',
  'POST /v1/findings/{finding_id}/false-positive': 'decide',
  'POST /v1/findings/{finding_id}/notes': 'decide',
  'POST /api/state/suppress': 'decide',
  'POST /api/state/resolve': 'decide',
  'GET /v1/access/tokens': 'admin',
  'GET /v1/access/audit': 'admin',
  'GET /v1/states': 'read',
  'GET /v1/states/{state_id}': 'read',
  'GET /v1/states/{state_id}/history': 'read',
  'GET /v1/states/changes': 'read',
  'GET /v1/states/feed': 'read',
  'GET /v1/states/health': 'read',
  'GET /v1/states/types': 'read',
  'GET /v1/states/types/{type}': 'read',
  'POST /v1/states': 'ingest',
  'POST /v1/states/{state_id}/update': 'ingest',
  'POST /v1/states/{state_id}/rollback': 'decide',
  'POST /v1/states/types/{type}': 'admin',
  'POST /v1/states/types/{type}/schema': 'admin',
  'GET /v1/sessions': 'read',
  'GET /v1/sessions/stats': 'read',
  'GET /v1/sessions/{session_id}': 'read',
  'GET /v1/sessions/{session_id}/document': 'read',
  'GET /v1/sessions/{session_id}/checkpoints': 'read',
  'POST /v1/sessions/{session_id}': 'ingest',
  'POST /v1/sessions/{session_id}/checkpoints': 'ingest',
  'POST /v1/sessions/{session_id}/checkpoints/cleanup': 'ingest',
  'POST /v1/sessions/checkpoints/{checkpoint_id}/restore': 'ingest',
  'POST /v1/sessions/{session_id}/pause': 'ingest',
  'POST /v1/sessions/{session_id}/resume': 'ingest',
  'POST /v1/sessions/{session_id}/claim': 'ingest',
  'POST /v1/sessions/{session_id}/renew': 'ingest',
  'POST /v1/sessions/{session_id}/release': 'ingest',
  'POST /v1/sessions/recover': 'admin',
  'POST /v1/sessions/cleanup': 'admin',
  'POST /v1/sessions/vacuum': 'admin',
};

/** What each role may do, as the issue states it (scanner: the least a scanner service needs). */
const may: Readonly<Record<string, readonly Need[]>> = {
  viewer: ['open', 'read'],
  analyst: ['open', 'read', 'decide'],
  scanner: ['open', 'read', 'ingest'],
  admin: ['open', 'read', 'ingest', 'decide', 'admin'],
};

/** A body each write route accepts, so an allowed call gets past decoding and really writes. */
const bodies: Readonly<Record<string, unknown>> = {
  'POST /v1/scans': { scan_id: 's-new', snapshot_id: 'x' },
  'POST /v1/scans/{scan_id}/complete': { asset_count: 1, finding_count: 1 },
  'POST /v1/findings/track': { findings: [{ finding_id: 'f2', asset_id: 'a', rule_id: 'r' }] },
  'POST /v1/findings/{finding_id}/resolve': { reason: 'fixed' },
  'POST /v1/findings/{finding_id}/suppress': { reason: 'accepted' },
  'POST /v1/findings/{finding_id}/unsuppress': {},
  'POST /v1/findings/{finding_id}/false-positive': { reason: 'test account' },
  'POST /v1/findings/{finding_id}/notes': { text: 'seen' },
  'POST /api/state/suppress': { finding_id: 'f1', reason: 'accepted' },
  'POST /api/state/resolve': { finding_id: 'f1' },
  'POST /api/state/delete-checkpoint': { collector: 'c', account: 'a', region: 'r' },
  'POST /v1/states': { state_id: 'st-new', type: 'user', data: { n: 0 } },
  'POST /v1/states/{state_id}/update': { data: { n: 1 } },
  'POST /v1/states/{state_id}/rollback': { to_revision: 0 },
  'POST /v1/states/types/{type}': { table: { initial: 'open', transitions: { expire: { open: 'closed' } } } },
  'POST /v1/states/types/{type}/schema': { schema: { type: 'object' } },
  'POST /v1/sessions/{session_id}': { document: { step: 2 } },
  'POST /v1/sessions/{session_id}/checkpoints': { document: { step: 3 } },
  'POST /v1/sessions/{session_id}/checkpoints/cleanup': { keep_last: 1 },
  'POST /v1/sessions/checkpoints/{checkpoint_id}/restore': {},
  'POST /v1/sessions/{session_id}/renew': { fence: 1 },
  'POST /v1/sessions/{session_id}/release': { fence: 1 },
  'POST /v1/sessions/cleanup': { older_than_days: 30 },
  'PUT /v1/sla/policy': { critical_days: 3 },
  'PUT /v1/schemas/{type}': { write_schema: 2 },
};

/** Each session write acts on a session set up for it (a hold blocks another's claim; resume needs a paused one). */
const sessionFor: Readonly<Record<string, string>> = { claim: 'sess-free', renew: 'sess-held', release: 'sess-held2', resume: 'sess-paused' };
let checkpointId = '';

const concrete = (path: string) =>
  path
    .replace('{session_id}', sessionFor[path.split('/').at(-1) ?? ''] ?? 'sess1')
    .replace('{checkpoint_id}', checkpointId)
    .replace('{state_id}', 'st1')
    .replace('{type}', path.startsWith('/v1/schemas/') ? 'FindingTracked' : 'deployed')
    .replace('{finding_id}', 'f1')
    .replace('{scan_id}', 's1')
    .replace('{collector}', 'c')
    .replace('{account}', 'a')
    .replace('{region}', 'r');

const Roles = suite(onBackend('api: roles and route permissions'));
let dir = '';
let t: TestServer;
const tokens: Record<string, string> = {};
Roles.before(() => {
  dir = makeTempDir('api-roles');
});
Roles.before.each(async () => {
  t = await startTestServer(dir);
  for (const role of ['viewer', 'analyst', 'scanner', 'admin'] as const) tokens[role] = await mint(t.engine, `${role}-1`, role);
  // Something for each write to act on: a running scan with a finding, and a checkpoint.
  await t.engine.startScan({ scanId: 's1', snapshotId: 'x', accountId: 'a', region: 'r' });
  await t.engine.trackFinding({ findingId: 'f1', assetId: 'a1', ruleId: 'r1', scanId: 's1' });
  await t.engine.updateCheckpoint({ collector: 'c', accountId: 'a', region: 'r', scanId: 's1' });
  // A typed state, a deployment type, and sessions in the states the session routes act on.
  await t.engine.states.register({ stateId: 'st1', type: 'user', data: { n: 0 } });
  await t.engine.states.defineType('deployed', { initial: 'open', transitions: {} });
  for (const id of ['sess1', 'sess-free', 'sess-held', 'sess-held2', 'sess-paused']) await t.engine.sessions.save(id, { step: 1 });
  checkpointId = (await t.engine.sessions.createCheckpoint('sess1', { step: 1 })).checkpoint_id;
  await t.engine.sessions.claim('sess-held', { owner: 'tester' });
  await t.engine.sessions.claim('sess-held2', { owner: 'tester' });
  await t.engine.sessions.pause('sess-paused');
});
Roles.after.each(() => t.close());
Roles.after(() => removeDir(dir));

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

Roles('the table names every route the server answers, and only those', () => {
  assert.equal(t.server.routes.map(key).sort(), Object.keys(needs).sort());
});

for (const [role, allowed] of Object.entries(may))
  Roles(`${role}: allowed exactly its routes (a write then succeeds); a refusal is 403, names the role, writes nothing`, async () => {
    for (const route of t.server.routes) {
      const need = needs[key(route)] as Need;
      const head = await headOf(t.engine);
      const r = await request(t.url, route.method, concrete(route.path), { token: tokens[role] as string, body: bodies[key(route)] });
      const label = `${role} ${key(route)} -> ${r.status} ${r.text.slice(0, 200)}`;
      if (allowed.includes(need)) {
        assert.ok(r.status !== 401 && r.status !== 403 && r.status < 500, label);
        if (route.method !== 'GET') assert.ok(r.status < 300, label);
      } else {
        assert.is(r.status, 403, label);
        assert.match((r.json as { error: string }).error, `(role ${role})`, label);
        assert.is(await headOf(t.engine), head, `${label}: the log moved`);
      }
    }
  });

Roles('the legacy write token is an admin service identity: every route is open to it', async () => {
  for (const route of t.server.routes) {
    const r = await request(t.url, route.method, concrete(route.path), { token: writeToken, body: bodies[key(route)] });
    assert.ok(r.status !== 401 && r.status !== 403 && r.status < 500, `${key(route)} -> ${r.status} ${r.text}`);
  }
});

Roles('the legacy read token reads everything but the admin routes and writes nothing', async () => {
  await t.close();
  t = await startTestServer(dir, { readToken: 'legacy-read-token-0123' });
  await t.engine.startScan({ scanId: 's1', snapshotId: 'x' });
  const head = await headOf(t.engine);
  for (const route of t.server.routes) {
    const need = needs[key(route)] as Need;
    const r = await request(t.url, route.method, concrete(route.path), { token: 'legacy-read-token-0123', body: bodies[key(route)] });
    if (need === 'open' || need === 'read') assert.ok(r.status !== 401 && r.status !== 403, `${key(route)} -> ${r.status}`);
    else assert.is(r.status, 403, key(route));
  }
  assert.is(await headOf(t.engine), head);
});

Roles('without a token every write and admin route is 401 and writes nothing; reads stay open on loopback', async () => {
  const head = await headOf(t.engine);
  for (const route of t.server.routes) {
    const need = needs[key(route)] as Need;
    const r = await request(t.url, route.method, concrete(route.path), { body: bodies[key(route)] });
    if (need === 'open' || need === 'read') assert.ok(r.status !== 401 && r.status !== 403, `${key(route)} -> ${r.status}`);
    else assert.is(r.status, 401, key(route));
  }
  assert.is(await headOf(t.engine), head);
});

Roles('a token that is not valid is 401 everywhere but the open routes, reads on loopback included', async () => {
  const bad = `${tokens.admin as string}x`;
  for (const route of t.server.routes) {
    const r = await request(t.url, route.method, concrete(route.path), { token: bad, body: bodies[key(route)] });
    if (needs[key(route)] === 'open') assert.is(r.status, 200);
    else assert.is(r.status, 401, key(route));
  }
});

Roles.run();
