import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mint } from '../support/access.js';
import { get, listOf, post, request, startTestServer, writeToken, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf, streamOf } from '../support/log.js';

type Json = Record<string, unknown>;
const body = (r: { json: unknown }) => r.json as Json;

const Ids = suite(onBackend('api: identities, actors and scopes'));
let dir = '';
let t: TestServer;
Ids.before(() => {
  dir = makeTempDir('api-identities');
});
Ids.before.each(async () => {
  t = await startTestServer(dir);
  // f1 lives in account a / region r1, f2 in account b / region r1.
  for (const [scan, account] of [['s-a', 'a'], ['s-b', 'b']] as const) {
    await t.engine.startScan({ scanId: scan, snapshotId: 'x', accountId: account, region: 'r1' });
  }
  await t.engine.trackFinding({ findingId: 'f1', assetId: 'x1', ruleId: 'r', scanId: 's-a' });
  await t.engine.trackFinding({ findingId: 'f2', assetId: 'x2', ruleId: 'r', scanId: 's-b' });
});
Ids.after.each(() => t.close());
Ids.after(() => removeDir(dir));

const history = async (id: string) => listOf<Json>(await get(t.url, `/v1/findings/${id}/history`), 'history');
const lastMeta = async (id: string) => (await streamOf(t.engine, `finding-${id}`)).at(-1)?.meta;

/** Each decision route with a body it accepts, and where that body's `by` goes. */
const decisions: readonly [string, Json][] = [
  ['/v1/findings/f1/suppress', { reason: 'accepted' }],
  ['/v1/findings/f1/unsuppress', {}],
  ['/v1/findings/f1/notes', { text: 'looked at it' }],
  ['/v1/findings/f1/false-positive', { reason: 'test account' }],
  ['/v1/findings/f1/resolve', { reason: 'fixed' }],
];

Ids('the actor in history is the token’s name, with its role and id, whatever the body says', async () => {
  const token = await mint(t.engine, 'alice', 'analyst');
  const { token_id: id } = (await t.engine.access.listTokens()).find((k) => k.name === 'alice') ?? {};
  for (const [path, b] of decisions) {
    const head = await headOf(t.engine);
    const impostor = await post(t.url, path, { ...b, by: 'mallory' }, { token });
    assert.equal([impostor.status, body(impostor).field], [400, 'by'], path);
    assert.is(await headOf(t.engine), head, `${path}: nothing written`);
    const own = await post(t.url, path, { ...b, by: 'alice' }, { token });
    assert.is(own.status, 200, `${path} ${own.text}`);
  }
  const entries = (await history('f1')).slice(1);
  assert.is(entries.length, decisions.length);
  for (const e of entries) {
    assert.equal([e.actor, e.on_behalf_of, e.actor_role, e.actor_via, e.actor_token_id], ['alice', null, 'analyst', 'token', id]);
    assert.not.ok(JSON.stringify(e).includes('mallory'));
  }
  assert.equal(await lastMeta('f1'), { ...(await lastMeta('f1')), actor: 'alice', actorRole: 'analyst', actorTokenId: id, actorVia: 'token' });
});

Ids('a decision without a by is the identity’s own; the record names it', async () => {
  const token = await mint(t.engine, 'alice', 'analyst');
  const r = await post(t.url, '/v1/findings/f1/suppress', { reason: 'accepted' }, { token });
  assert.equal([body(r).suppressed_by, (await history('f1'))[1]?.actor], ['alice', 'alice']);
});

Ids('a service identity acts on behalf of the person it names, recorded beside it', async () => {
  const token = await mint(t.engine, 'jira', 'analyst', { service: true });
  const r = await post(t.url, '/v1/findings/f1/suppress', { by: 'bob', reason: 'SEC-12 accepted' }, { token });
  assert.equal([r.status, body(r).suppressed_by], [200, 'bob']);
  const e = (await history('f1'))[1] ?? {};
  assert.equal([e.actor, e.on_behalf_of, e.actor_role], ['jira', 'bob', 'analyst']);
  assert.equal([(await lastMeta('f1'))?.actor, (await lastMeta('f1'))?.onBehalfOf], ['jira', 'bob']);
});

Ids('the legacy token acts for whoever the original’s routes name, and is recorded as itself', async () => {
  const r = await post(t.url, '/api/state/suppress', { finding_id: 'f1', by: 'carol', reason: 'accepted' }, { token: writeToken });
  assert.equal([r.status, body(r).suppressed_by], [200, 'carol']);
  const e = (await history('f1'))[1] ?? {};
  assert.equal([e.actor, e.on_behalf_of, e.actor_role, e.actor_via], ['service-token', 'carol', 'admin', 'legacy-token']);
});

