import type { CheckpointRow } from '../../projections/index.js';
import {
  checkpoint,
  checkpointStreamOf,
  fold,
  legacyCheckpointStreamOf,
  scan,
  scanStreamOf,
  type CheckpointEvent,
  type CheckpointKey,
  type CheckpointState,
  type Identity,
} from '../domain/index.js';
import { DomainError } from '../errors.js';
import { asDomainEvent, decodeOrThrow } from '../events/index.js';
import { now, sql, type Core } from './core.js';
import { metaOf, requireScope } from './actor.js';
import { handle, loadFromStream, type Loaded } from './handle.js';
import { CheckpointInput, CheckpointKeyInput } from './inputs.js';
import { checkpointRecord, type CheckpointRecord } from './records.js';

export const getCheckpoint = (core: Core, collector: string, accountId: string, region: string): CheckpointRecord | null => {
  const row = sql<[string, string, string], CheckpointRow>(core, 
      'SELECT * FROM checkpoints WHERE collector_name = ? AND account_id = ? AND region = ?',
    )
    .get(collector, accountId, region);
  return row === undefined ? null : checkpointRecord(row);
};

const sameKey = (a: CheckpointKey, b: CheckpointKey): boolean =>
  a.collector === b.collector && a.accountId === b.accountId && a.region === b.region;

/**
 * A checkpoint folded from its stream; for a scope holding `%` or `:`, first from the stream it was written to before
 * scope parts were encoded. Either stream may hold other keys' events (the collisions the encoding ends), so only
 * this key's are folded. The expected revision is that of the stream appended to.
 */
const loadCheckpoint = (core: Core, key: CheckpointKey): Loaded<CheckpointState> => {
  const stream = checkpointStreamOf(key);
  const legacy = legacyCheckpointStreamOf(key);
  const current = [...core.store.readStreamSync(stream)];
  const events = [...(legacy === stream ? [] : core.store.readStreamSync(legacy)), ...current]
    .map((e) => asDomainEvent(e) as CheckpointEvent)
    .filter((e) => sameKey(e.data, key));
  const last = current[current.length - 1];
  return { state: fold(checkpoint, events), revision: last === undefined ? 'no_stream' : last.revision };
};

/**
 * Moves a checkpoint to a scan. Its scan time is the scan's start (from the scan's own events, so an archived
 * scan still counts); it only moves forward unless forced.
 */
export const updateCheckpoint = (core: Core, input: CheckpointInput, identity?: Identity): CheckpointRecord => {
  const i = decodeOrThrow(CheckpointInput, input);
  requireScope(identity, i.accountId, i.region, `checkpoint ${i.collector}`);
  const scanState = loadFromStream(core.store, scanStreamOf(i.scanId), scan).state;
  if (scanState === null) throw new DomainError('unknown_scan', `scan ${i.scanId} is not known`);
  const key: CheckpointKey = { collector: i.collector, accountId: i.accountId, region: i.region };
  const stream = checkpointStreamOf(key);
  handle(core.store, stream, checkpoint, () => loadCheckpoint(core, key), {
    type: 'UpdateCheckpoint',
    data: {
      ...key,
      scanId: i.scanId,
      scanTime: scanState.startedAt,
      cursor: i.cursor ?? '',
      forced: i.force ?? false,
      metadata: i.metadata ?? {},
    },
  }, metaOf(identity));
  const record = getCheckpoint(core, i.collector, i.accountId, i.region);
  if (record === null) throw new DomainError('unknown_checkpoint', `checkpoint ${stream} vanished`);
  return record;
};

/** Deletes a checkpoint; false when there was none (the original's bool). */
export const deleteCheckpoint = (
  core: Core,
  collector: string,
  accountId: string,
  region: string,
  identity?: Identity,
): boolean => {
  const key = decodeOrThrow(CheckpointKeyInput, { collector, accountId, region });
  requireScope(identity, key.accountId, key.region, `checkpoint ${key.collector}`);
  const stream = checkpointStreamOf(key);
  try {
    handle(core.store, stream, checkpoint, () => loadCheckpoint(core, key), {
      type: 'DeleteCheckpoint',
      data: { collector: key.collector, accountId: key.accountId, region: key.region, deletedAt: now(core) },
    }, metaOf(identity));
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unknown_checkpoint') return false;
    throw error;
  }
};

export const listCheckpoints = (core: Core, filter: { collector?: string | undefined; accountId?: string | undefined } = {}): CheckpointRecord[] => {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.collector !== undefined) (where.push('collector_name = ?'), params.push(filter.collector));
  if (filter.accountId !== undefined) (where.push('account_id = ?'), params.push(filter.accountId));
  return sql<string[], CheckpointRow>(core, 
      `SELECT * FROM checkpoints ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY collector_name, account_id, region`,
    )
    .all(...params)
    .map(checkpointRecord);
};
