import { checkpointRefOf, sessionFromRow, type CheckpointRowOfSession, type SessionRow } from '../../projections/index.js';
import {
  decideSession,
  evolveSession,
  isSessionEvent,
  sessionStreamOf,
  type Identity,
  type SessionCommand,
  type SessionState,
} from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { asDomainEvent, decodeOrThrow, Id, instantOf, JsonDocument, newEventId, type BodyRef, type Instant, type JsonRecord } from '../events/index.js';
import { metaOf } from './actor.js';
import { decodeBody, encodeBody } from './bodies.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents, type EntityKind } from './decide.js';
import { purgeUnreferenced } from './session-storage.js';
import { settle } from './states.js';

/** A session as printed: where it stands, who holds it, and its current document's size (not the document). */
export interface SessionRecord {
  readonly session_id: string;
  readonly status: string;
  readonly owner: string | null;
  readonly fence: number;
  readonly lease_until: string | null;
  readonly checkpoints: number;
  readonly latest_checkpoint_id: string | null;
  readonly sha256: string | null;
  readonly size: number;
  readonly stored: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision: number;
}

export interface SessionCheckpointRecord {
  readonly checkpoint_id: string;
  readonly session_id: string;
  readonly seq: number;
  readonly branch: string | null;
  readonly sha256: string;
  readonly size: number;
  readonly stored: number;
  readonly created_at: string;
}

/** Ids the HTTP routes use as words (`/v1/sessions/stats`): a session may not be named so. */
export const reservedSessionIds: readonly string[] = ['checkpoints', 'stats', 'recover', 'cleanup', 'vacuum'];

/** How long a hold lasts unless renewed (a write by the holder renews it too). */
export const defaultLeaseMs = 60_000;

export const sessionRecord = (r: SessionRow): SessionRecord => {
  const body = r.body === null ? null : (JSON.parse(r.body) as BodyRef);
  const latest = r.latest === null ? null : (JSON.parse(r.latest) as { checkpointId: string });
  return {
    session_id: r.session_id,
    status: r.status,
    owner: r.owner,
    fence: r.fence,
    lease_until: r.lease_until,
    checkpoints: r.checkpoints,
    latest_checkpoint_id: latest?.checkpointId ?? null,
    sha256: body?.sha256 ?? null,
    size: body?.size ?? 0,
    stored: body?.stored ?? 0,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision: r.revision,
  };
};

export const sessionCheckpointRecord = (r: CheckpointRowOfSession): SessionCheckpointRecord => {
  const body = JSON.parse(r.body) as BodyRef;
  return {
    checkpoint_id: r.checkpoint_id,
    session_id: r.session_id,
    seq: r.seq,
    branch: r.branch,
    sha256: body.sha256,
    size: body.size,
    stored: body.stored,
    created_at: r.created_at,
  };
};

export const sessionKind: EntityKind<SessionState> = {
  table: 'sessions',
  key: 'session_id',
  streamOf: sessionStreamOf,
  fromRow: (row) => sessionFromRow(row as unknown as SessionRow),
  initial: null,
  evolve: (state, event) => {
    const e = asDomainEvent(event);
    return isSessionEvent(e) ? evolveSession(state, e) : state;
  },
};

export interface WriteOptions {
  /** The holder's fencing number; absent for a write by no holder (refused while someone holds the session). */
  readonly fence?: number | undefined;
  readonly identity?: Identity | undefined;
}

const sessionIdOf = (sessionId: string): string => {
  const id = decodeOrThrow(Id, sessionId, 'session_id');
  return id;
};

const fenceOf = (fence: number | undefined): number | null => {
  if (fence === undefined) return null;
  if (!Number.isSafeInteger(fence) || fence < 0) throw new InvalidInput('fence', fence, 'a fencing number (a whole number >= 0)');
  return fence;
};

const leaseUntil = (core: Core, leaseMs: number | undefined): Instant => {
  const ms = leaseMs ?? defaultLeaseMs;
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > 7 * 86_400_000) throw new InvalidInput('lease', ms, 'a lease of 1 ms to 7 days');
  return instantOf(core.clock() + ms);
};