Ids('a person naming someone else on the original’s suppress route is refused too', async () => {
  const token = await mint(t.engine, 'alice', 'analyst');
  const head = await headOf(t.engine);
  const r = await post(t.url, '/api/state/suppress', { finding_id: 'f1', by: 'admin', reason: 'x' }, { token });
  assert.equal([r.status, body(r).field], [400, 'by']);
  assert.is(await headOf(t.engine), head);
});

Ids('a decision on a finding outside the token’s scopes is 403 and writes nothing', async () => {
  const token = await mint(t.engine, 'alice', 'analyst', { scopes: ['a'] });
  const paths = [...decisions.map(([p, b]) => [p.replace('f1', 'f2'), b] as const), ['/api/state/suppress', { finding_id: 'f2', reason: 'x' }] as const, ['/api/state/resolve', { finding_id: 'f2' }] as const];
  for (const [path, b] of paths) {
    const head = await headOf(t.engine);
    const r = await post(t.url, path, b, { token });
    assert.is(r.status, 403, `${path} ${r.text}`);
    assert.match(body(r).error as string, /account b/);
    assert.is(await headOf(t.engine), head, path);
  }
  assert.is(body(await get(t.url, '/v1/findings/f2')).lifecycle, 'new');
  assert.is((await post(t.url, '/v1/findings/f1/resolve', {}, { token })).status, 200, 'in scope');
});

Ids('a region scope covers that region of the account only', async () => {
  await t.engine.startScan({ scanId: 's-a2', snapshotId: 'x', accountId: 'a', region: 'r2' });
  await t.engine.trackFinding({ findingId: 'f3', assetId: 'x3', ruleId: 'r', scanId: 's-a2' });
  const token = await mint(t.engine, 'alice', 'analyst', { scopes: ['a/r1'] });
  assert.is((await post(t.url, '/v1/findings/f3/resolve', {}, { token })).status, 403);
  assert.is((await post(t.url, '/v1/findings/f1/resolve', {}, { token })).status, 200);
});

Ids('a scanner outside its scopes can start, feed, complete nothing and delete no checkpoint', async () => {
  const token = await mint(t.engine, 'scanner-a', 'scanner', { scopes: ['a'] });
  await t.engine.updateCheckpoint({ collector: 'c', accountId: 'b', region: 'r1', scanId: 's-b' });
  const head = await headOf(t.engine);
  const refused: [string, string, Json | undefined][] = [
    ['POST', '/v1/scans', { scan_id: 's-new', snapshot_id: 'x', account_id: 'b' }],
    ['POST', '/v1/scans', { scan_id: 's-new', snapshot_id: 'x' }],
    ['POST', '/v1/findings/track', { scan_id: 's-b', findings: [{ finding_id: 'f9', asset_id: 'x', rule_id: 'r' }] }],
    ['POST', '/v1/findings/track', { findings: [{ finding_id: 'f9', asset_id: 'x', rule_id: 'r' }] }],
    ['POST', '/v1/findings/track', { findings: [{ finding_id: 'f8', asset_id: 'x', rule_id: 'r', scan_id: 's-a' }, { finding_id: 'f9', asset_id: 'x', rule_id: 'r', scan_id: 's-b' }] }],
    ['POST', '/v1/scans/s-b/complete', { asset_count: 1, finding_count: 1 }],
    ['DELETE', '/v1/checkpoints/c/b/r1', undefined],
    ['POST', '/api/state/delete-checkpoint', { collector: 'c', account: 'b', region: 'r1' }],
  ];
  for (const [method, path, b] of refused) {
    const r = await request(t.url, method, path, { token, body: b });
    assert.is(r.status, 403, `${method} ${path} ${JSON.stringify(b)} -> ${r.text}`);
    assert.is(await headOf(t.engine), head, `${method} ${path}: nothing written`);
  }
  const ok = await post(t.url, '/v1/findings/track', { scan_id: 's-a', findings: [{ finding_id: 'f1', asset_id: 'x1', rule_id: 'r' }] }, { token });
  assert.is(ok.status, 200);
  assert.is((await post(t.url, '/v1/scans', { scan_id: 's-a9', snapshot_id: 'x', account_id: 'a', region: 'anywhere' }, { token })).status, 201);
});

