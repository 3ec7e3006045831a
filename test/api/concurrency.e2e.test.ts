import { Agent } from 'node:http';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited, spawnTs } from '../support/children.js';
import { get, startTestServer, write, type HttpResult, type TestServer } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { onBackend } from '../support/engine.js';

const Concurrency = suite(onBackend('api: concurrent requests and writers'));
let dir = '';
let t: TestServer;
Concurrency.before(() => {
  dir = makeTempDir('api-concurrency');
});
Concurrency.before.each(async () => {
  t = await startTestServer(dir);
});
Concurrency.after.each(() => t.close());
Concurrency.after(() => removeDir(dir));

type Json = Record<string, unknown>;
const idsOf = (r: HttpResult, key = 'findings', id = 'finding_id') => ((r.json as Json)[key] as Json[]).map((x) => x[id] as string);

Concurrency('200 parallel requests while another process appends all succeed', async () => {
  await t.engine.startScan({ scanId: 'scan-1', snapshotId: 'x' });
  await t.engine.trackFindings(Array.from({ length: 50 }, (_, i) => ({ findingId: `seed-${i}`, assetId: `asset-${i % 5}`, ruleId: 'r' })));
  let lines = 0;
  // Writes until stopped: the requests below all run while it appends.
  const writer = spawnTs('../api/writer-child.ts', [t.store, '1000000', '25', 'w'], () => (lines += 1));
  while (lines === 0) await new Promise((r) => setTimeout(r, 5));
  const agent = new Agent({ keepAlive: true, maxSockets: 200 });
  const paths = [
    '/v1/findings?limit=20',
    '/v1/findings?asset=asset-1',
    '/v1/findings/seed-7',
    '/v1/findings/seed-7/history',
    '/v1/stats',
    '/v1/scans',
    '/v1/scans/scan-1',
    '/v1/checkpoints',
    '/api/state/findings?limit=10',
    '/api/state/summary',
    '/health',
    '/metrics',
  ];
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      i % 20 === 19
        ? write(t.url, `/v1/findings/seed-${i % 50}/notes`, { by: 'load', text: `note ${i}` })
        : get(t.url, paths[i % paths.length] as string, { agent }),
    ),
  );
  agent.destroy();
  const batchesDuring = lines;
  writer.kill('SIGTERM');
  await exited(writer);
  const bad = results.map((r, i) => [i, r.status, r.text.slice(0, 120)] as const).filter(([, status]) => status !== 200);
  assert.equal(bad, []);
  const positions = results.map((r) => Number(r.headers['x-stance-position']));
  assert.ok(Math.max(...positions) > Math.min(...positions), 'the answers saw the log move');
  assert.ok(batchesDuring > 1, `the writer appended ${batchesDuring} batches meanwhile`);
  const stats = (await get(t.url, '/v1/stats')).json as Json;
  assert.is(((stats.total as number) - 50) % 25, 0, 'batches are atomic');
  assert.ok((stats.total as number) >= 50 + batchesDuring * 25);
});

Concurrency('finding pages never repeat or skip a finding while writers add and change findings', async () => {
  await t.engine.trackFindings(Array.from({ length: 60 }, (_, i) => ({ findingId: `f${String(i * 2).padStart(3, '0')}`, assetId: 'a', ruleId: 'r' })));
  const before = new Set(idsOf(await get(t.url, '/v1/findings?limit=1000')));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()), { minLength: 10, maxLength: 10 }), async (writes) => {
      const seen: string[] = [];
      let cursor: string | null = '';
      let step = 0;
      while (cursor !== null) {
        const page = await get(t.url, `/v1/findings?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        seen.push(...idsOf(page));
        cursor = (page.json as Json).next_cursor as string | null;
        // Between pages: a new finding (an odd id, anywhere in the order) or another sighting of an old one.
        const [n, fresh] = writes[step % writes.length] ?? [0, true];
        const id = fresh ? `f${String(n * 2 + 1).padStart(3, '0')}` : `f${String((n % 60) * 2).padStart(3, '0')}`;
        await write(t.url, '/v1/findings/track', { findings: [{ finding_id: id, asset_id: 'a', rule_id: 'r' }] });
        step += 1;
      }
      assert.equal(seen, [...seen].sort(), 'in id order');
      assert.is(new Set(seen).size, seen.length, 'no finding twice');
      for (const id of before) assert.ok(seen.includes(id), `${id} skipped`);
    }),
    { numRuns: 15 },
  );
});

Concurrency('scan pages never repeat or skip a scan while new scans start', async () => {
  for (let i = 0; i < 23; i += 1) {
    await t.engine.startScan({ scanId: `old-${i}`, snapshotId: 'x' });
    if (i % 3 !== 0) t.clock.advance(1); // some scans share a start instant: the scan id breaks the tie
  }
  const seen: string[] = [];
  let cursor: string | null = '';
  let fresh = 0;
  while (cursor !== null) {
    const page = await get(t.url, `/v1/scans?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...idsOf(page, 'scans', 'scan_id'));
    cursor = (page.json as Json).next_cursor as string | null;
    t.clock.advance(1);
    await write(t.url, '/v1/scans', { scan_id: `new-${(fresh += 1)}`, snapshot_id: 'x' });
  }
  assert.equal([...seen].sort(), Array.from({ length: 23 }, (_, i) => `old-${i}`).sort());
  assert.is(new Set(seen).size, 23);
});

Concurrency.run();
