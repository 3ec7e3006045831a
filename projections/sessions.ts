import { evolveSession, isSessionEvent, sessionTypes, type Session, type SessionStatus } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type BodyRef, type CheckpointRef, type Instant } from '../src/events/index.js';
import { columns, type Projection, type Row, type RowAccess } from './projection.js';

/** A row of the sessions table: the decision state of a session, and what its bodies add up to. */
export interface SessionRow {
  session_id: string;
  status: SessionStatus;
  owner: string | null;
  fence: number;
  lease_until: string | null;
  /** Canonical JSON of the current body's BodyRef, or null. */
  body: string | null;
  checkpoints: number;
  next_seq: number;
  /** Canonical JSON of the latest live checkpoint's CheckpointRef, or null. */
  latest: string | null;
  created_at: string;
  updated_at: string;
  /** The session's references (current body and checkpoints) in raw and stored bytes, as the counters hold them. */
  bytes_raw: number;
  bytes_stored: number;
  revision: number;
  position: number;
}

export const sessionFromRow = (r: SessionRow): Session => ({
  sessionId: r.session_id,
  status: r.status,
  body: r.body === null ? null : (JSON.parse(r.body) as BodyRef),
  owner: r.owner,
  fence: r.fence,
  leaseUntil: r.lease_until as Instant | null,
  checkpoints: r.checkpoints,
  nextSeq: r.next_seq,
  latest: r.latest === null ? null : (JSON.parse(r.latest) as CheckpointRef),
  createdAt: r.created_at as Instant,
  updatedAt: r.updated_at as Instant,
});

/** A row of session_checkpoints. */
export interface CheckpointRowOfSession {
  session_id: string;
  checkpoint_id: string;
  seq: number;
  branch: string | null;
  body: string;
  created_at: string;
}

export const checkpointRefOf = (r: CheckpointRowOfSession): CheckpointRef => ({
  checkpointId: r.checkpoint_id,
  seq: r.seq,
  branch: r.branch,
  body: JSON.parse(r.body) as BodyRef,
  at: r.created_at as Instant,
});

const counters = 'session_stats';

/** A reference from a session (its current document, `current`, or a checkpoint by id) to a body. */
interface RefRow {
  session_id: string;
  ref: string;
  sha256: string;
  size: number;
  stored: number;
}

interface Totals {
  raw: number;
  stored: number;
}

/** Points a reference at a body (or drops it), moving the counters and the session's totals by the difference. */
const setRef = (rows: RowAccess, sessionId: string, ref: string, body: BodyRef | null, totals: Totals): void => {
  const before = rows.get('session_bodies', [sessionId, ref]) as RefRow | undefined;
  const raw = (body?.size ?? 0) - (before?.size ?? 0);
  const stored = (body?.stored ?? 0) - (before?.stored ?? 0);
  rows.add(counters, 'bytes_raw', raw);
  rows.add(counters, 'bytes_stored', stored);
  totals.raw += raw;
  totals.stored += stored;
  if (body === null) rows.delete('session_bodies', [sessionId, ref]);
  else rows.put('session_bodies', { session_id: sessionId, ref, sha256: body.sha256, size: body.size, stored: body.stored });
};

/**
 * Sessions and checkpoints (seed 004): a row per session (its decision state: status, holder and fencing number,
 * current body, checkpoint count and latest), its live checkpoints, and `session_bodies`, every live reference to a
 * body, which tells cleanup whether a body is still used (by address) and stats what they weigh. Counters:
 * `sessions`, `checkpoints`, `bytes_raw`, `bytes_stored` (per reference: a body two checkpoints share counts twice;
 * the blob store's own stats count it once). Only this data dir's own events count: sessions never replicate.
 */
