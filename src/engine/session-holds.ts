import type { Identity } from '../domain/index.js';
import { decodeOrThrow, Id, type JsonRecord } from '../events/index.js';
import { now, type Core } from './core.js';
import { decideOnSession, fenceOf, leaseUntil } from './sessions.js';
import { readBody, requireSession, sessionIdOf, sessionRecord, sessionRowOf, type SessionRecord } from './session-records.js';

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
    const before = await sessionRowOf(core, id);
    await decideOnSession(core, id, async () => ({ type: 'RecoverSession', data: { sessionId: id, at: now(core) } }), { identity: options.identity });
    const after = await sessionRowOf(core, id);
    if (after !== undefined && before !== undefined && after.revision !== before.revision) recovered.push(sessionRecord(after));
  }
  return recovered;
};
