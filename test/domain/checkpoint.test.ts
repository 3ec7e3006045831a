import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkpoint,
  checkpointIdOf,
  checkpointStreamOf,
  fold,
  legacyCheckpointStreamOf,
  type CheckpointCommand,
  type CheckpointEvent,
} from '../../src/domain/index.js';
import { specify } from '../support/decider.js';
import { at } from '../support/findings.js';

const given = specify(checkpoint);
const key = { collector: 'iam', accountId: '111', region: 'us-east-1' };
const data = (scanId: string, day: number, forced = false) => ({ ...key, scanId, scanTime: at(day), cursor: `c${day}`, forced, metadata: {} });
const updated = (scanId: string, day: number, forced = false): CheckpointEvent => ({ type: 'CheckpointUpdated', data: data(scanId, day, forced) });
const update = (scanId: string, day: number, forced = false): CheckpointCommand => ({ type: 'UpdateCheckpoint', data: data(scanId, day, forced) });
const del: CheckpointCommand = { type: 'DeleteCheckpoint', data: { ...key, deletedAt: at(9) } };

const Checkpoints = suite('domain/checkpoint: forward only');

Checkpoints('a first checkpoint is recorded', () => {
  given().when(update('s1', 1)).then(updated('s1', 1));
});

Checkpoints('a checkpoint moves forward and to the same scan time', () => {
  given(updated('s1', 1)).when(update('s2', 2)).then(updated('s2', 2));
  given(updated('s1', 1)).when(update('s1b', 1)).then(updated('s1b', 1));
});

Checkpoints('an older scan cannot move a checkpoint back unless forced', () => {
  given(updated('s2', 2)).when(update('s1', 1)).thenFails('illegal_transition');
  given(updated('s2', 2)).when(update('s1', 1, true)).then(updated('s1', 1, true));
});

Checkpoints('deleting removes it; deleting a missing one is refused', () => {
  given(updated('s1', 1)).when(del).then({ type: 'CheckpointDeleted', data: { ...key, deletedAt: at(9) } });
  given().when(del).thenFails('unknown_checkpoint');
  assert.is(fold(checkpoint, [updated('s1', 1), { type: 'CheckpointDeleted', data: { ...key, deletedAt: at(2) } }]), null);
});

Checkpoints('a deleted checkpoint starts again from any scan', () => {
  given(updated('s2', 2), { type: 'CheckpointDeleted', data: { ...key, deletedAt: at(3) } }).when(update('s1', 1)).then(updated('s1', 1));
});

Checkpoints('checkpoint ids are the original first 16 hex digits of SHA-256', () => {
  // sha256('iam:111:us-east-1') = bc21f9353c534ac5…, as the original's update_checkpoint computes it.
  assert.is(checkpointIdOf(key), 'bc21f9353c534ac5');
  assert.is.not(checkpointIdOf(key), checkpointIdOf({ ...key, region: 'eu-west-1' }));
});

Checkpoints('scopes that differ only in where a colon falls get their own stream and id', () => {
  const a = { collector: 'iam', accountId: '111', region: 'us-east-1:x' };
  const b = { collector: 'iam:111', accountId: 'us-east-1', region: 'x' };
  assert.is.not(checkpointStreamOf(a), checkpointStreamOf(b));
  assert.is.not(checkpointIdOf(a), checkpointIdOf(b));
  assert.is(checkpointStreamOf(a), 'checkpoint-iam:111:us-east-1%3Ax');
  assert.is(checkpointStreamOf(b), 'checkpoint-iam%3A111:us-east-1:x');
});

Checkpoints('a percent sign is escaped too, so an escaped colon and a literal %3A differ', () => {
  const colon = { collector: 'iam', accountId: '111', region: 'a:b' };
  const literal = { collector: 'iam', accountId: '111', region: 'a%3Ab' };
  assert.is(checkpointStreamOf(literal), 'checkpoint-iam:111:a%253Ab');
  assert.is.not(checkpointStreamOf(colon), checkpointStreamOf(literal));
  assert.is.not(checkpointIdOf(colon), checkpointIdOf(literal));
});

Checkpoints('a scope without % or : keeps the stream name and id it had before the encoding', () => {
  assert.is(checkpointStreamOf(key), legacyCheckpointStreamOf(key));
  assert.is(checkpointStreamOf(key), 'checkpoint-iam:111:us-east-1');
  assert.is(checkpointIdOf(key), 'bc21f9353c534ac5');
});

Checkpoints.run();
