import { checkpointFromRow, type CheckpointRow } from '../../projections/index.js';
import {
  checkpoint,
  checkpointIdOf,
  checkpointStreamOf,
  fold,
  isCheckpointEvent,
  legacyCheckpointStreamOf,
  type CheckpointCommand,
  type CheckpointEvent,
  type CheckpointKey,
  type CheckpointState,
  type Identity,
} from '../domain/index.js';
import { DomainError } from '../errors.js';
import { asDomainEvent, decodeOrThrow } from '../events/index.js';
import type { Filter } from '../ports/read-models.js';
import { now, type Core } from './core.js';
import { metaOf, requireScope } from './actor.js';
import { decideAndCommit, loadOne, toNewEvents, type CommandMeta, type EntityKind, type Loaded } from './decide.js';
import { CheckpointInput, CheckpointKeyInput } from './inputs.js';
import { checkpointRecord, type CheckpointRecord } from './records.js';
import { scanKind } from './scans.js';

export const checkpointKind: EntityKind<CheckpointState> = {
  table: 'checkpoints',
  key: 'checkpoint_id',
  streamOf: (id) => `checkpoint-${id}`,
  fromRow: (row) => checkpointFromRow(row as unknown as CheckpointRow),
  initial: null,
  evolve: (state, event) => {
    const e = asDomainEvent(event);
    return isCheckpointEvent(e) ? checkpoint.evolve(state, e) : state;
  },
};

export const getCheckpoint = async (core: Core, collector: string, accountId: string, region: string): Promise<CheckpointRecord | null> => {
  const [row] = await core.backend.models.rows({
    table: 'checkpoints',
    where: [{ column: 'checkpoint_id', op: '=', value: checkpointIdOf({ collector, accountId, region }) }],
  });
  return row === undefined ? null : checkpointRecord(row as unknown as CheckpointRow);
};

const sameKey = (a: CheckpointKey, b: CheckpointKey): boolean =>
  a.collector === b.collector && a.accountId === b.accountId && a.region === b.region;

/**
 * A checkpoint's decision state: its read-model row. For a scope holding `%` or `:` it is folded from the log
 * instead, first from the stream it was written to before scope parts were escaped: either stream may hold other
 * keys' events (the collisions the escaping ends), so only this key's are folded. The expected revision is that of
 * the stream appended to.
 */
const loadCheckpoint = async (core: Core, key: CheckpointKey): Promise<Loaded<CheckpointState>> => {
  const stream = checkpointStreamOf(key);
  const legacy = legacyCheckpointStreamOf(key);
  if (legacy === stream) return loadOne(core, checkpointKind, checkpointIdOf(key));
  const own = core.backend.origin;
  const events = [...(await core.backend.log.readEntity(legacy)), ...(await core.backend.log.readEntity(stream))].filter(
    (e) => e.meta.origin === own,
  );
  const mine = events.map((e) => asDomainEvent(e) as CheckpointEvent).filter((e) => sameKey(e.data, key));
  const revision = await core.backend.log.streamRevision(stream);
  return { state: fold(checkpoint, mine), revision: revision ?? 'no_stream' };
};

const decideCheckpoint = async (core: Core, key: CheckpointKey, command: CheckpointCommand, meta: CommandMeta): Promise<void> => {
  const stream = checkpointStreamOf(key);
  await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadCheckpoint(core, key);
    const decided = checkpoint.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    return { writes: decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, meta), expectedRevision: revision }], value: null };
  });
};

/**
 * Moves a checkpoint to a scan. Its scan time is the scan's start (from the scan's decision state, so an archived
 * scan still counts where the log is read); it only moves forward unless forced.
 */
export const updateCheckpoint = async (core: Core, input: CheckpointInput, identity?: Identity): Promise<CheckpointRecord> => {
  const i = decodeOrThrow(CheckpointInput, input);
  requireScope(identity, i.accountId, i.region, `checkpoint ${i.collector}`);
  const scanState = (await loadOne(core, scanKind, i.scanId)).state;
  if (scanState === null) throw new DomainError('unknown_scan', `scan ${i.scanId} is not known`);
  const key: CheckpointKey = { collector: i.collector, accountId: i.accountId, region: i.region };
  await decideCheckpoint(
    core,
    key,
    {
      type: 'UpdateCheckpoint',
      data: { ...key, scanId: i.scanId, scanTime: scanState.startedAt, cursor: i.cursor ?? '', forced: i.force ?? false, metadata: i.metadata ?? {} },
    },
    metaOf(identity),
  );
  const record = await getCheckpoint(core, i.collector, i.accountId, i.region);
  if (record === null) throw new DomainError('unknown_checkpoint', `checkpoint ${checkpointStreamOf(key)} vanished`);
  return record;
};

/** Deletes a checkpoint; false when there was none (the original's bool). */
export const deleteCheckpoint = async (core: Core, collector: string, accountId: string, region: string, identity?: Identity): Promise<boolean> => {
  const key = decodeOrThrow(CheckpointKeyInput, { collector, accountId, region });
  requireScope(identity, key.accountId, key.region, `checkpoint ${key.collector}`);
  try {
    await decideCheckpoint(
      core,
      key,
      { type: 'DeleteCheckpoint', data: { collector: key.collector, accountId: key.accountId, region: key.region, deletedAt: now(core) } },
      metaOf(identity),
    );
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unknown_checkpoint') return false;
    throw error;
  }
};

export const listCheckpoints = async (
  core: Core,
  filter: { collector?: string | undefined; accountId?: string | undefined } = {},
): Promise<CheckpointRecord[]> => {
  const where: Filter[] = [];
  if (filter.collector !== undefined) where.push({ column: 'collector_name', op: '=', value: filter.collector });
  if (filter.accountId !== undefined) where.push({ column: 'account_id', op: '=', value: filter.accountId });
  const rows = await core.backend.models.rows({
    table: 'checkpoints',
    where,
    order: [{ column: 'collector_name' }, { column: 'account_id' }, { column: 'region' }],
  });
  return rows.map((r) => checkpointRecord(r as unknown as CheckpointRow));
};
