import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, session, type SessionCommand, type SessionEvent } from '../../src/domain/index.js';
import type { BodyRef, CheckpointRef, Instant } from '../../src/events/index.js';
import { specify } from '../support/decider.js';
import { at } from '../support/events.js';

const given = specify(session);
const t = (hour: number) => at(1, hour) as Instant;
const body = (n: number): BodyRef => ({ sha256: n.toString(16).padStart(64, '0'), size: 10 * n, stored: 5 * n, codec: 'gzip', key: null });
const saved = (n: number, fence: number | null = null, hour = 1): SessionEvent => ({ type: 'SessionSaved', data: { sessionId: 's1', body: body(n), fence, at: t(hour) } });
const ckpt = (id: string, seq: number, n: number, hour = 2): CheckpointRef => ({ checkpointId: id, seq, branch: null, body: body(n), at: t(hour) });
const checkpointed = (id: string, seq: number, n: number, fence: number | null = null): SessionEvent => ({
  type: 'SessionCheckpointCreated',
  data: { sessionId: 's1', checkpoint: ckpt(id, seq, n), fence },
});
const claimed = (owner: string, fence: number, until: number): SessionEvent => ({
  type: 'SessionClaimed',
  data: { sessionId: 's1', owner, fence, leaseUntil: t(until), at: t(1) },
});
const save = (n: number, fence: number | null = null, hour = 3): SessionCommand => ({ type: 'SaveSession', data: { sessionId: 's1', body: body(n), fence, at: t(hour) } });
const claim = (owner: string, hour: number, until: number): SessionCommand => ({ type: 'ClaimSession', data: { sessionId: 's1', owner, leaseUntil: t(until), at: t(hour) } });
const recover = (hour: number): SessionCommand => ({ type: 'RecoverSession', data: { sessionId: 's1', at: t(hour) } });

const Fencing = suite('domain/session: owners, leases and fencing numbers');

Fencing('a session nobody holds takes a save from anyone', () => {
  given(saved(1)).when(save(2)).then(saved(2, null, 3));
});

Fencing('a claim holds the session under the next fencing number', () => {
  given(saved(1)).when(claim('p1', 2, 5)).then({ type: 'SessionClaimed', data: { sessionId: 's1', owner: 'p1', fence: 1, leaseUntil: t(5), at: t(2) } });
});

Fencing('while held, a save without the holder’s fence is refused', () => {
  given(saved(1), claimed('p1', 1, 5)).when(save(2)).thenFails('conflict');
});

Fencing('the holder saves with its fence', () => {
  given(saved(1), claimed('p1', 1, 5)).when(save(2, 1)).then(saved(2, 1, 3));
});

Fencing('a live lease cannot be claimed from under its holder', () => {
  given(saved(1), claimed('p1', 1, 5)).when(claim('p2', 3, 9)).thenFails('conflict');
});

Fencing('an expired lease can be claimed, under a higher number', () => {
  given(saved(1), claimed('p1', 1, 5)).when(claim('p2', 6, 9)).then({ type: 'SessionClaimed', data: { sessionId: 's1', owner: 'p2', fence: 2, leaseUntil: t(9), at: t(6) } });
});

Fencing('recovery of an expired hold restores the latest checkpoint, pauses, and fences the old holder', () => {
  given(saved(1), claimed('p1', 1, 5), checkpointed('c1', 0, 7, 1), saved(8, 1))
    .when(recover(6))
    .then({
      type: 'SessionRecovered',
      data: { sessionId: 's1', previousOwner: 'p1', previousFence: 1, fence: 2, checkpointId: 'c1', body: body(7), at: t(6) },
    });
});

Fencing('a live hold is not recovered', () => {
  given(saved(1), claimed('p1', 1, 5)).when(recover(4)).then();
});

