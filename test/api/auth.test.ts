import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { tokenMatches } from '../../src/api/index.js';
import { get, post, startTestServer, writeToken, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const Auth = suite(onBackend('api: auth'));
let dir = '';
const servers: TestServer[] = [];
Auth.before(() => {
  dir = makeTempDir('api-auth');
});
Auth.after.each(async () => {
  for (const s of servers.splice(0)) await s.close();
});
Auth.after(() => removeDir(dir));

const serve = async (options: Parameters<typeof startTestServer>[1] = {}) => {
  const s = await startTestServer(dir, options);
  servers.push(s);
  return s;
};
const scan = { scan_id: 's1', snapshot_id: 'x' };
const errorOf = (r: { json: unknown }) => (r.json as { error: string }).error;

Auth('with no write token configured, writes are 403 saying how to enable them, and nothing is written', async () => {
  const t = await serve({ writeToken: null });
  for (const path of ['/v1/scans', '/api/state/resolve']) {
    const r = await post(t.url, path, scan, { token: 'anything' });
    assert.is(r.status, 403, path);
    assert.match(errorOf(r), /STANCE_STATE_TOKEN/);
    assert.match(errorOf(r), /--token-file/);
  }
  assert.is(await headOf(t.engine), 0);
});

Auth('a missing or wrong token on a write is 401 with a Bearer challenge', async () => {
  const t = await serve();
  const missing = await post(t.url, '/v1/scans', scan);
  assert.is(missing.status, 401);
  assert.match(missing.headers['www-authenticate'] as string, /^Bearer /);
  for (const token of ['wrong', `${writeToken}x`, writeToken.slice(0, -1), '']) {
    const r = await post(t.url, '/v1/scans', scan, { headers: { authorization: `Bearer ${token}` } });
    assert.is(r.status, 401, JSON.stringify(token));
  }
  const basic = await post(t.url, '/v1/scans', scan, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
  assert.is(basic.status, 401);
  assert.is(await headOf(t.engine), 0);
  assert.is((await post(t.url, '/v1/scans', scan, { token: writeToken })).status, 201);
});

Auth('the scheme is case-insensitive as RFC 9110 says', async () => {
  const t = await serve();
  const r = await post(t.url, '/v1/scans', scan, { headers: { authorization: `bearer ${writeToken}` } });
  assert.is(r.status, 201);
});

Auth('reads are open on loopback without a read token', async () => {
  const t = await serve();
  assert.is((await get(t.url, '/v1/stats')).status, 200);
  assert.is((await get(t.url, '/api/state/summary')).status, 200);
});

Auth('a Host that is not this machine is refused for open reads (DNS rebinding)', async () => {
  const t = await serve();
  const r = await get(t.url, '/v1/stats', { headers: { host: 'attacker.example:8080' } });
  assert.is(r.status, 403);
  assert.match(errorOf(r), /--read-token-file/);
  assert.is((await get(t.url, '/v1/stats', { headers: { host: 'localhost:1234' } })).status, 200);
  assert.is((await get(t.url, '/v1/stats', { headers: { host: 'attacker.example' }, token: writeToken })).status, 200);
});

Auth('with a read token, reads need it or the write token, from loopback too; it cannot write', async () => {
  const t = await serve({ readToken: 'read-token-abcdef' });
  assert.is((await get(t.url, '/v1/stats')).status, 401);
  assert.is((await get(t.url, '/v1/stats', { token: 'nope' })).status, 401);
  assert.is((await get(t.url, '/v1/stats', { token: 'read-token-abcdef' })).status, 200);
  assert.is((await get(t.url, '/v1/stats', { token: writeToken })).status, 200);
  assert.is((await get(t.url, '/metrics', { token: 'read-token-abcdef' })).status, 200);
  assert.is((await get(t.url, '/metrics')).status, 401);
  const write = await post(t.url, '/v1/scans', scan, { token: 'read-token-abcdef' });
  assert.is(write.status, 403);
  assert.match(errorOf(write), /read token/);
});

Auth('/health is open to probes whatever the tokens', async () => {
  const t = await serve({ readToken: 'read-token-abcdef' });
  const r = await get(t.url, '/health', { headers: { host: 'probe.internal' } });
  assert.is(r.status, 200);
});

Auth('the token compare hashes both sides, so tokens of any length compare without throwing', () => {
  const expected = createHash('sha256').update('s3cret').digest();
  assert.ok(tokenMatches('s3cret', expected));
  for (const other of ['', 's', 's3cre', 's3cret ', 's3cretX', 'x'.repeat(10_000), 'S3CRET']) assert.not.ok(tokenMatches(other, expected), other);
});

Auth('the compare takes as long for a near miss as for a far one', () => {
  // A smoke check with a wide margin (the guarantee is by construction: hash both sides, then timingSafeEqual
  // over 32 bytes): a near miss (same 4095-byte prefix) costs what a miss at the first byte costs.
  const secret = 'a'.repeat(4096);
  const expected = createHash('sha256').update(secret).digest();
  const near = `${'a'.repeat(4095)}b`;
  const far = `b${'a'.repeat(4095)}`;
  const time = (token: string) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 3000; i += 1) tokenMatches(token, expected);
    return Number(process.hrtime.bigint() - started);
  };
  time(near);
  time(far);
  const samples = Array.from({ length: 5 }, () => time(near) / time(far)).sort((a, b) => a - b);
  const median = samples[2] ?? 1;
  assert.ok(median > 0.5 && median < 2, `near/far time ratio ${median}`);
});

Auth.run();
