import { connect } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, post, request, startTestServer, writeToken, type HttpResult, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';
import { headOf } from '../support/log.js';

const BadInput = suite(onBackend('api: bodies that are not UTF-8, nest too deep or run over 1 MiB; empty ids'));
let dir = '';
let t: TestServer;
BadInput.before(async () => {
  dir = makeTempDir('api-bad-input');
  t = await startTestServer(dir);
  await t.engine.trackFinding({ findingId: 'f1', assetId: 'a', ruleId: 'r' });
});
BadInput.after(async () => {
  await t.close();
  removeDir(dir);
});

const send = (path: string, body: Buffer | string) =>
  post(t.url, path, body, { token: writeToken, headers: { 'content-type': 'application/json' } });
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const reply = (r: HttpResult) => r.json as { error: string; field?: string; value?: unknown };
/** A refusal: the status, JSON naming what is wrong, no stack, and nothing written. */
const refused = async (r: HttpResult, status: number, head: number) => {
  assert.is(r.status, status, r.text);
  assert.ok(!/\n\s+at /.test(r.text), 'no stack trace');
  assert.is(await headOf(t.engine), head, 'nothing written');
};

BadInput('ill-formed UTF-8 in a field is 400 naming the field and the byte offset', async () => {
  const head = await headOf(t.engine);
  const r = await send('/v1/findings/f1/suppress', bytes('{"by":"b', [0xff, 0xfe], '"}'));
  await refused(r, 400, head);
  assert.is(reply(r).field, 'by');
  assert.match(reply(r).error, 'invalid by: byte ff at offset 8 (expected UTF-8 text)');
  assert.is(reply(r).value, 'byte ff at offset 8');
  assert.is((await t.engine.getFindingState('f1'))?.lifecycle, 'new', 'not suppressed');
});

BadInput('overlong forms, surrogates and code points past U+10FFFF are refused too, in nested fields', async () => {
  const head = await headOf(t.engine);
  const cases: [number[], string][] = [
    [[0xc0, 0xaf], 'byte c0'], // an overlong '/'
    [[0xe0, 0x80, 0xaf], 'bytes e0 80'], // an overlong 3-byte '/'
    [[0xf0, 0x80, 0x80, 0xaf], 'bytes f0 80'], // an overlong 4-byte '/'
    [[0xed, 0xa0, 0x80], 'bytes ed a0'], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], 'bytes f4 90'], // past U+10FFFF
  ];
  for (const [bad, shown] of cases) {
    const body = bytes('{"findings":[{"finding_id":"ok","asset_id":"a","rule_id":"r"},{"finding_id":"g","asset_id":"x', bad, '","rule_id":"r"}]}');
    const r = await send('/v1/findings/track', body);
    await refused(r, 400, head);
    assert.is(reply(r).field, 'findings[1].asset_id', shown);
    assert.match(reply(r).error, `${shown}`);
    assert.match(reply(r).error, `at offset ${body.indexOf(Buffer.from(bad))}`);
  }
});

BadInput('a body nested 100,000 deep is 400 naming the depth limit, not a 500', async () => {
  const head = await headOf(t.engine);
  const deep = `{"findings":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  const r = await send('/v1/findings/track', deep);
  await refused(r, 400, head);
  assert.match(reply(r).error, 'expected JSON nested at most 64 levels deep');
  const metadata = await send('/v1/scans', `{"scan_id":"s","snapshot_id":"x","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
  await refused(metadata, 400, head);
  assert.match(reply(metadata).error, 'nested at most 64 levels deep');
  assert.is((await get(t.url, '/health')).status, 200);
});

BadInput('an empty account or region is 400 naming it, in /v1 and the Stance-compatible routes', async () => {
  await t.engine.startScan({ scanId: 'cp', snapshotId: 'x' });
  await t.engine.updateCheckpoint({ collector: 'iam', accountId: '111', region: 'us-east-1', scanId: 'cp' });
  const head = await headOf(t.engine);
  const stance = await post(t.url, '/api/state/delete-checkpoint', { collector: 'iam', account: '111', region: '' }, { token: writeToken });
  await refused(stance, 400, head);
  assert.is(reply(stance).field, 'region');
  const v1 = await request(t.url, 'DELETE', '/v1/checkpoints/iam//us-east-1', { token: writeToken });
  await refused(v1, 400, head);
  assert.is(reply(v1).field, 'account');
  const scan = await send('/v1/scans', JSON.stringify({ scan_id: 's-empty', snapshot_id: 'x', region: '' }));
  await refused(scan, 400, head);
  assert.is(reply(scan).field, 'region');
});

/**
 * Sends `size` bytes of body (with Content-Length, or chunked) as a blocking client does: it reads nothing until it
 * has sent everything. A server that closes while the body still comes makes the kernel reset the connection, and
 * such a client never sees the answer (its write fails with EPIPE or ECONNRESET): any socket error fails the test.
 */
const upload = (size: number, declare: boolean) =>
  new Promise<{ status: number; headers: string; json: { error?: string } }>((resolve, reject) => {
    const socket = connect(t.server.port, '127.0.0.1');
    socket.pause();
    socket.on('error', reject);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('end', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), headers: head.toLowerCase(), json: JSON.parse(body) as { error?: string } });
    });
    const framing = declare ? `content-length: ${size}` : 'transfer-encoding: chunked';
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const parts: Buffer[] = [Buffer.from(`POST /v1/findings/track HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${writeToken}\r\n${framing}\r\n\r\n`)];
    for (let sent = 0; sent < size; sent += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
      parts.push(declare ? part : Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]));
    }
    if (!declare) parts.push(Buffer.from('0\r\n\r\n'));
    const pump = () => {
      for (let part = parts.shift(); part !== undefined; part = parts.shift()) if (!socket.write(part)) return void socket.once('drain', pump);
      socket.resume(); // everything is sent: now read the answer
    };
    pump();
  });

BadInput('a body over 1 MiB gets the 413 JSON answer, readable by a client still sending, then the connection closes', async () => {
  const head = await headOf(t.engine);
  for (const declare of [true, false]) {
    const r = await upload(8 * 1024 * 1024, declare);
    assert.is(r.status, 413);
    assert.is(r.json.error, 'the body is over 1048576 bytes');
    assert.match(r.headers, 'connection: close');
  }
  assert.is(await headOf(t.engine), head);
});

BadInput.run();
