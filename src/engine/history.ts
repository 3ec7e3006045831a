import { evolveFrom, findingStreamOf, isFindingEvent, type FindingState } from '../domain/index.js';
import { rowOfFinding } from '../../projections/index.js';
import { asDomainEvent, type Instant, type RecordedEvent } from '../events/index.js';
import { now, type Core } from './core.js';
import { getSlaPolicy } from './sla.js';
import { findingRecord, type FindingRecord } from './records.js';

/** One line of a finding's audit trail. */
export interface HistoryEntry {
  readonly position: number;
  readonly revision: number;
  readonly recorded_at: string;
  readonly type: string;
  /** Who acted, as authenticated (older events: the `by` their writer gave). */
  readonly actor: string;
  /** The person an admin or service identity named as the one it acted for; null when the actor acted for itself. */
  readonly on_behalf_of: string | null;
  readonly actor_role: string | null;
  /** token, legacy-token, proxy or local; null for events written before identities. */
  readonly actor_via: string | null;
  readonly actor_token_id: string | null;
  readonly reason: string;
  readonly scan_id: string | null;
  readonly origin: string;
  readonly lifecycle: string | null;
  /** The finding's severity after this event (`unknown` until a sighting states one); null before it is tracked. */
  readonly severity: string | null;
  readonly data: unknown;
}

/** Every origin's events of the finding, in the order replicas fold them. */
const eventsOf = (core: Core, findingId: string): Promise<RecordedEvent[]> => core.backend.log.readEntity(findingStreamOf(findingId));

const str = (data: Record<string, unknown>, key: string): string => (typeof data[key] === 'string' ? (data[key] as string) : '');

/** An expiry says whose risk acceptance ended, and why it was accepted: the audit reads it without the earlier line. */
const expiredReason = (before: FindingState, expiredAt: string): string => {
  const who = before?.suppressedBy ? ` by ${before.suppressedBy}` : '';
  const why = before?.suppressionReason ? ` (${before.suppressionReason})` : '';
  return `risk acceptance${who}${why} ended ${expiredAt}`;
};

/** Every event of a finding, oldest first, with who, why and the lifecycle it left behind. */
export const getFindingHistory = async (core: Core, findingId: string): Promise<HistoryEntry[]> => {
  let state: FindingState = null;
  const merge = core.backend.merge();
  return (await eventsOf(core, findingId)).map((e) => {
    const d = asDomainEvent(e);
    const before: FindingState = state;
    if (isFindingEvent(d)) state = evolveFrom(state, d, e.meta.origin, merge);
    const data = e.data as Record<string, unknown>;
    const m = e.meta;
    return {
      position: e.position,
      revision: e.revision,
      recorded_at: m.recordedAt,
      type: e.type,
      actor: m.actor ?? str(data, 'by'),
      on_behalf_of: m.onBehalfOf ?? null,
      actor_role: m.actorRole ?? null,
      actor_via: m.actorVia ?? null,
      actor_token_id: m.actorTokenId ?? null,
      reason: e.type === 'SuppressionExpired' ? expiredReason(before, str(data, 'expiredAt')) : str(data, 'reason'),
      scan_id: typeof data.scanId === 'string' ? data.scanId : null,
      origin: e.meta.origin,
      lifecycle: state?.lifecycle ?? null,
      severity: state?.severity ?? null,
      data: e.data,
    };
  });
};

/** The finding as it stood at `asOf`: the fold of the events recorded up to that instant (inclusive). */
export const getFindingAsOf = async (core: Core, findingId: string, asOf: string): Promise<FindingRecord | null> => {
  let state: FindingState = null;
  let tip = { position: 0, revision: -1 };
  const notes: string[] = [];
  const merge = core.backend.merge();
  for (const e of await eventsOf(core, findingId)) {
    if (e.meta.recordedAt > asOf) break;
    const d = asDomainEvent(e);
    if (!isFindingEvent(d)) continue;
    const before: FindingState = state;
    state = evolveFrom(state, d, e.meta.origin, merge);
    tip = { position: e.position, revision: e.revision };
    if (d.type === 'FindingNoteAdded' && state !== before) notes.push(d.data.text);
  }
  if (state === null) return null;
  // Its deadline under today's policy, and whether it had passed at that instant.
  const at = (asOf < now(core) ? asOf : now(core)) as Instant;
  return findingRecord(rowOfFinding(state, tip, { resolutions: 0, resolveMs: 0, notes: notes.length }), notes, await getSlaPolicy(core), at);
};
