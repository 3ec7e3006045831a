import type { FindingCommand, FindingEvent } from '../../src/domain/index.js';
import type { Instant } from '../../src/events/index.js';

/** Day `d` (and hour) of January 2026 as an Instant. */
export const at = (d: number, hour = 0): Instant => new Date(Date.UTC(2026, 0, d, hour)).toISOString() as Instant;

const sighting = (id: string, seenAt: Instant, scanId: string | null = null) => ({
  findingId: id,
  assetId: `asset-${id}`,
  ruleId: 'rule-1',
  scanId,
  seenAt,
  accountId: '111',
  region: 'us-east-1',
  collector: null,
  severity: 'unknown' as const,
});

export const tracked = (id: string, seenAt: Instant, scanId: string | null = null): FindingEvent => ({
  type: 'FindingTracked',
  data: sighting(id, seenAt, scanId),
});
export const track = (id: string, seenAt: Instant, scanId: string | null = null): FindingCommand => ({
  type: 'TrackFinding',
  data: sighting(id, seenAt, scanId),
});
export const resolved = (id: string, when: Instant, reason = 'fixed'): FindingEvent => ({
  type: 'FindingResolved',
  data: { findingId: id, by: 'alice', reason, scanId: null, at: when },
});
export const resolve = (id: string, when: Instant, reason = 'fixed'): FindingCommand => ({
  type: 'ResolveFinding',
  data: { findingId: id, by: 'alice', reason, scanId: null, at: when },
});
export const suppressed = (id: string, when: Instant, until: Instant | null = null): FindingEvent => ({
  type: 'FindingSuppressed',
  data: { findingId: id, by: 'bob', reason: 'accepted risk', until, at: when },
});
export const suppress = (id: string, when: Instant, until: Instant | null = null): FindingCommand => ({
  type: 'SuppressFinding',
  data: { findingId: id, by: 'bob', reason: 'accepted risk', until, at: when },
});
export const unsuppressed = (id: string, when: Instant): FindingEvent => ({
  type: 'FindingUnsuppressed',
  data: { findingId: id, by: 'bob', at: when },
});
export const unsuppress = (id: string, when: Instant): FindingCommand => ({
  type: 'UnsuppressFinding',
  data: { findingId: id, by: 'bob', at: when },
});
export const expired = (id: string, until: Instant): FindingEvent => ({
  type: 'SuppressionExpired',
  data: { findingId: id, expiredAt: until },
});
export const expire = (id: string, now: Instant): FindingCommand => ({ type: 'ExpireSuppression', data: { findingId: id, now } });
export const falsePositive = (id: string, when: Instant): FindingEvent => ({
  type: 'FindingMarkedFalsePositive',
  data: { findingId: id, by: 'carol', reason: 'test account', at: when },
});
export const markFalsePositive = (id: string, when: Instant): FindingCommand => ({
  type: 'MarkFalsePositive',
  data: { findingId: id, by: 'carol', reason: 'test account', at: when },
});
export const noted = (id: string, when: Instant, text: string): FindingEvent => ({
  type: 'FindingNoteAdded',
  data: { findingId: id, by: 'dan', text, at: when },
});
export const note = (id: string, when: Instant, text: string): FindingCommand => ({
  type: 'AddFindingNote',
  data: { findingId: id, by: 'dan', text, at: when },
});
