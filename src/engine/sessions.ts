import { checkpointRefOf, type CheckpointRowOfSession } from '../../projections/index.js';
import { decideSession, evolveSession, sessionStreamOf, type Identity, type SessionCommand, type SessionState } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeOrThrow, Id, instantOf, JsonDocument, newEventId, type BodyRef, type Instant, type JsonRecord } from '../events/index.js';
import { metaOf } from './actor.js';
import { encodeBody } from './bodies.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents } from './decide.js';
import { getCheckpoint, readBody, requireSession, sessionCheckpointRecord, sessionIdOf, sessionKind, type SessionCheckpointRecord, type SessionRecord } from './session-records.js';
import { purgeUnreferenced } from './session-storage.js';
import { settle } from './states.js';

/** Ids the HTTP routes use as words (`/v1/sessions/stats`): a session may not be named so. */
export const reservedSessionIds: readonly string[] = ['checkpoints', 'stats', 'recover', 'cleanup', 'vacuum'];

/** How long a hold lasts unless renewed (a write by the holder renews it too). */
export const defaultLeaseMs = 60_000;

export interface WriteOptions {
  /** The holder's fencing number; absent for a write by no holder (refused while someone holds the session). */
  readonly fence?: number | undefined;
  readonly identity?: Identity | undefined;
}


export const fenceOf = (fence: number | undefined): number | null => {
  if (fence === undefined) return null;
  if (!Number.isSafeInteger(fence) || fence < 0) throw new InvalidInput('fence', fence, 'a fencing number (a whole number >= 0)');
  return fence;
};

export const leaseUntil = (core: Core, leaseMs: number | undefined): Instant => {
  const ms = leaseMs ?? defaultLeaseMs;
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > 7 * 86_400_000) throw new InvalidInput('lease', ms, 'a lease of 1 ms to 7 days');
  return instantOf(core.clock() + ms);
};

/**
 * Decides a command on one session and commits it at the revision of that load. With `bodies`, their bytes are put
 * in the blob store inside the same unit of work (SQLite: the same transaction as the events, so a crash leaves
 * both or neither); after the commit each is checked once more and put again if a purge raced it away.
 */
export const decideOnSession = async (
  core: Core,
  sessionId: string,
  command: (state: SessionState) => Promise<SessionCommand>,
  options: { readonly identity?: Identity | undefined; readonly bodies?: readonly { readonly ref: BodyRef; readonly bytes: Buffer }[] },
): Promise<SessionState> => {
  const stream = sessionStreamOf(sessionId);
  const bodies = options.bodies ?? [];
  let replaced: BodyRef | null = null;
  const { value, appended } = await decideAndCommit(
    core,
    stream,
    async () => {
      const { state, revision } = await loadOne(core, sessionKind, sessionId);
      const decided = decideSession(state, await command(state));
      if (decided instanceof DomainError) throw decided;
      if (decided.length > 0) for (const b of bodies) await core.backend.blobs.put(b.ref.sha256, b.bytes);
      const writes = decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, metaOf(options.identity)), expectedRevision: revision }];
      const next = decided.reduce(evolveSession, state);
      replaced = state?.body !== undefined && state.body !== null && state.body.sha256 !== next?.body?.sha256 ? state.body : null;
      return { writes, value: next };
    },
    3,
    { atomically: bodies.length > 0 },
  );
  if (appended.length > 0 && bodies.length > 0) {
    const present = await core.backend.blobs.has(bodies.map((b) => b.ref.sha256));
    for (const b of bodies) if (!present.has(b.ref.sha256)) await core.backend.blobs.put(b.ref.sha256, b.bytes);
  }
  // The document a save (or restore, resume, recovery) replaced goes, unless a checkpoint (or another session) still
  // names it: a session saved at every step keeps one current body, not one per step.
  const old = replaced as BodyRef | null;
  if (appended.length > 0 && old !== null)
    await purgeUnreferenced(core, [{ sha256: old.sha256, stored: old.stored }], `replaced in session ${sessionId}`, options.identity);
  await settle(core, appended);
  return value;
};

const documentOf = (document: unknown, field = 'document'): JsonRecord => decodeOrThrow(JsonDocument, document, field);

