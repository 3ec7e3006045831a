import { createHash } from 'node:crypto';
import type { MergeContext } from '../domain/index.js';
import { asDomainEvent, canonicalJson, ConflictPolicy, type Json, type RecordedEvent } from '../events/index.js';

/** The local stream of a replica's trust material (see src/sync/trust.ts), and of its own origin's name. */
export const trustStream = 'sync-trust';
export const originStream = 'sync-origin';

/**
 * How this replica merges what several origins say: the stored conflict policy, and the central origin and what each
 * origin may say as the replica's own trust configuration resolved them (its latest SyncAuthorityRecorded); without
 * one, a data dir that named itself central is its own central. Claims inside pulled batches never count. Both
 * streams are local (sync never imports sync-* streams) and read under any name the data dir had.
 */
export const mergeContextOf = (
  storedPolicy: string | null,
  local: string,
  trustEvents: readonly RecordedEvent[],
  originEvents: readonly RecordedEvent[],
): MergeContext => {
  const policy = storedPolicy !== null && ConflictPolicy.is(storedPolicy) ? storedPolicy : 'latest_wins';
  let latest: MergeContext | null = null;
  for (const e of trustEvents) {
    const d = asDomainEvent(e);
    if (d.type !== 'SyncAuthorityRecorded') continue;
    latest = { policy, local, central: d.data.central, authority: d.data.mode === 'open' ? null : new Map(Object.entries(d.data.origins)) };
  }
  if (latest !== null) return latest;
  let central: string | null = null;
  for (const e of originEvents) {
    const d = asDomainEvent(e);
    if (d.type === 'OriginNamed' && d.data.central && e.meta.origin === local) central = local;
  }
  return { policy, local, central, authority: null };
};

/** A digest of what folding depends on: read models folded under another one are folded again. */
export const mergeKeyOf = (m: MergeContext): string => {
  const authority = m.authority === null ? null : [...m.authority].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // local_wins and the authority table both depend on who is local.
  const local = m.policy === 'local_wins' || authority !== null ? m.local : null;
  return createHash('sha256').update(canonicalJson([m.policy, m.central, local, authority] as unknown as Json)).digest('hex');
};
