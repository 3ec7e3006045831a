import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TrustedProxy, type TrustedProxyOptions } from '../../src/api/index.js';
import { InvalidInput } from '../../src/errors.js';
import { mint } from '../support/access.js';
import { get, listOf, post, startTestServer, type TestServer } from '../support/http.js';
import { raises } from '../support/raises.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

type Json = Record<string, unknown>;
const body = (r: { json: unknown }) => r.json as Json;

const Proxy = suite(onBackend('api: identities from a trusted proxy'));
let dir = '';
let t: TestServer | null = null;
Proxy.before(() => {
  dir = makeTempDir('api-proxy');
});
Proxy.after.each(async () => {
  await t?.close();
  t = null;
});
Proxy.after(() => removeDir(dir));

const roles = new Map([
  ['secops', 'analyst'],
  ['everyone', 'viewer'],
  ['platform', 'admin'],
] as const);
const serve = async (proxy: Partial<TrustedProxyOptions> | null) => {
  // No legacy token: what the proxy says is the only way in besides the tokens a test makes.
  t = await startTestServer(dir, { writeToken: null, proxy: proxy === null ? null : { addresses: ['127.0.0.1'], roles, ...proxy } });
  await t.engine.startScan({ scanId: 's1', snapshotId: 'x', accountId: 'a' });
  await t.engine.trackFinding({ findingId: 'f1', assetId: 'x', ruleId: 'r', scanId: 's1' });
  return t;
};
const as = (user: string, groups: string) => ({ headers: { 'x-forwarded-user': user, 'x-forwarded-groups': groups } });

Proxy('from a configured proxy address the header names the actor, its groups its role', async () => {
  const s = await serve({});
  const r = await post(s.url, '/v1/findings/f1/suppress', { reason: 'accepted' }, as('alice@example.com', 'everyone, secops'));
  assert.equal([r.status, body(r).suppressed_by], [200, 'alice@example.com']);
  const h = listOf<Json>(await get(s.url, '/v1/findings/f1/history', as('alice@example.com', 'everyone')), 'history')[1] ?? {};
  assert.equal([h.actor, h.actor_role, h.actor_via], ['alice@example.com', 'analyst', 'proxy']);
});

Proxy('the header from an address that is not a configured proxy is refused, and nothing is written', async () => {
  const s = await serve({ addresses: ['10.9.9.9', '192.168.0.0/16'] });
  const head = await headOf(s.engine);
  const write = await post(s.url, '/v1/findings/f1/resolve', {}, as('mallory', 'platform'));
  assert.is(write.status, 403);
  assert.match(body(write).error as string, /only from a configured proxy/);
  const read = await get(s.url, '/v1/stats', as('mallory', 'platform'));
  assert.is(read.status, 403, 'a read with a forged header is refused too, not served anonymously');
  assert.is(await headOf(s.engine), head);
  const audit = (await s.engine.access.audit()).filter((e) => e.event === 'write_refused');
  assert.equal(audit.map((e) => [e.status, e.remote]), [[403, '127.0.0.1']]);
});

Proxy('a network covers its addresses', async () => {
  const s = await serve({ addresses: ['127.0.0.0/8'] });
  assert.is((await post(s.url, '/v1/findings/f1/resolve', {}, as('alice', 'secops'))).status, 200);
});

Proxy('a person in no mapped group is refused; a viewer group reads and cannot decide', async () => {
  const s = await serve({});
  assert.is((await post(s.url, '/v1/findings/f1/resolve', {}, as('bob', 'contractors'))).status, 403);
  assert.is((await get(s.url, '/v1/stats', as('bob', 'contractors'))).status, 403);
  assert.is((await get(s.url, '/v1/stats', as('vic', 'everyone'))).status, 200);
  const r = await post(s.url, '/v1/findings/f1/resolve', {}, as('vic', 'everyone'));
  assert.equal([r.status, body(r).error], [403, 'vic (role viewer) may not make decisions on findings: that needs the analyst or admin role']);
});

Proxy('a person behind the proxy cannot name someone else', async () => {
  const s = await serve({});
  const r = await post(s.url, '/v1/findings/f1/resolve', { by: 'boss' }, as('alice', 'secops'));
  assert.equal([r.status, body(r).field], [400, 'by']);
});

Proxy('from the proxy without the header: no anonymous read (the client is elsewhere), tokens still work', async () => {
  const s = await serve({});
  assert.is((await get(s.url, '/v1/stats')).status, 403);
  const token = await mint(s.engine, 'ci', 'scanner');
  assert.is((await get(s.url, '/v1/stats', { token })).status, 200);
});

Proxy('the header names are configurable', async () => {
  const s = await serve({ userHeader: 'X-Auth-Request-Email', groupsHeader: 'X-Auth-Request-Groups' });
  const r = await post(s.url, '/v1/findings/f1/resolve', {}, {
    headers: { 'x-auth-request-email': 'alice@example.com', 'x-auth-request-groups': 'secops' },
  });
  assert.is(r.status, 200);
  assert.is((await post(s.url, '/v1/findings/f1/notes', { text: 'x' }, as('alice', 'secops'))).status, 401, 'the default header means nothing now');
});

Proxy('off by default: the header means nothing and gives no one any role', async () => {
  const s = await serve(null);
  assert.is((await post(s.url, '/v1/findings/f1/resolve', {}, as('alice', 'platform'))).status, 403, 'writes are disabled');
  await mint(s.engine, 'someone', 'viewer');
  assert.is((await post(s.url, '/v1/findings/f1/resolve', {}, as('alice', 'platform'))).status, 401);
});

Proxy('a bad address or no role mapping stops the start', async () => {
  for (const address of ['proxy.internal', '10.0.0.0/33', '10.0.0.1/x', ''])
    assert.is((await raises(() => new TrustedProxy({ addresses: [address], roles }), InvalidInput)).field, 'trusted-proxy', address);
  assert.is((await raises(() => new TrustedProxy({ addresses: ['10.0.0.1'], roles: new Map() }), InvalidInput)).field, 'proxy-role');
});

Proxy.run();