/** Saves a session's whole document (the seed's save_session); a new id starts a session. */
export const saveSession = async (core: Core, sessionId: string, document: unknown, options: WriteOptions = {}): Promise<SessionRecord> => {
  const id = sessionIdOf(sessionId);
  if (reservedSessionIds.includes(id)) throw new InvalidInput('session_id', id, `an id other than ${reservedSessionIds.join(', ')} (words of the HTTP routes)`);
  const fence = fenceOf(options.fence);
  const body = encodeBody(documentOf(document), core.bodies);
  await decideOnSession(core, id, async () => ({ type: 'SaveSession', data: { sessionId: id, body: body.ref, fence, at: now(core) } }), {
    identity: options.identity,
    bodies: [body],
  });
  return requireSession(core, id);
};

/** A checkpoint of a document (the seed's create_checkpoint); its id is new, UUIDv7, and comes back in the record. */
export const createCheckpoint = async (
  core: Core,
  sessionId: string,
  document: unknown,
  options: WriteOptions & { readonly branch?: string | undefined } = {},
): Promise<SessionCheckpointRecord> => {
  const id = sessionIdOf(sessionId);
  const branch = options.branch === undefined ? null : decodeOrThrow(Id, options.branch, 'branch');
  const fence = fenceOf(options.fence);
  const body = encodeBody(documentOf(document), core.bodies);
  const checkpointId = newEventId(core.clock());
  await decideOnSession(
    core,
    id,
    async () => ({ type: 'CreateCheckpoint', data: { sessionId: id, checkpointId, branch, body: body.ref, fence, at: now(core) } }),
    { identity: options.identity, bodies: [body] },
  );
  const record = await getCheckpoint(core, checkpointId);
  if (record === null) throw new DomainError('unknown_checkpoint', `checkpoint ${checkpointId} vanished`);
  return record;
};

/** The checkpoint's document, and the session's, made current by an event (the seed's restore_checkpoint). */
export const restoreCheckpoint = async (
  core: Core,
  checkpointId: string,
  options: WriteOptions = {},
): Promise<{ readonly session: SessionRecord; readonly checkpoint: SessionCheckpointRecord; readonly document: JsonRecord }> => {
  const cid = decodeOrThrow(Id, checkpointId, 'checkpoint_id');
  const fence = fenceOf(options.fence);
  const found = await core.backend.models.rows({ table: 'session_checkpoints', where: [{ column: 'checkpoint_id', op: '=', value: cid }] });
  const candidate = found[0] as unknown as CheckpointRowOfSession | undefined;
  if (candidate === undefined) throw new DomainError('unknown_checkpoint', `no checkpoint ${cid}`);
  const sessionId = candidate.session_id;
  await decideOnSession(
    core,
    sessionId,
    async () => {
      // Read again inside the decision: a cleanup between the lookup and here removes it (and moves the revision).
      const [row] = await core.backend.models.rows({ table: 'session_checkpoints', where: [{ column: 'checkpoint_id', op: '=', value: cid }] });
      if (row === undefined) throw new DomainError('unknown_checkpoint', `no checkpoint ${cid} (removed meanwhile)`);
      return { type: 'RestoreCheckpoint', data: { sessionId, checkpoint: checkpointRefOf(row as unknown as CheckpointRowOfSession), fence, at: now(core) } };
    },
    { identity: options.identity },
  );
  const checkpoint = sessionCheckpointRecord(candidate);
  return { session: await requireSession(core, sessionId), checkpoint, document: await readBody(core, JSON.parse(candidate.body) as BodyRef) };
};

/** Pause (the seed's pause_execution): save `document` if given, checkpoint the current document, paused, released. */
export const pauseSession = async (core: Core, sessionId: string, options: WriteOptions & { readonly document?: unknown } = {}): Promise<SessionRecord> => {
  const id = sessionIdOf(sessionId);
  const fence = fenceOf(options.fence);
  const body = options.document === undefined ? null : encodeBody(documentOf(options.document), core.bodies);
  const checkpointId = newEventId(core.clock());
  await decideOnSession(
    core,
    id,
    async () => ({ type: 'PauseSession', data: { sessionId: id, checkpointId, body: body?.ref ?? null, fence, at: now(core) } }),
    { identity: options.identity, bodies: body === null ? [] : [body] },
  );
  return requireSession(core, id);
};
