import { DomainError } from '../errors.js';
import type { BodyRef, CheckpointRef, DomainEvent, Instant } from '../events/index.js';
import type { Decider } from './decider.js';

type SessionEventType =
  | 'SessionSaved'
  | 'SessionCheckpointCreated'
  | 'SessionCheckpointRestored'
  | 'SessionCheckpointsRemoved'
  | 'SessionPaused'
  | 'SessionClaimed'
  | 'SessionLeaseRenewed'
  | 'SessionReleased'
  | 'SessionResumed'
  | 'SessionRecovered'
  | 'SessionDeleted';
export type SessionEvent = Extract<DomainEvent, { type: SessionEventType }>;
export const sessionTypes: ReadonlySet<string> = new Set<string>([
  'SessionSaved',
  'SessionCheckpointCreated',
  'SessionCheckpointRestored',
  'SessionCheckpointsRemoved',
  'SessionPaused',
  'SessionClaimed',
  'SessionLeaseRenewed',
  'SessionReleased',
  'SessionResumed',
  'SessionRecovered',
  'SessionDeleted',
] satisfies SessionEventType[]);
export const isSessionEvent = (e: { type: string }): e is SessionEvent => sessionTypes.has(e.type);

export type SessionStatus = 'active' | 'paused' | 'deleted';

/**
 * A resumable session (seed 004): its current document (a body kept outside the log), its checkpoints (counted; the
 * latest kept here, the rest in the read model), and who holds it: an owner under a lease, with the fencing number
 * its writes carry. A new holder gets a higher number, so a holder that lost the session writes no more.
 */
export interface Session {
  readonly sessionId: string;
  readonly status: SessionStatus;
  readonly body: BodyRef | null;
  readonly owner: string | null;
  readonly fence: number;
  readonly leaseUntil: Instant | null;
  readonly checkpoints: number;
  readonly nextSeq: number;
  readonly latest: CheckpointRef | null;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}
export type SessionState = Session | null; // null: never saved

/** A live checkpoint as the engine loads it from the read model for a restore or a cleanup. */
export type LiveCheckpoint = CheckpointRef;

export type SessionCommand =
  | { type: 'SaveSession'; data: { sessionId: string; body: BodyRef; fence: number | null; at: Instant } }
  | { type: 'CreateCheckpoint'; data: { sessionId: string; checkpointId: string; branch: string | null; body: BodyRef; fence: number | null; at: Instant } }
  | { type: 'RestoreCheckpoint'; data: { sessionId: string; checkpoint: LiveCheckpoint; fence: number | null; at: Instant } }
  /** `live`: the session's live checkpoints, newest first, as loaded with the session. */
  | { type: 'CleanupCheckpoints'; data: { sessionId: string; keepLast: number; live: readonly LiveCheckpoint[]; at: Instant } }
  /** Pause: a checkpoint of the current document (or of `body`, saved first), then paused and released. */
  | { type: 'PauseSession'; data: { sessionId: string; checkpointId: string; body: BodyRef | null; fence: number | null; at: Instant } }
  | { type: 'ClaimSession'; data: { sessionId: string; owner: string; leaseUntil: Instant; at: Instant } }
  | { type: 'RenewLease'; data: { sessionId: string; fence: number; leaseUntil: Instant; at: Instant } }
  | { type: 'ReleaseSession'; data: { sessionId: string; fence: number; at: Instant } }
  /** Resume: the latest checkpoint's document becomes current, and the session is held by `owner` (a holder may pass its fence). */
  | { type: 'ResumeSession'; data: { sessionId: string; owner: string; leaseUntil: Instant; fence: number | null; at: Instant } }
  | { type: 'RecoverSession'; data: { sessionId: string; at: Instant } }
  | { type: 'DeleteSession'; data: { sessionId: string; reason: string; at: Instant } };

const held = (s: Session): boolean => s.owner !== null;

