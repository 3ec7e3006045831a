import { evolveFrom, findingStreamOf, isFindingEvent, type FindingState } from '../domain/index.js';
import { rowOfFinding } from '../../projections/index.js';
import { asDomainEvent, type RecordedEvent } from '../events/index.js';
import type { Core } from './core.js';
import { findingRecord, type FindingRecord } from './records.js';

/** One line of a finding's audit trail. */
export interface HistoryEntry {
  readonly position: number;
  readonly revision: number;
  readonly recorded_at: string;
  readonly type: string;
  readonly actor: string;
  readonly reason: string;
  readonly scan_id: string | null;
  readonly origin: string;
  readonly lifecycle: string | null;
  readonly data: unknown;
}

/** Every origin's events of the finding, in the order replicas fold them. */
const eventsOf = (core: Core, findingId: string): RecordedEvent[] => core.store.readMergedSync(findingStreamOf(findingId));

const str = (data: Record<string, unknown>, key: string): string => (typeof data[key] === 'string' ? (data[key] as string) : '');

/** Every event of a finding, oldest first, with who, why and the lifecycle it left behind. */
export const getFindingHistory = (core: Core, findingId: string): HistoryEntry[] => {
  let state: FindingState = null;
  return eventsOf(core, findingId).map((e) => {
    const d = asDomainEvent(e);
    if (isFindingEvent(d)) state = evolveFrom(state, d, e.meta.origin, core.projector.context.merge());
    const data = e.data as Record<string, unknown>;
    return {
      position: e.position,
      revision: e.revision,
      recorded_at: e.meta.recordedAt,
      type: e.type,
      actor: e.meta.actor ?? str(data, 'by'),
      reason: e.type === 'SuppressionExpired' ? `suppression ended ${str(data, 'expiredAt')}` : str(data, 'reason'),
      scan_id: typeof data.scanId === 'string' ? data.scanId : null,
      origin: e.meta.origin,
      lifecycle: state?.lifecycle ?? null,
      data: e.data,
    };
  });
};

/** The finding as it stood at `asOf`: the fold of the events recorded up to that instant (inclusive). */
export const getFindingAsOf = (core: Core, findingId: string, asOf: string): FindingRecord | null => {
  let state: FindingState = null;
  let revision = -1;
  const notes: string[] = [];
  for (const e of eventsOf(core, findingId)) {
    if (e.meta.recordedAt > asOf) break;
    const d = asDomainEvent(e);
    if (!isFindingEvent(d)) continue;
    state = evolveFrom(state, d, e.meta.origin, core.projector.context.merge());
    revision = e.revision;
    if (d.type === 'FindingNoteAdded') notes.push(d.data.text);
  }
  return state === null ? null : findingRecord(rowOfFinding(state, revision), notes);
};