Ids('a token revoked or expired is refused from the next request on', async () => {
  const token = await mint(t.engine, 'alice', 'analyst', { expiresAt: '2026-01-02T00:00:00.000Z' });
  assert.is((await post(t.url, '/v1/findings/f1/notes', { text: 'a' }, { token })).status, 200);
  t.clock.days(2);
  assert.is((await post(t.url, '/v1/findings/f1/notes', { text: 'b' }, { token })).status, 401);
  assert.is((await get(t.url, '/v1/stats', { token })).status, 401);
  const other = await mint(t.engine, 'bob', 'analyst');
  assert.is((await post(t.url, '/v1/findings/f1/notes', { text: 'c' }, { token: other })).status, 200);
  await t.engine.access.revokeToken('bob');
  assert.is((await post(t.url, '/v1/findings/f1/notes', { text: 'd' }, { token: other })).status, 401);
});

Ids('/v1/me says who a request authenticated as', async () => {
  const token = await mint(t.engine, 'alice', 'analyst', { scopes: ['a'] });
  const me = body(await get(t.url, '/v1/me', { token }));
  assert.equal([me.name, me.role, me.kind, me.scopes, me.via], ['alice', 'analyst', 'person', ['a'], 'token']);
  assert.is(body(await get(t.url, '/v1/me')).via, 'anonymous');
});

Ids('with a maximum set, a suppression needs an end within it; a reason is always needed', async () => {
  const token = await mint(t.engine, 'alice', 'analyst');
  const head = await headOf(t.engine);
  const noReason = await post(t.url, '/v1/findings/f1/suppress', { until: '2026-01-10' }, { token });
  assert.equal([noReason.status, body(noReason).field], [400, 'reason']);
  const blank = await post(t.url, '/v1/findings/f1/suppress', { reason: '  ' }, { token });
  assert.equal([blank.status, body(blank).field], [400, 'reason']);
  await t.engine.access.setSuppressionPolicy(90);
  const policyHead = await headOf(t.engine);
  assert.is(policyHead, head + 1);
  const open = await post(t.url, '/v1/findings/f1/suppress', { reason: 'accepted' }, { token });
  assert.equal([open.status, body(open).field], [400, 'until']);
  const far = await post(t.url, '/v1/findings/f1/suppress', { reason: 'accepted', until: '2026-04-02' }, { token });
  assert.equal([far.status, body(far).field], [400, 'until']);
  assert.match(body(far).expected as string, /90 days/);
  assert.is(await headOf(t.engine), policyHead);
  const within = await post(t.url, '/v1/findings/f1/suppress', { reason: 'accepted', until: '2026-03-31' }, { token });
  assert.equal([within.status, body(within).suppressed_until], [200, '2026-03-31T00:00:00.000Z']);
});

Ids('an expired risk acceptance returns the finding to its lifecycle and says so in its history', async () => {
  const token = await mint(t.engine, 'alice', 'analyst');
  await post(t.url, '/v1/findings/f1/suppress', { reason: 'waiting for vendor', until: '2026-01-05' }, { token });
  t.clock.days(10);
  await t.engine.completeScan('s-a', { assetCount: 1, findingCount: 1 });
  assert.is(body(await get(t.url, '/v1/findings/f1')).lifecycle, 'recurring');
  const expired = (await history('f1')).find((e) => e.type === 'SuppressionExpired');
  assert.is(expired?.reason, 'risk acceptance by alice (waiting for vendor) ended 2026-01-05T00:00:00.000Z');
  assert.is(expired?.lifecycle, 'recurring');
});

Ids('refused writes are in the access audit with who and why, and the log did not move', async () => {
  const token = await mint(t.engine, 'vic', 'viewer');
  const head = await headOf(t.engine);
  await post(t.url, '/v1/findings/f1/resolve', {}, { token });
  await post(t.url, '/v1/findings/f1/resolve', {}, { token: 'sst_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro' });
  const analyst = await mint(t.engine, 'ann', 'analyst', { scopes: ['b'] });
  await post(t.url, '/v1/findings/f1/resolve', {}, { token: analyst });
  await post(t.url, '/v1/findings/f2/notes', { text: 'x', by: 'someone' }, { token: analyst });
  assert.is(await headOf(t.engine), head + 1, 'only the second token was written');
  const refused = (await t.engine.access.audit()).filter((e) => e.event === 'write_refused');
  assert.equal(
    refused.map((e) => [e.actor, e.status, e.route]),
    [
      ['vic', 403, '/v1/findings/{finding_id}/resolve'],
      ['', 401, '/v1/findings/{finding_id}/resolve'],
      ['ann', 403, '/v1/findings/{finding_id}/resolve'],
      ['ann', 400, '/v1/findings/{finding_id}/notes'],
    ],
  );
  const audit = await get(t.url, '/v1/access/audit', { token: writeToken });
  const events = listOf<Json>(audit, 'entries').map((e) => e.event);
  assert.equal(events, ['token_created', 'token_created', 'write_refused', 'write_refused', 'write_refused', 'write_refused']);
});

Ids.run();
