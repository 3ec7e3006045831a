import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PositionTracker } from '../../src/api/position.js';
import { StateEngine } from '../../src/engine/index.js';
import { get, startTestServer, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend, openRawLog, siblingOf } from '../support/engine.js';
import { headOf } from '../support/log.js';

const Position = suite(onBackend('api: positions, min_position and the subscription'));
let dir = '';
let t: TestServer;
let other: StateEngine;
Position.before(() => {
  dir = makeTempDir('api-position');
});
Position.before.each(async () => {
  t = await startTestServer(dir, { minPositionWaitMs: 1500 });
  // Another writer on the same store: its appends reach the server only through the log, as a CLI's would.
  other = await siblingOf(t.engine);
});
Position.after.each(async () => {
  await other.close();
  await t.close();
});
Position.after(() => removeDir(dir));

const until = async (check: () => boolean, ms: number): Promise<number> => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return Date.now() - started;
};

Position('closing waits for a refresh in flight, so none runs on after the engine behind it closes (no warning after stopped)', async () => {
  const engine = await siblingOf(t.engine);
  const logged: string[] = [];
  const tracker = await PositionTracker.open(engine, (level, what) => logged.push(`${level} ${what}`));
  await tracker.start();
  // One refresh held in flight (as a burst's scheduled refresh can be when the server stops), released by the test.
  let release = () => undefined as void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const refresh = engine.refresh;
  engine.refresh = async () => {
    await gate;
    return refresh();
  };
  const inFlight = tracker.update();
  let closed = false;
  const closing = tracker.close().then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.not.ok(closed, 'close returned with a refresh still running');
  release();
  await closing;
  await engine.close();
  assert.ok((await inFlight) >= 0);
  assert.equal(logged, []);
});

Position('another writer’s event reaches the server’s position through the subscription, with no request to wake it', async () => {
  const summary = await other.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await until(() => t.server.tracker.position >= summary.position, 5000);
  assert.ok(t.server.tracker.position >= summary.position);
});

Position('min_position waits for a write that comes later, then answers with it', async () => {
  const wanted = await headOf(t.engine) + 1;
  const pending = get(t.url, `/v1/findings/late?min_position=${wanted}`);
  // Written once the request is known to wait (the signal, not a sleep).
  await until(() => t.server.tracker.waiting === 1, 5000);
  await other.trackFinding({ findingId: 'late', assetId: 'a', ruleId: 'r' });
  const r = await pending;
  assert.is(r.status, 200, r.text);
  assert.is((r.json as { finding_id: string }).finding_id, 'late');
  assert.ok(Number(r.headers['x-stance-position']) >= wanted);
});

Position('a position already reached answers at once', async () => {
  const { position } = await other.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  const started = Date.now();
  const r = await get(t.url, `/v1/findings/f1?min_position=${position}`);
  assert.is(r.status, 200);
  assert.ok(Date.now() - started < 500);
});

Position('a position not reached in time is 503 with Retry-After', async () => {
  const r = await get(t.url, `/v1/stats?min_position=${await headOf(t.engine) + 5}`);
  assert.is(r.status, 503);
  assert.is(r.headers['retry-after'], '1');
  assert.match((r.json as { error: string }).error, /not reached position/);
});

Position('events appended without projections are caught up, and min_position sees them', async () => {
  // A bare store (no engine): its events reach the read models only by the server's refresh.
  const bare = await openRawLog(t.store);
  const at = '2026-01-01T00:00:00.000Z';
  const result = await bare.append('finding-bare', [
    { type: 'FindingTracked', data: { findingId: 'bare', assetId: 'a', ruleId: 'r', scanId: null, seenAt: at, accountId: '', region: '', collector: null, severity: 'unknown' } },
  ]);
  await bare.close();
  const r = await get(t.url, `/v1/findings/bare?min_position=${result.position}`);
  assert.is(r.status, 200, r.text);
  assert.is((r.json as { lifecycle: string }).lifecycle, 'new');
});

Position('closing the server answers waiting min_position requests with 503 at once', async () => {
  const pending = get(t.url, `/v1/stats?min_position=${await headOf(t.engine) + 100}`);
  await until(() => t.server.tracker.waiting > 0, 1000);
  const started = Date.now();
  await t.server.close();
  const r = await pending;
  assert.is(r.status, 503);
  assert.ok(Date.now() - started < 1000);
});

Position.run();