Fencing('after recovery the old holder’s late write is refused', () => {
  const recovered: SessionEvent = {
    type: 'SessionRecovered',
    data: { sessionId: 's1', previousOwner: 'p1', previousFence: 1, fence: 2, checkpointId: null, body: null, at: t(6) },
  };
  given(saved(1), claimed('p1', 1, 5), recovered).when(save(9, 1, 7)).thenFails('conflict');
});

Fencing('a fence on a session nobody ever held is stale', () => {
  given(saved(1)).when(save(2, 3)).thenFails('conflict');
});

const Checkpoints = suite('domain/session: checkpoints, pause and resume');

Checkpoints('checkpoints number from 0 and the newest is the latest', () => {
  const state = fold(session, [saved(1), checkpointed('c0', 0, 1), checkpointed('c1', 1, 2)]);
  assert.equal([state?.checkpoints, state?.nextSeq, state?.latest?.checkpointId], [2, 2, 'c1']);
});

Checkpoints('cleanup with keep_last removes all but the newest N, oldest named first after the newest', () => {
  const live = [ckpt('c0', 0, 1), ckpt('c2', 2, 3), ckpt('c1', 1, 2)];
  given(saved(1), checkpointed('c0', 0, 1), checkpointed('c1', 1, 2), checkpointed('c2', 2, 3))
    .when({ type: 'CleanupCheckpoints', data: { sessionId: 's1', keepLast: 1, live, at: t(4) } })
    .then({ type: 'SessionCheckpointsRemoved', data: { sessionId: 's1', checkpointIds: ['c1', 'c0'], reason: 'keep_last 1', latest: ckpt('c2', 2, 3), at: t(4) } });
});

Checkpoints('cleanup keeping more than there are changes nothing', () => {
  given(saved(1), checkpointed('c0', 0, 1)).when({ type: 'CleanupCheckpoints', data: { sessionId: 's1', keepLast: 3, live: [ckpt('c0', 0, 1)], at: t(4) } }).then();
});

Checkpoints('pause saves, checkpoints the document and pauses, releasing the hold', () => {
  const state = fold(session, [saved(1), claimed('p1', 1, 5)]);
  const decided = session.decide(state, { type: 'PauseSession', data: { sessionId: 's1', checkpointId: 'c9', body: body(4), fence: 1, at: t(3) } });
  assert.ok(Array.isArray(decided));
  const after = (decided as SessionEvent[]).reduce(session.evolve, state);
  assert.equal((decided as SessionEvent[]).map((e) => e.type), ['SessionSaved', 'SessionCheckpointCreated', 'SessionPaused']);
  assert.equal([after?.status, after?.owner, after?.latest?.body, after?.body], ['paused', null, body(4), body(4)]);
});

Checkpoints('resume takes the latest checkpoint’s document and holds the session', () => {
  const paused: SessionEvent = { type: 'SessionPaused', data: { sessionId: 's1', fence: null, at: t(2) } };
  given(saved(1), checkpointed('c0', 0, 5), saved(6), paused)
    .when({ type: 'ResumeSession', data: { sessionId: 's1', owner: 'p2', leaseUntil: t(9), fence: null, at: t(3) } })
    .then({ type: 'SessionResumed', data: { sessionId: 's1', checkpointId: 'c0', body: body(5), owner: 'p2', fence: 1, leaseUntil: t(9), at: t(3) } });
});

Checkpoints('resuming a session that is not paused is refused', () => {
  given(saved(1)).when({ type: 'ResumeSession', data: { sessionId: 's1', owner: 'p2', leaseUntil: t(9), fence: null, at: t(3) } }).thenFails('illegal_transition');
});

Checkpoints('a deleted session is unknown to everything but a new save', () => {
  const deleted: SessionEvent = { type: 'SessionDeleted', data: { sessionId: 's1', reason: 'cleanup', at: t(2) } };
  given(saved(1), deleted).when(claim('p1', 3, 5)).thenFails('unknown_session');
  given(saved(1), deleted).when(save(2)).then(saved(2, null, 3));
});

Fencing.run();
Checkpoints.run();
