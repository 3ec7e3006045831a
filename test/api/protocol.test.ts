import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, post, request, startTestServer, writeToken, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const Protocol = suite(onBackend('api: bodies, media types, routes'));
let dir = '';
let t: TestServer;
Protocol.before(async () => {
  dir = makeTempDir('api-protocol');
  t = await startTestServer(dir);
});
Protocol.after(async () => {
  await t.close();
  removeDir(dir);
});

const field = (r: { json: unknown }) => (r.json as { field?: string }).field;

/** Streams `bytes` of body without Content-Length (chunked); resolves with the status, ignoring a cut-off upload. */
const chunked = (path: string, bytes: number) =>
  new Promise<number>((resolve, reject) => {
    const req = httpRequest(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${writeToken}` },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });

Protocol('a body over 1 MiB is 413, whether Content-Length says so or a chunked upload runs over', async () => {
  const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
  const declared = await post(t.url, '/v1/findings/track', big, { token: writeToken, headers: { 'content-type': 'application/json' } });
  assert.is(declared.status, 413);
  assert.is(await chunked('/v1/findings/track', 3 * 1024 * 1024), 413);
  assert.is(await headOf(t.engine), 0);
  assert.is((await get(t.url, '/health')).status, 200, 'the server still answers');
});

Protocol('a body of exactly 1 MiB is read (and judged on its content)', async () => {
  const text = `{"findings":[${' '.repeat(1024 * 1024 - 15)}]}`;
  assert.is(Buffer.byteLength(text), 1024 * 1024);
  const r = await post(t.url, '/v1/findings/track', text, { token: writeToken, headers: { 'content-type': 'application/json' } });
  assert.equal([r.status, field(r)], [400, 'findings']);
});

Protocol('a body that is not declared JSON is 415', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonp']) {
    const r = await post(t.url, '/v1/scans', '{"scan_id":"s","snapshot_id":"x"}', { token: writeToken, headers: { 'content-type': type } });
    assert.is(r.status, 415, type);
  }
  const none = await post(t.url, '/v1/scans', '{"scan_id":"s","snapshot_id":"x"}', { token: writeToken });
  assert.is(none.status, 415);
  const vendor = await post(t.url, '/v1/scans', '{"scan_id":"s","snapshot_id":"x"}', {
    token: writeToken,
    headers: { 'content-type': 'application/vnd.api+json; charset=UTF-8' },
  });
  assert.is(vendor.status, 201);
});

Protocol('a body that does not parse is 400 naming body', async () => {
  for (const text of ['{', 'nul', '{"a":1}}', '\u0000']) {
    const r = await post(t.url, '/v1/scans', text, { token: writeToken, headers: { 'content-type': 'application/json' } });
    assert.equal([r.status, field(r)], [400, 'body'], JSON.stringify(text));
  }
});

Protocol('an empty body is an empty object, whatever its type', async () => {
  await t.engine.trackFinding({ findingId: 'empty-1', assetId: 'a', ruleId: 'r' });
  const r = await request(t.url, 'POST', '/v1/findings/empty-1/resolve', { token: writeToken });
  assert.is(r.status, 200);
});

Protocol('an unknown path is 404 and a known path with another method is 405 with Allow', async () => {
  const missing = await get(t.url, '/v2/scans');
  assert.is(missing.status, 404);
  assert.type((missing.json as { error: string }).error, 'string');
  const wrong = await request(t.url, 'PUT', '/v1/scans', { token: writeToken });
  assert.is(wrong.status, 405);
  assert.is(wrong.headers.allow, 'GET, HEAD, POST');
  assert.is((await request(t.url, 'DELETE', '/v1/findings/x')).status, 405);
});

Protocol('a path with broken percent-encoding is 400, not a crash', async () => {
  const r = await get(t.url, '/v1/findings/%E0%A4%A');
  assert.equal([r.status, field(r)], [400, 'path']);
});

Protocol('a malformed request line is refused by the HTTP layer and the server keeps serving', async () => {
  const reply = await new Promise<string>((resolve) => {
    const socket = connect(t.server.port, '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'));
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  assert.is((await get(t.url, '/health')).status, 200);
});

Protocol('a bug answers 500 with a generic message, and its stack goes to the log only', async () => {
  const logged: string[] = [];
  const own = await startTestServer(dir, { log: (level, what, fields) => logged.push(`${level} ${what} ${JSON.stringify(fields)}`) });
  try {
    own.engine.getFindingStats = async () => {
      throw new TypeError('cannot read secret internals');
    };
    const r = await get(own.url, '/v1/stats');
    assert.is(r.status, 500);
    assert.equal(r.json, { error: 'internal error (logged on the server)' });
    assert.not.match(r.text, 'secret internals');
    assert.is(logged.length, 1);
    assert.match(logged[0] ?? '', /^error request failed .*TypeError: cannot read secret internals.*\\n\s*at /);
    assert.is((await get(own.url, '/health')).status, 200, 'the server goes on');
  } finally {
    await own.close();
  }
});

Protocol('a client that hangs up mid-body is not a server fault', async () => {
  const logged: string[] = [];
  const own = await startTestServer(dir, { log: (level, what) => logged.push(`${level} ${what}`) });
  try {
    await new Promise<void>((resolve) => {
      const socket = connect(own.server.port, '127.0.0.1', () => {
        socket.write(
          `POST /v1/scans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${writeToken}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"scan_id":',
        );
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    const metrics = await get(own.url, '/metrics');
    assert.match(metrics.text, 'stance_state_http_requests_total{method="POST",route="/v1/scans",status="400"} 1');
    assert.equal(logged.filter((l) => l.startsWith('error')), []);
  } finally {
    await own.close();
  }
});

Protocol.run();