export const sessionsProjection: Projection = {
  name: 'sessions',
  version: 1,
  handles: [...sessionTypes],
  tables: [
    {
      name: 'sessions',
      columns: columns(`session_id:text! status:text owner:text? fence:integer lease_until:text? body:text? checkpoints:integer
        next_seq:integer latest:text? created_at:text updated_at:text bytes_raw:integer bytes_stored:integer revision:integer position:integer`),
      key: ['session_id'],
      indexes: [
        { name: 'sessions_held', columns: ['lease_until'], where: { column: 'owner', op: 'is not null' } },
        { name: 'sessions_by_update', columns: ['status', 'updated_at', 'session_id'] },
      ],
    },
    {
      name: 'session_checkpoints',
      columns: columns('session_id:text! checkpoint_id:text seq:integer branch:text? body:text created_at:text'),
      key: ['session_id', 'checkpoint_id'],
      indexes: [
        { name: 'session_checkpoints_by_id', columns: ['checkpoint_id'], unique: true },
        { name: 'session_checkpoints_by_seq', columns: ['session_id', 'seq'] },
      ],
    },
    {
      name: 'session_bodies',
      columns: columns('session_id:text ref:text sha256:text size:integer stored:integer'),
      key: ['session_id', 'ref'],
      indexes: [{ name: 'session_bodies_by_sha', columns: ['sha256'] }],
    },
    { name: counters, columns: columns('key:text value:real'), key: ['key'], counters: true },
  ],
  reads(event) {
    if (!isSessionEvent(event)) return [];
    const id = (event.data as { sessionId: string }).sessionId;
    const refs = [
      { table: 'sessions', key: [id] },
      { table: 'session_bodies', key: [id, 'current'] },
    ];
    if (event.type === 'SessionCheckpointsRemoved')
      for (const c of (event.data as { checkpointIds: string[] }).checkpointIds)
        refs.push({ table: 'session_bodies', key: [id, c] }, { table: 'session_checkpoints', key: [id, c] });
    if (event.type === 'SessionCheckpointCreated' || event.type === 'SessionPaused')
      refs.push({ table: 'session_bodies', key: [id, (event.data as { checkpoint?: { checkpointId: string } }).checkpoint?.checkpointId ?? ''] });
    return refs;
  },
  apply(rows, event, context) {
    if (event.meta.origin !== context.merge().local) return;
    const e = asDomainEvent(event);
    if (!isSessionEvent(e)) return;
    const id = e.data.sessionId;
    const row = rows.get('sessions', [id]) as SessionRow | undefined;
    const before = row === undefined ? null : sessionFromRow(row);
    const next = evolveSession(before, e);
    if (next === null) return;
    const totals: Totals = { raw: row?.bytes_raw ?? 0, stored: row?.bytes_stored ?? 0 };
    const wasLive = before !== null && before.status !== 'deleted';
    const isLive = next.status !== 'deleted';
    if (wasLive !== isLive) rows.add(counters, 'sessions', isLive ? 1 : -1);
    switch (e.type) {
      case 'SessionCheckpointCreated': {
        const c = e.data.checkpoint;
        rows.put('session_checkpoints', { session_id: id, checkpoint_id: c.checkpointId, seq: c.seq, branch: c.branch, body: canonicalJson(c.body), created_at: c.at });
        rows.add(counters, 'checkpoints', 1);
        setRef(rows, id, c.checkpointId, c.body, totals);
        break;
      }
      case 'SessionCheckpointsRemoved':
        for (const c of e.data.checkpointIds) {
          rows.delete('session_checkpoints', [id, c]);
          rows.add(counters, 'checkpoints', -1);
          setRef(rows, id, c, null, totals);
        }
        break;
      case 'SessionDeleted':
        // Everything the session referenced goes with it; its totals leave the counters in one step.
        rows.add(counters, 'checkpoints', -(before?.checkpoints ?? 0));
        rows.add(counters, 'bytes_raw', -totals.raw);
        rows.add(counters, 'bytes_stored', -totals.stored);
        totals.raw = 0;
        totals.stored = 0;
        rows.deletePrefix('session_checkpoints', [id]);
        rows.deletePrefix('session_bodies', [id]);
        break;
      default:
        if (next.body?.sha256 !== before?.body?.sha256 || before === null || !wasLive) setRef(rows, id, 'current', next.body, totals);
    }
    const out: SessionRow = {
      session_id: id,
      status: next.status,
      owner: next.owner,
      fence: next.fence,
      lease_until: next.leaseUntil,
      body: next.body === null ? null : canonicalJson(next.body),
      checkpoints: next.checkpoints,
      next_seq: next.nextSeq,
      latest: next.latest === null ? null : canonicalJson(next.latest),
      created_at: next.createdAt,
      updated_at: next.updatedAt,
      bytes_raw: totals.raw,
      bytes_stored: totals.stored,
      revision: event.revision,
      position: event.position,
    };
    rows.put('sessions', out as unknown as Row);
  },
};