export const evolveSession = (state: SessionState, event: SessionEvent): SessionState => {
  const at = 'at' in event.data ? event.data.at : (event.data as { checkpoint: CheckpointRef }).checkpoint.at;
  if (event.type === 'SessionSaved') {
    const base: Session = state ?? {
      sessionId: event.data.sessionId,
      status: 'active',
      body: null,
      owner: null,
      fence: 0,
      leaseUntil: null,
      checkpoints: 0,
      nextSeq: 0,
      latest: null,
      createdAt: at,
      updatedAt: at,
    };
    // A save brings a deleted session back, with none of its old checkpoints.
    const revived = base.status === 'deleted' ? { ...base, checkpoints: 0, latest: null, createdAt: at } : base;
    return { ...revived, status: revived.status === 'paused' ? 'paused' : 'active', body: event.data.body, updatedAt: at };
  }
  if (state === null) return null;
  switch (event.type) {
    case 'SessionCheckpointCreated': {
      const c = event.data.checkpoint;
      return { ...state, checkpoints: state.checkpoints + 1, nextSeq: c.seq + 1, latest: c, updatedAt: at };
    }
    case 'SessionCheckpointRestored':
      return { ...state, body: event.data.body, updatedAt: at };
    case 'SessionCheckpointsRemoved':
      return { ...state, checkpoints: state.checkpoints - event.data.checkpointIds.length, latest: event.data.latest, updatedAt: at };
    case 'SessionPaused':
      return { ...state, status: 'paused', owner: null, leaseUntil: null, updatedAt: at };
    case 'SessionClaimed':
      return { ...state, owner: event.data.owner, fence: event.data.fence, leaseUntil: event.data.leaseUntil, updatedAt: at };
    case 'SessionLeaseRenewed':
      return { ...state, leaseUntil: event.data.leaseUntil };
    case 'SessionReleased':
      return { ...state, owner: null, leaseUntil: null, updatedAt: at };
    case 'SessionResumed': {
      const d = event.data;
      return { ...state, status: 'active', body: d.body ?? state.body, owner: d.owner, fence: d.fence, leaseUntil: d.leaseUntil, updatedAt: at };
    }
    case 'SessionRecovered': {
      const d = event.data;
      return { ...state, status: 'paused', body: d.body ?? state.body, owner: null, fence: d.fence, leaseUntil: null, updatedAt: at };
    }
    case 'SessionDeleted':
      return { ...state, status: 'deleted', body: null, owner: null, leaseUntil: null, checkpoints: 0, latest: null, updatedAt: at };
    default:
      return state;
  }
};

const conflict = (message: string) => new DomainError('conflict', message);

/**
 * Whether a write carrying `fence` may go ahead: while the session is held only its holder's current number; while
 * nobody holds it only a write by no holder (a number from a hold that ended was fenced off by its recovery or
 * release).
 */
const fenceCheck = (s: Session, fence: number | null): DomainError | null => {
  if (held(s)) {
    if (fence === s.fence) return null;
    const lease = s.leaseUntil === null ? '' : ` (lease until ${s.leaseUntil})`;
    return conflict(
      fence === null
        ? `session ${s.sessionId} is held by ${s.owner} with fence ${s.fence}${lease}: only its holder writes (recover or claim it first)`
        : `session ${s.sessionId}: fence ${fence} is stale; ${s.owner} holds it with fence ${s.fence}`,
    );
  }
  if (fence === null) return null;
  return conflict(`session ${s.sessionId}: fence ${fence} is stale; the session was released or recovered (it is at fence ${s.fence}, held by nobody)`);
};

const live = (state: SessionState, sessionId: string): Session | DomainError =>
  state === null || state.status === 'deleted' ? new DomainError('unknown_session', `no session ${sessionId}`) : state;

