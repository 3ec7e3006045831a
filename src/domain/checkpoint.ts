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

/**
 * One part of a checkpoint's scope as it appears in its stream name and id: only `%` and `:` are escaped (`%25`,
 * `%3A`), so `iam` / `111:x` / `r` and `iam:111` / `x` / `r` no longer share a stream, while every scope free of
 * both characters (all of them before this encoding) keeps its stream name and checkpoint_id.
 */
export const encodeScopePart = (part: string): string => part.replace(/%/g, '%25').replace(/:/g, '%3A');
const scopeText = (k: CheckpointKey): string =>
  `${encodeScopePart(k.collector)}:${encodeScopePart(k.accountId)}:${encodeScopePart(k.region)}`;

export const checkpointStreamOf = (k: CheckpointKey): string => `checkpoint-${scopeText(k)}`;
/**
 * The stream a key was written to before scope parts were encoded; it differs from checkpointStreamOf only when a
 * part holds `%` or `:`, and may then be shared with other keys (their events tell them apart).
 */
export const legacyCheckpointStreamOf = (k: CheckpointKey): string => `checkpoint-${k.collector}:${k.accountId}:${k.region}`;
/** The original's checkpoint_id: the first 16 hex digits of SHA-256 over `collector:account:region`, parts encoded. */
export const checkpointIdOf = (k: CheckpointKey): string => createHash('sha256').update(scopeText(k)).digest('hex').slice(0, 16);
