import { checkpointRefOf, type CheckpointRowOfSession, type SessionRow } from '../../projections/index.js';
import { sessionStreamOf, type Identity } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeOrThrow, Id, instantOf, type NewEvent } from '../events/index.js';
import { metaOf } from './actor.js';
import { now, type Core } from './core.js';
import { decideAndCommit, loadOne, toNewEvents } from './decide.js';
import { sessionKind } from './session-records.js';
import { decideSession } from '../domain/index.js';

export interface Purged {
  readonly sha256: string;
  readonly stored: number;
}

/** How long an unreferenced body is left alone by vacuum: a write elsewhere may have put it and not committed yet. */
export const defaultOrphanGraceMs = 15 * 60_000;

/**
 * Deletes the bodies among `candidates` that no live reference names any more, each after an event in the chain
 * saying which body, why and (in its meta) by whom. In one unit of work (SQLite: one transaction): the check, the
 * events and the deletes land together, and a save that names one of these bodies waits for it, then puts it anew.
 */
export const purgeUnreferenced = async (core: Core, candidates: readonly Purged[], reason: string, identity?: Identity): Promise<Purged[]> => {
  const unique = [...new Map(candidates.map((c) => [c.sha256, c])).values()];
  if (unique.length === 0) return [];
  return core.serial(() =>
    core.backend.unitOfWork(async () => {
      const used = new Set<string>();
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500).map((c) => c.sha256);
        for (const r of await core.backend.models.rows({ table: 'session_bodies', where: [{ column: 'sha256', op: 'in', value: part }], columns: ['sha256'] }))
          used.add(r.sha256 as string);
      }
      const free = unique.filter((c) => !used.has(c.sha256));
      const present = await core.backend.blobs.has(free.map((c) => c.sha256));
      const purge = free.filter((c) => present.has(c.sha256));
      if (purge.length === 0) return [];
      const at = now(core);
      const meta = metaOf(identity);
      await core.backend.commit(
        purge.map((c) => ({
          stream: `body-${c.sha256}`,
          events: [{ type: 'BodyPurged', data: { sha256: c.sha256, stored: c.stored, reason, at }, ...(Object.keys(meta).length > 0 ? { meta } : {}) } as NewEvent],
          expectedRevision: 'any' as const,
        })),
      );
      await core.backend.blobs.delete(purge.map((c) => c.sha256));
      return purge;
    }),
  );
};

/**
 * Keeps a session's newest `keepLast` checkpoints and removes the rest (the seed's cleanup_checkpoints), then purges
 * the bodies only they named.
 */
export const cleanupCheckpoints = async (
  core: Core,
  sessionId: string,
  keepLast: number,
  options: { readonly identity?: Identity | undefined } = {},
): Promise<{ readonly removed: string[]; readonly purged: Purged[] }> => {
  const id = decodeOrThrow(Id, sessionId, 'session_id');
  if (!Number.isSafeInteger(keepLast) || keepLast < 0) throw new InvalidInput('keep_last', keepLast, 'a whole number >= 0');
  const stream = sessionStreamOf(id);
  const { value: removed } = await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadOne(core, sessionKind, id);
    const rows = (await core.backend.models.rows({ table: 'session_checkpoints', where: [{ column: 'session_id', op: '=', value: id }] })) as unknown as CheckpointRowOfSession[];
    const live = rows.map(checkpointRefOf);
    const decided = decideSession(state, { type: 'CleanupCheckpoints', data: { sessionId: id, keepLast, live, at: now(core) } });
    if (decided instanceof DomainError) throw decided;
    const gone = decided.flatMap((e) => (e.type === 'SessionCheckpointsRemoved' ? e.data.checkpointIds : []));
    const bodies: Purged[] = live.filter((c) => gone.includes(c.checkpointId)).map((c) => ({ sha256: c.body.sha256, stored: c.body.stored }));
    return { writes: decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, metaOf(options.identity)), expectedRevision: revision }], value: { gone, bodies } };
  });
  const purged = await purgeUnreferenced(core, removed.bodies, `checkpoint cleanup of session ${id} (keep_last ${keepLast})`, options.identity);
  return { removed: removed.gone, purged };
};

/**
 * Deletes sessions untouched for `olderThanDays`, keeping the `keepLast` most recently updated whatever their age
 * (the seed's cleanup_old_sessions) and any a live holder has; then purges the bodies only they named.
 */