export const decideSession = (state: SessionState, command: SessionCommand): readonly SessionEvent[] | DomainError => {
  const { sessionId, at } = command.data;
  switch (command.type) {
    case 'SaveSession': {
      const { body, fence } = command.data;
      if (state !== null && state.status !== 'deleted') {
        const refused = fenceCheck(state, fence);
        if (refused !== null) return refused;
      } else if (fence !== null) return conflict(`session ${sessionId}: fence ${fence} is stale; the session is ${state === null ? 'new' : 'deleted'}`);
      return [{ type: 'SessionSaved', data: { sessionId, body, fence, at } }];
    }
    case 'ClaimSession': {
      const s = live(state, sessionId);
      if (s instanceof DomainError) return s;
      if (held(s) && s.leaseUntil !== null && s.leaseUntil > at)
        return conflict(`session ${sessionId} is held by ${s.owner} until ${s.leaseUntil} (fence ${s.fence})`);
      const { owner, leaseUntil } = command.data;
      return [{ type: 'SessionClaimed', data: { sessionId, owner, fence: s.fence + 1, leaseUntil, at } }];
    }
    case 'ResumeSession': {
      const s = live(state, sessionId);
      if (s instanceof DomainError) return s;
      if (held(s) && s.leaseUntil !== null && s.leaseUntil > at && command.data.fence !== s.fence)
        return conflict(`session ${sessionId} is held by ${s.owner} until ${s.leaseUntil} (fence ${s.fence})`);
      if (s.status !== 'paused') return new DomainError('illegal_transition', `session ${sessionId} is ${s.status}, not paused`);
      const { owner, leaseUntil } = command.data;
      const latest = s.latest;
      return [{ type: 'SessionResumed', data: { sessionId, checkpointId: latest?.checkpointId ?? null, body: latest?.body ?? null, owner, fence: s.fence + 1, leaseUntil, at } }];
    }
    case 'RecoverSession': {
      const s = live(state, sessionId);
      if (s instanceof DomainError) return s;
      // Only a hold whose lease ran out: a live holder is not recovered from under itself.
      if (!held(s) || s.leaseUntil === null || s.leaseUntil > at) return [];
      const latest = s.latest;
      return [
        {
          type: 'SessionRecovered',
          data: { sessionId, previousOwner: s.owner as string, previousFence: s.fence, fence: s.fence + 1, checkpointId: latest?.checkpointId ?? null, body: latest?.body ?? null, at },
        },
      ];
    }
    case 'DeleteSession': {
      const s = live(state, sessionId);
      if (s instanceof DomainError) return s;
      if (held(s) && s.leaseUntil !== null && s.leaseUntil > at) return conflict(`session ${sessionId} is held by ${s.owner} until ${s.leaseUntil}`);
      return [{ type: 'SessionDeleted', data: { sessionId, reason: command.data.reason, at } }];
    }
    default:
      break;
  }
  const s = live(state, sessionId);
  if (s instanceof DomainError) return s;
  switch (command.type) {
    case 'CreateCheckpoint': {
      const { checkpointId, branch, body, fence } = command.data;
      const refused = fenceCheck(s, fence);
      if (refused !== null) return refused;
      return [{ type: 'SessionCheckpointCreated', data: { sessionId, checkpoint: { checkpointId, seq: s.nextSeq, branch, body, at }, fence } }];
    }
    case 'RestoreCheckpoint': {
      const { checkpoint, fence } = command.data;
      const refused = fenceCheck(s, fence);
      if (refused !== null) return refused;
      return [{ type: 'SessionCheckpointRestored', data: { sessionId, checkpointId: checkpoint.checkpointId, body: checkpoint.body, fence, at } }];
    }
    case 'CleanupCheckpoints': {
      const { keepLast, live: checkpoints } = command.data;
      const newestFirst = [...checkpoints].sort((a, b) => b.seq - a.seq);
      const removed = newestFirst.slice(keepLast);
      if (removed.length === 0) return [];
      const latest = newestFirst[0] !== undefined && keepLast > 0 ? newestFirst[0] : null;
      return [{ type: 'SessionCheckpointsRemoved', data: { sessionId, checkpointIds: removed.map((c) => c.checkpointId), reason: `keep_last ${keepLast}`, latest, at } }];
    }
    case 'PauseSession': {
      const { checkpointId, body, fence } = command.data;
      const refused = fenceCheck(s, fence);
      if (refused !== null) return refused;
      const current = body ?? s.body;
      if (current === null) return new DomainError('illegal_transition', `session ${sessionId} has no document to pause with`);
      const events: SessionEvent[] = [];
      if (body !== null) events.push({ type: 'SessionSaved', data: { sessionId, body, fence, at } });
      events.push({ type: 'SessionCheckpointCreated', data: { sessionId, checkpoint: { checkpointId, seq: s.nextSeq, branch: null, body: current, at }, fence } });
      events.push({ type: 'SessionPaused', data: { sessionId, fence, at } });
      return events;
    }
    case 'RenewLease': {
      const { fence, leaseUntil } = command.data;
      if (!held(s) || fence !== s.fence) return conflict(`session ${sessionId}: fence ${fence} no longer holds it (${held(s) ? `${s.owner} holds fence ${s.fence}` : 'nobody holds it'})`);
      return [{ type: 'SessionLeaseRenewed', data: { sessionId, fence, leaseUntil, at } }];
    }
    case 'ReleaseSession': {
      const { fence } = command.data;
      if (!held(s) || fence !== s.fence) return conflict(`session ${sessionId}: fence ${fence} no longer holds it`);
      return [{ type: 'SessionReleased', data: { sessionId, fence, at } }];
    }
  }
};

export const session: Decider<SessionState, SessionCommand, SessionEvent> = { initialState: () => null, decide: decideSession, evolve: evolveSession };

export const sessionStreamOf = (sessionId: string): string => `session-${sessionId}`;

/** Every body an event names, as the references `log verify` checks against the blob store. */
export const bodiesOf = (event: SessionEvent): BodyRef[] => {
  const d = event.data as Record<string, unknown>;
  const out: BodyRef[] = [];
  for (const key of ['body', 'checkpoint', 'latest']) {
    const v = d[key] as { sha256?: unknown; body?: BodyRef } | null | undefined;
    if (v === null || v === undefined) continue;
    if (typeof v.sha256 === 'string') out.push(v as BodyRef);
    else if (v.body !== undefined) out.push(v.body);
  }
  return out;
};
