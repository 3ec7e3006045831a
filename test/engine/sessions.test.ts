import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, InvalidInput } from '../../src/errors.js';
import { verifyBodies, type StateEngine } from '../../src/engine/index.js';
import { collect } from '../support/events.js';
import { openTestEngine, siblingOf, type TestClock, onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Sessions = suite(onBackend('engine/sessions: documents, checkpoints, holders and bodies beside the log'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
Sessions.before(() => {
  dir = makeTempDir('engine-sessions');
});
Sessions.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
Sessions.after.each(() => engine.close());
Sessions.after(() => removeDir(dir));

const refusal = async (work: () => Promise<unknown>): Promise<Error> => {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
};
const doc = (step: number, extra: Record<string, unknown> = {}) => ({ session_id: 's1', execution_state: { current_step: step, total_steps: 100 }, ...extra });

Sessions('a saved document loads back whole; the log holds its address and sizes, never its content', async () => {
  const saved = await engine.sessions.save('s1', doc(42, { marker: 'the-plaintext-marker' }));
  assert.equal([saved.status, saved.checkpoints, saved.size > 0, saved.stored > 0], ['active', 0, true, true]);
  assert.equal((await engine.sessions.load('s1'))?.document, doc(42, { marker: 'the-plaintext-marker' }));
  const events = await collect(engine.backend.log.readAll());
  assert.not.ok(JSON.stringify(events).includes('the-plaintext-marker'));
  const body = (events.find((e) => e.type === 'SessionSaved')?.data as { body: { sha256: string; codec: string } }).body;
  assert.equal([body.sha256, body.codec], [saved.sha256, 'gzip']);
  assert.is(await engine.sessions.load('nope'), null);
});

Sessions('checkpoints list newest first; restoring one makes its document current, by an event', async () => {
  await engine.sessions.save('s1', doc(1));
  const c1 = await engine.sessions.createCheckpoint('s1', doc(10), { branch: 'main' });
  const c2 = await engine.sessions.createCheckpoint('s1', doc(20));
  assert.equal((await engine.sessions.listCheckpoints('s1')).map((c) => [c.checkpoint_id, c.seq, c.branch]), [[c2.checkpoint_id, 1, null], [c1.checkpoint_id, 0, 'main']]);
  const restored = await engine.sessions.restoreCheckpoint(c1.checkpoint_id);
  assert.equal(restored.document, doc(10));
  assert.equal((await engine.sessions.load('s1'))?.document, doc(10));
  assert.ok((await collect(engine.backend.log.readStream('session-s1'))).some((e) => e.type === 'SessionCheckpointRestored'));
  assert.instance(await refusal(() => engine.sessions.restoreCheckpoint('no-such')), DomainError);
});

Sessions('cleanup keeps exactly the newest N checkpoints and purges the bodies only they named, each by an event', async () => {
  await engine.sessions.save('s1', doc(3));
  const made: { checkpoint_id: string; sha256: string }[] = [];
  for (let step = 0; step < 6; step += 1) made.push(await engine.sessions.createCheckpoint('s1', doc(step)));
  const blobsBefore = (await engine.backend.blobs.stats()).count;
  const { removed, purged } = await engine.sessions.cleanupCheckpoints('s1', 2);
  assert.equal(removed.sort(), made.slice(0, 4).map((c) => c.checkpoint_id).sort());
  assert.equal((await engine.sessions.listCheckpoints('s1')).map((c) => c.checkpoint_id), [made[5]?.checkpoint_id, made[4]?.checkpoint_id]);
  // doc(3) is also the session's current document: that body stays, the other three go.
  assert.is(purged.length, 3);
  assert.not.ok(purged.some((p) => p.sha256 === made[3]?.sha256));
  assert.is((await engine.backend.blobs.stats()).count, blobsBefore - 3);
  const purges = await collect(engine.backend.log.readAll({ filter: { types: ['BodyPurged'] } }));
  assert.equal(purges.map((e) => (e.data as { sha256: string }).sha256).sort(), purged.map((p) => p.sha256).sort());
  assert.match((purges[0]?.data as { reason: string }).reason, 'checkpoint cleanup of session s1 (keep_last 2)');
  assert.equal((await engine.sessions.load('s1'))?.document, doc(3));
  const stats = await engine.sessions.stats();
  assert.equal([stats.session_count, stats.checkpoint_count], [1, 2]);
});

Sessions('log verify of the bodies: a purged body is purged, a deleted one without an event is missing', async () => {
  await engine.sessions.save('s1', doc(0));
  const old = await engine.sessions.createCheckpoint('s1', doc(1));
  await engine.sessions.createCheckpoint('s1', doc(2));
  await engine.sessions.cleanupCheckpoints('s1', 1);
  let report = await verifyBodies(engine.backend.log, engine.backend.blobs);
  assert.equal([report.ok, report.referenced, report.present, report.purged, report.missing.length], [true, 3, 2, 1, 0]);
  const current = (await engine.sessions.get('s1'))?.sha256 as string;
  await engine.backend.blobs.delete([current]);
  report = await verifyBodies(engine.backend.log, engine.backend.blobs);
  assert.equal([report.ok, report.missing.map((m) => m.sha256)], [false, [current]]);
  assert.ok(old.sha256 !== current);
});

Sessions('a body purged and then saved again is present again; if it goes missing after, that is tampering', async () => {
  await engine.sessions.save('s1', doc(0));
  const c = await engine.sessions.createCheckpoint('s1', doc(7));
  await engine.sessions.cleanupCheckpoints('s1', 0);
  await engine.sessions.save('s1', doc(7));
  assert.ok((await verifyBodies(engine.backend.log, engine.backend.blobs)).ok);
  await engine.backend.blobs.delete([c.sha256]);
  const report = await verifyBodies(engine.backend.log, engine.backend.blobs);
  assert.equal(report.missing.map((m) => m.sha256), [c.sha256]);
});

Sessions('pause checkpoints the document and releases the hold; resume takes the latest checkpoint and holds it', async () => {
  await engine.sessions.save('s1', doc(1));
  const held = await engine.sessions.claim('s1', { owner: 'collector-7', leaseMs: 60_000 });
  const paused = await engine.sessions.pause('s1', { document: doc(5), fence: held.fence });
  assert.equal([paused.status, paused.owner, paused.checkpoints], ['paused', null, 1]);
  await engine.sessions.save('s1', doc(6));
  const resumed = await engine.sessions.resume('s1', { owner: 'collector-8' });
  assert.equal([resumed.document, resumed.session.status, resumed.session.owner, resumed.fence], [doc(5), 'active', 'collector-8', 2]);
  assert.equal((await engine.sessions.load('s1'))?.document, doc(5));
});

Sessions('recovery after a holder’s lease ran out: latest checkpoint, paused, and the old holder’s late write refused', async () => {
  await engine.sessions.save('s1', doc(1));
  const held = await engine.sessions.claim('s1', { owner: 'dead-process', leaseMs: 30_000 });
  await engine.sessions.createCheckpoint('s1', doc(2), { fence: held.fence });
  await engine.sessions.save('s1', doc(3), { fence: held.fence });
  assert.equal(await engine.sessions.recover(), []);
  clock.advance(1);
  const [recovered] = await engine.sessions.recover();
  assert.equal([recovered?.session_id, recovered?.status, recovered?.owner, recovered?.fence], ['s1', 'paused', null, 2]);
  assert.equal((await engine.sessions.load('s1'))?.document, doc(2));
  const late = await refusal(() => engine.sessions.save('s1', doc(4), { fence: held.fence }));
  assert.instance(late, DomainError);
  assert.match(late.message, `fence ${held.fence} is stale`);
  assert.equal((await engine.sessions.load('s1'))?.document, doc(2));
});

Sessions('while held, nobody else writes; a live lease is not taken over', async () => {
  await engine.sessions.save('s1', doc(1));
  await engine.sessions.claim('s1', { owner: 'a', leaseMs: 60_000 });
  assert.instance(await refusal(() => engine.sessions.save('s1', doc(2))), DomainError);
  assert.instance(await refusal(() => engine.sessions.claim('s1', { owner: 'b' })), DomainError);
  clock.advance(2);
  const b = await engine.sessions.claim('s1', { owner: 'b' });
  assert.is(b.fence, 2);
});

Sessions('cleanup of old sessions keeps the newest N whatever their age, and the held ones', async () => {
  for (const id of ['a', 'b', 'c', 'd']) {
    await engine.sessions.save(id, doc(1, { id }));
    clock.days(1);
  }
  await engine.sessions.claim('a', { owner: 'p', leaseMs: 5 * 86_400_000 });
  await engine.sessions.save('e', doc(1, { id: 'e' }));
  clock.days(3);
  const { deleted } = await engine.sessions.cleanupOld({ olderThanDays: 2, keepLast: 1 });
  assert.equal(deleted.sort(), ['b', 'c', 'd']);
  assert.equal((await engine.sessions.list()).map((s) => s.session_id).sort(), ['a', 'e']);
  assert.is(await engine.sessions.load('b'), null);
  assert.ok((await verifyBodies(engine.backend.log, engine.backend.blobs)).ok);
});

Sessions('vacuum deletes bodies nothing names once past the grace period, each after a purge event', async () => {
  const orphan = randomBytes(64);
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256').update(orphan).digest('hex');
  await engine.backend.blobs.put(sha, orphan);
  await engine.sessions.save('s1', doc(1));
  assert.equal((await engine.sessions.vacuum()).purged, []);
  clock.advance(16);
  assert.equal((await engine.sessions.vacuum()).purged.map((p) => p.sha256), [sha]);
  assert.ok((await engine.sessions.load('s1')) !== null);
  assert.is((await collect(engine.backend.log.readStream(`body-${sha}`))).length, 1);
});

Sessions('bodies sealed with a key need that key to be read; the events name the key by fingerprint only', async () => {
  const key = randomBytes(32);
  // Other processes on the suite's store (which stays open, so the store does too), each with its own body settings.
  const sealed = await siblingOf(engine, { clock: clock.now, bodies: { key, gzipLevel: 9 } });
  try {
    await sealed.sessions.save('s1', doc(1, { secret: 'hunter2' }));
    assert.equal((await sealed.sessions.load('s1'))?.document, doc(1, { secret: 'hunter2' }));
    const [event] = await collect(sealed.backend.log.readStream('session-s1'));
    assert.is((event?.data as { body: { codec: string } }).body.codec, 'gzip+aes-256-gcm');
  } finally {
    await sealed.close();
  }
  const keyless = await siblingOf(engine, { clock: clock.now });
  const wrong = await siblingOf(engine, { clock: clock.now, bodies: { key: randomBytes(32) } });
  try {
    const error = await refusal(() => keyless.sessions.load('s1'));
    assert.instance(error, InvalidInput);
    assert.match(error.message, 'STANCE_STATE_BODY_KEY');
    assert.match((await refusal(() => wrong.sessions.load('s1'))).message, 'the key');
  } finally {
    await keyless.close();
    await wrong.close();
  }
});

Sessions('a document that is not a JSON object is bad input, and nothing is written', async () => {
  const head = await engine.backend.log.headPosition();
  for (const bad of [[1, 2], 'text', null]) assert.instance(await refusal(() => engine.sessions.save('s1', bad)), InvalidInput);
  assert.is(await engine.backend.log.headPosition(), head);
  assert.is((await engine.backend.blobs.stats()).count, 0);
});

Sessions.run();
