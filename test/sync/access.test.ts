import { gunzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { importReplicated } from '../../src/engine/replication.js';
import { encodeBatch, sync, type HubStorage } from '../../src/sync/index.js';
import { mint } from '../support/access.js';
import { onBackend, TestClock } from '../support/engine.js';
import { allOf, fromOrigin, streamOf } from '../support/log.js';
import { directoryHub, noSecurity, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Local = suite(onBackend('sync: who may act stays with its data dir'));
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let a: StateEngine;
let b: StateEngine;
Local.before.each(async () => {
  dir = makeTempDir('sync-access');
  clock = new TestClock();
  hub = directoryHub(dir);
  a = await openReplica(dir, 'spoke-a', clock.now);
  b = await openReplica(dir, 'spoke-b', clock.now);
});
Local.after.each(async () => {
  await a.close();
  await b.close();
  removeDir(dir);
});

const run = (engine: StateEngine, direction: 'push' | 'pull') =>
  sync(engine, hub, { direction, policy: 'latest_wins', batchSize: 100, security: noSecurity, clock: clock.now });

Local('tokens and policies are never pushed; findings are', async () => {
  const secret = await mint(a, 'alice', 'admin');
  await a.access.setSuppressionPolicy(30);
  await a.trackFinding({ findingId: 'f1', assetId: 'x', ruleId: 'r' });
  assert.is((await run(a, 'push')).success, true);
  const streams: string[] = [];
  for await (const key of hub.list('')) {
    const body = gunzipSync((await hub.read(key))?.body ?? Buffer.alloc(0)).toString();
    streams.push(...body.trim().split('\n').map((l) => (JSON.parse(l) as { stream: string }).stream));
  }
  assert.equal([...new Set(streams)].sort(), ['finding-f1']);
  assert.is((await run(b, 'pull')).success, true);
  assert.is(await b.access.authenticate(secret), null);
  assert.equal(await b.access.suppressionPolicy(), { maxDays: null });
});

Local('a batch carrying a token event is rejected whole: whoever writes to the hub grants nothing', async () => {
  const secret = await mint(a, 'mallory', 'admin');
  await a.trackFinding({ findingId: 'f1', assetId: 'x', ruleId: 'r' });
  // Planted by someone with write access to the hub: spoke-a's real events, tokens included, in a valid chain.
  const events = await allOf(a);
  const forged = encodeBatch('spoke-a', events, { position: 0, sha256: null }, noSecurity);
  await hub.create(forged.key, forged.body, forged.metadata);
  const pulled = await run(b, 'pull');
  assert.is(pulled.success, false);
  assert.match(pulled.errors.join('\n'), /line 1 \(spoke-a\): "token-mallory" \(expected a scan, checkpoint, finding stream: only those replicate \(an origin may not send token events\)\)/);
  assert.is((await fromOrigin(b, 'spoke-a')).length, 0);
  assert.is(await b.access.authenticate(secret), null);
});

Local('a token event of another origin in the log authenticates no one', async () => {
  const secret = await mint(a, 'mallory', 'admin');
  const tokenEvents = await allOf(a, { filter: { streamPrefix: 'token-' } });
  // Past pull's own check (as an older replica or a direct import would let it in): the read model ignores it.
  await importReplicated(b, tokenEvents, { foldCap: null, clockLimit: Date.now() }, () => []);
  assert.is((await streamOf(b, 'token-mallory', { origin: 'spoke-a' })).length, 1);
  assert.is(await b.access.authenticate(secret), null);
  assert.equal(await b.access.listTokens(), []);
});

Local.run();