export const cleanupOldSessions = async (
  core: Core,
  options: { readonly olderThanDays: number; readonly keepLast?: number | undefined; readonly identity?: Identity | undefined },
): Promise<{ readonly deleted: string[]; readonly purged: Purged[] }> => {
  const days = options.olderThanDays;
  if (!Number.isFinite(days) || days < 0 || days > 36_500) throw new InvalidInput('older_than_days', days, 'a number of days from 0 to 36500');
  const keep = options.keepLast ?? 0;
  if (!Number.isSafeInteger(keep) || keep < 0) throw new InvalidInput('keep_last', keep, 'a whole number >= 0');
  const cutoff = instantOf(core.clock() - days * 86_400_000);
  const rows = (await core.backend.models.rows({
    table: 'sessions',
    where: [{ column: 'status', op: '<>', value: 'deleted' }],
    order: [{ column: 'updated_at', desc: true }, { column: 'session_id', desc: true }],
    columns: ['session_id', 'updated_at', 'owner', 'lease_until'],
  })) as unknown as Pick<SessionRow, 'session_id' | 'updated_at' | 'owner' | 'lease_until'>[];
  const at = now(core);
  const old = rows.slice(keep).filter((r) => r.updated_at < cutoff && !(r.owner !== null && r.lease_until !== null && r.lease_until > at));
  const deleted: string[] = [];
  const bodies: Purged[] = [];
  for (const r of old) {
    const refs = await core.backend.models.rows({ table: 'session_bodies', where: [{ column: 'session_id', op: '=', value: r.session_id }] });
    const stream = sessionStreamOf(r.session_id);
    try {
      const { appended } = await decideAndCommit(core, stream, async () => {
        const { state, revision } = await loadOne(core, sessionKind, r.session_id);
        const decided = decideSession(state, { type: 'DeleteSession', data: { sessionId: r.session_id, reason: `cleanup: untouched for ${days} days`, at: now(core) } });
        if (decided instanceof DomainError) throw decided;
        return { writes: decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, metaOf(options.identity)), expectedRevision: revision }], value: null };
      });
      if (appended.length === 0) continue;
    } catch (error) {
      // Claimed or deleted meanwhile: it stays (or is gone) as its own decision said.
      if (error instanceof DomainError) continue;
      throw error;
    }
    deleted.push(r.session_id);
    for (const ref of refs) bodies.push({ sha256: ref.sha256 as string, stored: ref.stored as number });
  }
  const purged = await purgeUnreferenced(core, bodies, `session cleanup (untouched for ${days} days, keep_last ${keep})`, options.identity);
  return { deleted, purged };
};

/** The seed's storage stats: live sessions and checkpoints, their bytes as JSON and as stored, and the blob store's. */
export interface StorageStats {
  readonly session_count: number;
  readonly checkpoint_count: number;
  /** Per reference (a body shared by two checkpoints counts twice). */
  readonly bytes_raw: number;
  readonly bytes_stored: number;
  readonly total_size_mb: number;
  /** The blob store itself: distinct bodies (unreferenced ones awaiting vacuum included) and what they occupy. */
  readonly blobs: { readonly count: number; readonly bytes: number };
  /** The storage holding them (the SQLite file with its WAL, the PostgreSQL table), where the backend can say. */
  readonly store_bytes: number | null;
}

export const storageStats = async (core: Core): Promise<StorageStats> => {
  const counters = await core.backend.models.counters('session_stats');
  const blobs = await core.backend.blobs.stats();
  return {
    session_count: counters.get('sessions') ?? 0,
    checkpoint_count: counters.get('checkpoints') ?? 0,
    bytes_raw: counters.get('bytes_raw') ?? 0,
    bytes_stored: counters.get('bytes_stored') ?? 0,
    total_size_mb: Math.round(((counters.get('bytes_stored') ?? 0) / 1048576) * 1000) / 1000,
    blobs: { count: blobs.count, bytes: blobs.bytes },
    store_bytes: blobs.allocated,
  };
};

export interface VacuumReport {
  /** Bodies deleted because nothing referenced them (each recorded by a BodyPurged event first). */
  readonly purged: Purged[];
  readonly before: number;
  readonly after: number;
}

/**
 * Deletes bodies no live reference names (left by a crash between a body's put and its event on a backend where
 * they are not one transaction, or by a purge interrupted after its event), older than `graceMs`, each recorded by
 * a purge event; then gives the storage's free space back (the seed's vacuum_storage).
 */
export const vacuumStorage = async (core: Core, options: { readonly graceMs?: number | undefined; readonly identity?: Identity | undefined } = {}): Promise<VacuumReport> => {
  const grace = options.graceMs ?? defaultOrphanGraceMs;
  if (!Number.isSafeInteger(grace) || grace < 0) throw new InvalidInput('grace', grace, 'a whole number of ms >= 0');
  const before = core.clock() - grace;
  const candidates: Purged[] = [];
  for (let after: string | undefined; ; ) {
    const page = await core.backend.blobs.list({ ...(after === undefined ? {} : { after }), limit: 1000 });
    if (page.length === 0) break;
    const used = new Set(
      (await core.backend.models.rows({ table: 'session_bodies', where: [{ column: 'sha256', op: 'in', value: page.map((b) => b.sha256) }], columns: ['sha256'] })).map(
        (r) => r.sha256 as string,
      ),
    );
    for (const b of page) if (!used.has(b.sha256) && b.createdAt <= before) candidates.push({ sha256: b.sha256, stored: b.stored });
    after = page[page.length - 1]?.sha256;
  }
  const purged = await purgeUnreferenced(core, candidates, 'vacuum: no live reference', options.identity);
  const { before: b, after: a } = await core.backend.blobs.vacuum();
  return { purged, before: b, after: a };
};

