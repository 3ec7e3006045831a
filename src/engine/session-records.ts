import { sessionFromRow, type CheckpointRowOfSession, type SessionRow } from '../../projections/index.js';
import { evolveSession, isSessionEvent, sessionStreamOf, type SessionState } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { asDomainEvent, decodeOrThrow, Id, type BodyRef, type JsonRecord } from '../events/index.js';
import { decodeBody } from './bodies.js';
import type { Core } from './core.js';
import type { EntityKind } from './decide.js';

export const sessionIdOf = (sessionId: string): string => decodeOrThrow(Id, sessionId, 'session_id');

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

export const sessionRowOf = async (core: Core, sessionId: string): Promise<SessionRow | undefined> =>
  (await core.backend.models.rows({ table: 'sessions', where: [{ column: 'session_id', op: '=', value: sessionId }] }))[0] as SessionRow | undefined;

export const getSession = async (core: Core, sessionId: string): Promise<SessionRecord | null> => {
  const row = await sessionRowOf(core, sessionIdOf(sessionId));
  return row === undefined || row.status === 'deleted' ? null : sessionRecord(row);
};

export const requireSession = async (core: Core, sessionId: string): Promise<SessionRecord> => {
  const record = await getSession(core, sessionId);
  if (record === null) throw new DomainError('unknown_session', `no session ${sessionId}`);
  return record;
};


/** Reads and checks a body; a body the store lost is named with what the log says about it. */
export const readBody = async (core: Core, ref: BodyRef): Promise<JsonRecord> => {
  const bytes = await core.backend.blobs.get(ref.sha256);
  if (bytes === null) throw new DomainError('unknown_body', `body ${ref.sha256} is not in the store (purged, or lost: see log verify)`);
  return decodeBody(ref, bytes, core.bodies);
};

/** The session's current document (the seed's load_session), or null for a session never saved (or deleted). */
export const loadSession = async (core: Core, sessionId: string): Promise<{ readonly session: SessionRecord; readonly document: JsonRecord } | null> => {
  const id = sessionIdOf(sessionId);
  const row = await sessionRowOf(core, id);
  if (row === undefined || row.status === 'deleted' || row.body === null) return null;
  return { session: sessionRecord(row), document: await readBody(core, JSON.parse(row.body) as BodyRef) };
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
