import { createHash } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { DomainEvent, DomainEventOf, Instant, JsonRecord } from '../events/index.js';
import type { Decider } from './decider.js';

export type CheckpointEvent = Extract<DomainEvent, { type: 'CheckpointUpdated' | 'CheckpointDeleted' }>;
export const isCheckpointEvent = (e: { type: string }): e is CheckpointEvent =>
  e.type === 'CheckpointUpdated' || e.type === 'CheckpointDeleted';

export interface CheckpointKey {
  readonly collector: string;
  readonly accountId: string;
  readonly region: string;
}

export interface Checkpoint extends CheckpointKey {
  readonly scanId: string;
  readonly scanTime: Instant;
  readonly cursor: string;
  readonly metadata: JsonRecord;
}
/** null: never set, or deleted. */
export type CheckpointState = Checkpoint | null;

export type CheckpointCommand =
  | { type: 'UpdateCheckpoint'; data: DomainEventOf<'CheckpointUpdated'>['data'] }
  | { type: 'DeleteCheckpoint'; data: DomainEventOf<'CheckpointDeleted'>['data'] };

const evolve = (state: CheckpointState, event: CheckpointEvent): CheckpointState => {
  if (event.type === 'CheckpointDeleted') return null;
  const { collector, accountId, region, scanId, scanTime, cursor, metadata } = event.data;
  return { collector, accountId, region, scanId, scanTime, cursor, metadata };
};

const name = (k: CheckpointKey) => `${k.collector}/${k.accountId || '-'}/${k.region || '-'}`;

const decide = (state: CheckpointState, command: CheckpointCommand): readonly CheckpointEvent[] | DomainError => {
  if (command.type === 'DeleteCheckpoint') {
    if (state === null) return new DomainError('unknown_checkpoint', `no checkpoint for ${name(command.data)}`);
    return [{ type: 'CheckpointDeleted', data: command.data }];
  }
  const d = command.data;
  // Checkpoints only move forward in scan time: an older scan finishing late must not rewind incremental
  // collection (the original overwrote blindly). `forced` is the operator's explicit override.
  if (state !== null && d.scanTime < state.scanTime && !d.forced)
    return new DomainError(
      'illegal_transition',
      `checkpoint ${name(d)} stands at scan ${state.scanId} (${state.scanTime}); scan ${d.scanId} (${d.scanTime}) is older (use force to move it back)`,
    );
  return [{ type: 'CheckpointUpdated', data: d }];
};

export const checkpoint: Decider<CheckpointState, CheckpointCommand, CheckpointEvent> = {
  initialState: () => null,
  decide,
  evolve,
};

export const checkpointStreamOf = (k: CheckpointKey): string => `checkpoint-${k.collector}:${k.accountId}:${k.region}`;
/** The original's checkpoint_id: the first 16 hex digits of SHA-256 over `collector:account:region`. */
export const checkpointIdOf = (k: CheckpointKey): string =>
  createHash('sha256').update(`${k.collector}:${k.accountId}:${k.region}`).digest('hex').slice(0, 16);
