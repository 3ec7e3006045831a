import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import {
  encodeBatch,
  generateSigningKeys,
  parseBatchKey,
  sync,
  type BatchSecurity,
  type HubStorage,
} from '../../src/sync/index.js';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { onBackend, TestClock } from '../support/engine.js';
import { allOf, fromOrigin } from '../support/log.js';
import { directoryHub, noSecurity, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Batches = suite(onBackend('sync: corrupt, forged, duplicated and reordered batches'));
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let a: StateEngine;
let b: StateEngine;
Batches.before.each(async () => {
  dir = makeTempDir('batches');
  clock = new TestClock();
  hub = directoryHub(dir);
  a = await openReplica(dir, 'spoke-a', clock.now);
  b = await openReplica(dir, 'spoke-b', clock.now);
});
Batches.after.each(async () => {
  await a.close();
  await b.close();
  removeDir(dir);
});

const run = (engine: StateEngine, direction: 'push' | 'pull' | 'bidirectional', security: BatchSecurity = noSecurity, batchSize = 2) =>
  sync(engine, hub, { direction, policy: 'latest_wins', batchSize, security, clock: clock.now });
const track = (engine: StateEngine, ids: string[]) => engine.trackFindings(ids.map((id) => ({ findingId: id, assetId: 'x', ruleId: 'r' })));
/** Events of spoke-a a replica holds: a rejected batch leaves none. */
const fromA = async (engine: StateEngine) => (await fromOrigin(engine, 'spoke-a')).length;
const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** Writes an object to the hub directly, as someone with write access to the hub could. */
const plant = async (key: string, lines: unknown[], metadata: Record<string, string>) => {
  const body = gzipSync(Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`));
  await hub.create(key, body, { ...metadata, sha256: sha(body), count: String(lines.length) });
};
const aBatches = async () => {
  const keys: string[] = [];
  for await (const key of hub.list('spoke-a/')) keys.push(key);
  return keys;
};
const eventsOf = async (key: string) => {
  const object = await hub.read(key);
  return { metadata: object?.metadata ?? {}, lines: gunzipSync(object?.body ?? Buffer.alloc(0)).toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
};

Batches('a batch whose body was altered is rejected whole, with nothing applied, and the sync exits as bad input', async () => {
  await track(a, ['f1', 'f2', 'f3']);
  await run(a, 'push', noSecurity, 10);
  const [key] = await aBatches();
  const { metadata } = await eventsOf(key ?? '');
  await hub.delete(key ?? '');
  const object = gzipSync(Buffer.from('{"broken": true}\n'));
  await hub.create(key ?? '', object, metadata);
  const result = await run(b, 'pull');
  assert.is(result.success, false);
  assert.is(result.rejected_batches, 1);
  assert.match(result.errors[0] ?? '', /metadata\.sha256/);
  assert.is(await fromA(b), 0);
});

Batches('a truncated body is rejected with nothing applied', async () => {
  await track(a, ['f1', 'f2', 'f3']);
  await run(a, 'push', noSecurity, 10);
  const [key] = await aBatches();
  const object = await hub.read(key ?? '');
  await hub.delete(key ?? '');
  const truncated = (object?.body ?? Buffer.alloc(0)).subarray(0, 20);
  await hub.create(key ?? '', truncated, { ...(object?.metadata ?? {}), sha256: sha(truncated) });
  const result = await run(b, 'pull');
  assert.match(result.errors.join('\n'), /body: "\(binary\)" \(expected gzip NDJSON\)/);
  assert.is(await fromA(b), 0);
});

Batches('a batch under one origin that holds another origin’s events is rejected', async () => {
  await track(b, ['mine']);
  await run(b, 'push', noSecurity, 10);
  const [bKey] = await (async () => {
    const keys: string[] = [];
    for await (const k of hub.list('spoke-b/')) keys.push(k);
    return keys;
  })();
  const { lines, metadata } = await eventsOf(bKey ?? '');
  const forgedKey = (bKey ?? '').replace(/^spoke-b\//, 'spoke-a/');
  await plant(forgedKey, lines, { ...metadata, origin: 'spoke-a' });
  const c = await openReplica(dir, 'spoke-c', clock.now);
  const result = await sync(c, hub, { direction: 'pull', policy: 'latest_wins', batchSize: 10, security: noSecurity, clock: clock.now });
  assert.match(result.errors.join('\n'), /meta\.origin: "spoke-b" \(expected spoke-a: a batch holds only the events of the origin/);
  assert.is((await c.getFindingState('mine'))?.lifecycle, 'new');
  await c.close();
});

Batches('an event altered inside a re-hashed batch fails its checksum chain and nothing of the batch lands', async () => {
  await track(a, ['f1', 'f2']);
  await run(a, 'push', noSecurity, 10);
  const [key] = await aBatches();
  const { lines, metadata } = await eventsOf(key ?? '');
  const tampered = lines.map((l, i) => (i === 1 ? { ...l, data: { ...(l.data as object), assetId: 'evil' } } : l));
  await hub.delete(key ?? '');
  await plant(key ?? '', tampered, metadata);
  const result = await run(b, 'pull');
  assert.match(result.errors.join('\n'), /\.checksum: "[0-9a-f]{64}" \(expected [0-9a-f]{64} \(the event or the chain before it was altered\)\)/);
  assert.is(await fromA(b), 0);
});

Batches('a batch from a writer on a newer schema stops that origin with what it needs, not as a bad batch; nothing lands', async () => {
  await track(a, ['f1', 'f2']);
  await run(a, 'push', noSecurity, 10);
  const [key] = await aBatches();
  const { lines, metadata } = await eventsOf(key ?? '');
  const newer = lines.map((l, i) => (i === 1 ? { ...l, schema: 3 } : l));
  await hub.delete(key ?? '');
  await plant(key ?? '', newer, metadata);
  const result = await run(b, 'pull');
  assert.is(result.success, false);
  assert.is(result.rejected_batches, 0);
  assert.match(
    result.errors.join('\n'),
    new RegExp(`pull spoke-a: batch ${key}: batch ${key} line 2 \\(event [0-9a-f-]{36} of spoke-a, stream finding-f2\\): FindingTracked schema 3 is newer than this stance-state \\(0\\.2\\.0\\) reads \\(FindingTracked up to schema 2\\); upgrade this replica`),
  );
  assert.is(await fromA(b), 0);
});

Batches('sightings travel at the schema they were written: schema 2 with its severity, schema 1 (an older writer) read as unknown', async () => {
  await track(a, ['old']);
  await a.schemas.setWrite('FindingTracked', 2);
  await a.trackFinding({ findingId: 'new', assetId: 'x', ruleId: 'r', severity: 'critical' });
  assert.equal((await run(a, 'push', noSecurity, 10)).errors, []);
  assert.equal((await run(b, 'pull')).errors, []);
  assert.equal([(await b.getFindingState('old'))?.severity, (await b.getFindingState('new'))?.severity], ['unknown', 'critical']);
  const stored = (await fromOrigin(b, 'spoke-a')).filter((e) => e.type === 'FindingTracked');
  assert.equal(stored.map((e) => (e.data as { severity: string }).severity), ['unknown', 'critical']);
  // Kept as written: b's copy of the old sighting is still schema 1 (its checksum covers those bytes).
  const raw = (await allOf(b, { asStored: true })).filter((e) => e.meta.origin === 'spoke-a' && e.type === 'FindingTracked');
  assert.equal(raw.map((e) => e.schema), [1, 2]);
  assert.ok((await b.backend.log.verify()).ok);
});

Batches('a duplicated batch applies once; a batch that claims the same place in the chain with other events stops the origin as a fork', async () => {
  await track(a, ['f1', 'f2', 'f3', 'f4', 'f5']);
  await run(a, 'push', noSecurity, 2);
  const keys = await aBatches();
  const whole = await Promise.all(keys.map(eventsOf));
  const first = parseBatchKey(keys[0] ?? '');
  // The same first batch again under the first format's flat layout: one link, applied once.
  const copy = await hub.read(keys[0] ?? '');
  await hub.create(`spoke-a/${String(first?.first).padStart(16, '0')}-${String(first?.last).padStart(16, '0')}.ndjson.gz`, copy?.body ?? Buffer.alloc(0), copy?.metadata ?? {});
  const once = await run(b, 'pull');
  assert.equal(once.errors, []);
  assert.is(await fromA(b), whole.flatMap((w) => w.lines).length);
  assert.is((await b.getFindingStats()).total, 5);
  // A replica that had not pulled yet meets two different successors of the origin's first link.
  const all = whole.flatMap((w) => w.lines);
  const last = parseBatchKey(keys[keys.length - 1] ?? '');
  await plant(`spoke-a/${String(first?.first).padStart(16, '0')}-${String(last?.last).padStart(16, '0')}.ndjson.gz`, all, {
    ...whole[0]?.metadata,
    last_position: String(last?.last),
    last_recorded_at: String(whole.at(-1)?.metadata.last_recorded_at),
  });
  const c = await openReplica(dir, 'spoke-c', clock.now);
  const forked = await run(c, 'pull');
  assert.match(forked.errors.join('\n'), /both follow position 0: the origin's history forked/);
  assert.is(await fromA(c), 0);
  await c.close();
});

Batches('a missing batch stops that origin until it is there, then the rest applies in order', async () => {
  await track(a, ['f1', 'f2', 'f3', 'f4']);
  await run(a, 'push', noSecurity, 2);
  const keys = await aBatches();
  const hidden = await hub.read(keys[0] ?? '');
  await hub.delete(keys[0] ?? '');
  const partial = await run(b, 'pull');
  assert.is(partial.success, false);
  assert.match(partial.errors.join('\n'), /batches holding its positions 1-\d+ are missing from the hub/);
  assert.is((await b.getFindingStats()).total, 0);
  await hub.create(keys[0] ?? '', hidden?.body ?? Buffer.alloc(0), hidden?.metadata ?? {});
  const complete = await run(b, 'pull');
  assert.is(complete.success, true);
  assert.is((await b.getFindingStats()).total, 4);
});

Batches('signed batches from trusted origins are accepted; unsigned, unknown or forged signatures are rejected', async () => {
  const keys = generateSigningKeys();
  const signer: BatchSecurity = { encryptionKey: null, signingKey: createPrivateKey(keys.privateKeyPem), trusted: null };
  const trusting: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: new Map([['spoke-a', createPublicKey(keys.publicKeyPem)]]) };
  await track(a, ['f1']);
  await run(a, 'push', signer, 10);
  assert.is((await run(b, 'pull', trusting)).success, true);
  const c = await openReplica(dir, 'spoke-c', clock.now);
  await track(c, ['unsigned']);
  await sync(c, hub, { direction: 'push', policy: 'latest_wins', batchSize: 10, security: noSecurity, clock: clock.now });
  const refused = await run(b, 'pull', trusting);
  assert.match(refused.warnings.join('\n'), /pull spoke-c: not a trusted origin; its batches are not read/);
  assert.is((await b.getFindingState('unsigned')), null);
  const other = generateSigningKeys();
  const impostor: BatchSecurity = { encryptionKey: null, signingKey: null, trusted: new Map([['spoke-a', createPublicKey(other.publicKeyPem)], ['spoke-c', createPublicKey(other.publicKeyPem)]]) };
  const d = await openReplica(dir, 'spoke-d', clock.now);
  const forged = await sync(d, hub, { direction: 'pull', policy: 'latest_wins', batchSize: 10, security: impostor, clock: clock.now });
  assert.match(forged.errors.join('\n'), /metadata\.signature: .*expected a valid Ed25519 signature by spoke-a/);
  assert.is((await d.getFindingStats()).total, 0);
  await c.close();
  await d.close();
});

Batches('encrypted batches round-trip with the key and are refused without it', async () => {
  const key = randomBytes(32);
  const sealed: BatchSecurity = { encryptionKey: key, signingKey: null, trusted: null };
  await track(a, ['secret-finding']);
  await run(a, 'push', sealed, 10);
  const [batch] = await aBatches();
  const object = await hub.read(batch ?? '');
  assert.not.ok((object?.body ?? Buffer.alloc(0)).includes(Buffer.from('secret-finding')));
  assert.is(object?.metadata.encryption, 'aes-256-gcm');
  const refused = await run(b, 'pull');
  assert.match(refused.errors.join('\n'), /metadata\.encryption: "aes-256-gcm" \(expected none, or STANCE_STATE_SYNC_KEY set to open it\)/);
  const wrong = await run(b, 'pull', { ...sealed, encryptionKey: randomBytes(32) });
  assert.match(wrong.errors.join('\n'), /a body sealed with this STANCE_STATE_SYNC_KEY/);
  const opened = await run(b, 'pull', sealed);
  assert.is(opened.success, true);
  assert.is((await b.getFindingState('secret-finding'))?.lifecycle, 'new');
});

Batches('an interrupted push that created a batch but did not record it is adopted on the next run', async () => {
  await track(a, ['f1', 'f2']);
  const events = await fromOrigin(a, 'spoke-a');
  const batch = encodeBatch('spoke-a', events, { position: 0, sha256: null }, noSecurity);
  await hub.create(batch.key, batch.body, batch.metadata);
  const result = await run(a, 'push', noSecurity, 100);
  // The planted batch is adopted: nothing is pushed twice (the origin's name, written by this first sync, stays local).
  assert.equal([result.success, result.records_synced, result.records_skipped], [true, 0, events.length]);
  assert.is((await aBatches()).length, 1);
});

Batches('pushing under a name whose batch on the hub holds other events reports a diverged history and overwrites nothing', async () => {
  await track(a, ['f1']);
  // What spoke-a had pushed before a restore from an old backup: other events under the same positions.
  const forged = encodeBatch('spoke-a', (await allOf(a)).map((e) => ({ ...e, checksum: 'f'.repeat(64) })), { position: 0, sha256: null }, noSecurity);
  await hub.create(forged.key, forged.body, forged.metadata);
  const result = await run(a, 'push', noSecurity, 100);
  assert.is(result.success, false);
  assert.match(result.errors.join('\n'), /diverged from what it pushed before/);
  assert.is((await hub.read(forged.key))?.metadata.sha256, forged.sha256);
});

Batches.run();