/**
 * Decides a command on one session and commits it at the revision of that load. With `bodies`, their bytes are put
 * in the blob store inside the same unit of work (SQLite: the same transaction as the events, so a crash leaves
 * both or neither); after the commit each is checked once more and put again if a purge raced it away.
 */
const decideOnSession = async (
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

const rowOf = async (core: Core, sessionId: string): Promise<SessionRow | undefined> =>
  (await core.backend.models.rows({ table: 'sessions', where: [{ column: 'session_id', op: '=', value: sessionId }] }))[0] as SessionRow | undefined;

export const getSession = async (core: Core, sessionId: string): Promise<SessionRecord | null> => {
  const row = await rowOf(core, sessionIdOf(sessionId));
  return row === undefined || row.status === 'deleted' ? null : sessionRecord(row);
};

const requireSession = async (core: Core, sessionId: string): Promise<SessionRecord> => {
  const record = await getSession(core, sessionId);
  if (record === null) throw new DomainError('unknown_session', `no session ${sessionId}`);
  return record;
};

const documentOf = (document: unknown, field = 'document'): JsonRecord => decodeOrThrow(JsonDocument, document, field);

/** Reads and checks a body; a body the store lost is named with what the log says about it. */
export const readBody = async (core: Core, ref: BodyRef): Promise<JsonRecord> => {
  const bytes = await core.backend.blobs.get(ref.sha256);
  if (bytes === null) throw new DomainError('unknown_body', `body ${ref.sha256} is not in the store (purged, or lost: see log verify)`);
  return decodeBody(ref, bytes, core.bodies);
};

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

/** The session's current document (the seed's load_session), or null for a session never saved (or deleted). */
export const loadSession = async (core: Core, sessionId: string): Promise<{ readonly session: SessionRecord; readonly document: JsonRecord } | null> => {
  const id = sessionIdOf(sessionId);
  const row = await rowOf(core, id);
  if (row === undefined || row.status === 'deleted' || row.body === null) return null;
  return { session: sessionRecord(row), document: await readBody(core, JSON.parse(row.body) as BodyRef) };
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

export const getCheckpoint = async (core: Core, checkpointId: string): Promise<SessionCheckpointRecord | null> => {
  const id = decodeOrThrow(Id, checkpointId, 'checkpoint_id');
  const [row] = await core.backend.models.rows({ table: 'session_checkpoints', where: [{ column: 'checkpoint_id', op: '=', value: id }] });
  return row === undefined ? null : sessionCheckpointRecord(row as unknown as CheckpointRowOfSession);
};

/** A session's live checkpoints, newest first (the seed's list_checkpoints). */
export const listCheckpoints = async (core: Core, sessionId: string): Promise<SessionCheckpointRecord[]> => {
  const id = sessionIdOf(sessionId);
  const rows = await core.backend.models.rows({
    table: 'session_checkpoints',
    where: [{ column: 'session_id', op: '=', value: id }],
    order: [{ column: 'seq', desc: true }],
  });
  return rows.map((r) => sessionCheckpointRecord(r as unknown as CheckpointRowOfSession));
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

export interface Held {
  readonly session: SessionRecord;
  readonly fence: number;
  readonly lease_until: string;
}

/** Resume (the seed's resume_execution): the latest checkpoint's document becomes current, held by `owner`. */
export const resumeSession = async (
  core: Core,
  sessionId: string,
  options: { readonly owner: string; readonly leaseMs?: number | undefined; readonly fence?: number | undefined; readonly identity?: Identity | undefined },
): Promise<Held & { readonly document: JsonRecord | null }> => {
  const id = sessionIdOf(sessionId);
  const owner = decodeOrThrow(Id, options.owner, 'owner');
  const fence = fenceOf(options.fence);
  const state = await decideOnSession(
    core,
    id,
    async () => ({ type: 'ResumeSession', data: { sessionId: id, owner, leaseUntil: leaseUntil(core, options.leaseMs), fence, at: now(core) } }),
    { identity: options.identity },
  );
  const session = await requireSession(core, id);
  const document = state?.body === null || state?.body === undefined ? null : await readBody(core, state.body);
  return { session, fence: session.fence, lease_until: session.lease_until ?? '', document };
};

/** Holds a session: the owner and lease are recorded, and the next fencing number is the holder's. */
export const claimSession = async (
  core: Core,
  sessionId: string,
  options: { readonly owner: string; readonly leaseMs?: number | undefined; readonly identity?: Identity | undefined },
): Promise<Held> => {
  const id = sessionIdOf(sessionId);
  const owner = decodeOrThrow(Id, options.owner, 'owner');
  await decideOnSession(core, id, async () => ({ type: 'ClaimSession', data: { sessionId: id, owner, leaseUntil: leaseUntil(core, options.leaseMs), at: now(core) } }), {
    identity: options.identity,
  });
  const session = await requireSession(core, id);
  return { session, fence: session.fence, lease_until: session.lease_until ?? '' };
};

export const renewSessionLease = async (
  core: Core,
  sessionId: string,
  fence: number,
  options: { readonly leaseMs?: number | undefined; readonly identity?: Identity | undefined } = {},
): Promise<Held> => {
  const id = sessionIdOf(sessionId);
  const f = fenceOf(fence) as number;
  await decideOnSession(core, id, async () => ({ type: 'RenewLease', data: { sessionId: id, fence: f, leaseUntil: leaseUntil(core, options.leaseMs), at: now(core) } }), {
    identity: options.identity,
  });
  const session = await requireSession(core, id);
  return { session, fence: session.fence, lease_until: session.lease_until ?? '' };
};

export const releaseSession = async (core: Core, sessionId: string, fence: number, options: { readonly identity?: Identity | undefined } = {}): Promise<SessionRecord> => {
  const id = sessionIdOf(sessionId);
  const f = fenceOf(fence) as number;
  await decideOnSession(core, id, async () => ({ type: 'ReleaseSession', data: { sessionId: id, fence: f, at: now(core) } }), { identity: options.identity });
  return requireSession(core, id);
};

/** Sessions, newest change first (all, or in one status). */
export const listSessions = async (core: Core, options: { readonly status?: string | undefined; readonly limit?: number | undefined } = {}): Promise<SessionRecord[]> => {
  const status = options.status;
  if (status !== undefined && !['active', 'paused'].includes(status)) throw new InvalidInput('status', status, 'active or paused');
  const rows = await core.backend.models.rows({
    table: 'sessions',
    where: status === undefined ? [{ column: 'status', op: '<>', value: 'deleted' }] : [{ column: 'status', op: '=', value: status }],
    order: [{ column: 'updated_at', desc: true }, { column: 'session_id', desc: true }],
    limit: options.limit ?? 1000,
  });
  return rows.map((r) => sessionRecord(r as unknown as SessionRow));
};

/**
 * The seed's crash recovery: every session whose holder's lease ran out is restored to its latest checkpoint,
 * paused, and fenced (its old holder's late writes are refused). Candidates come from the read model; each is
 * decided again on its own state.
 */
export const recoverSessions = async (core: Core, options: { readonly identity?: Identity | undefined } = {}): Promise<SessionRecord[]> => {
  const at = now(core);
  const candidates = await core.backend.models.rows({
    table: 'sessions',
    where: [
      { column: 'owner', op: 'is not null' },
      { column: 'lease_until', op: '<=', value: at },
    ],
    order: [{ column: 'lease_until' }],
    columns: ['session_id'],
  });
  const recovered: SessionRecord[] = [];
  for (const c of candidates) {
    const id = c.session_id as string;
    const before = await rowOf(core, id);
    await decideOnSession(core, id, async () => ({ type: 'RecoverSession', data: { sessionId: id, at: now(core) } }), { identity: options.identity });
    const after = await rowOf(core, id);
    if (after !== undefined && before !== undefined && after.revision !== before.revision) recovered.push(sessionRecord(after));
  }
  return recovered;
};
