import { DomainError } from '../errors.js';
import type { DomainEvent, DomainEventOf, Instant, Lifecycle, SightingSeverity } from '../events/index.js';
import type { Decider } from './decider.js';
import { isOpen, nextLifecycle } from './lifecycle.js';

export type FindingEvent = Extract<
  DomainEvent,
  {
    type:
      | 'FindingTracked'
      | 'FindingResolved'
      | 'FindingSuppressed'
      | 'FindingUnsuppressed'
      | 'SuppressionExpired'
      | 'FindingMarkedFalsePositive'
      | 'FindingNoteAdded';
  }
>;
export const findingTypes: ReadonlySet<string> = new Set<string>([
  'FindingTracked',
  'FindingResolved',
  'FindingSuppressed',
  'FindingUnsuppressed',
  'SuppressionExpired',
  'FindingMarkedFalsePositive',
  'FindingNoteAdded',
]);
export const isFindingEvent = (e: { type: string }): e is FindingEvent => findingTypes.has(e.type);

/** What rules need to know of a finding; notes live beside it, rules never read them. */
export interface Finding {
  readonly findingId: string;
  readonly assetId: string;
  readonly ruleId: string;
  readonly accountId: string;
  readonly region: string;
  readonly collector: string | null;
  /** The latest severity a sighting stated (`unknown` until one does: sightings of schema 1 state none). */
  readonly severity: SightingSeverity;
  readonly lifecycle: Lifecycle;
  /** While suppressed: the lifecycle sightings have moved underneath the suppression. */
  readonly underlying: Lifecycle | null;
  readonly firstSeen: Instant;
  readonly lastSeen: Instant;
  readonly scanCount: number;
  readonly lastScanId: string | null;
  /** When the current open spell began: first sighting, or the sighting that reopened it (for time to resolve). */
  readonly openedAt: Instant;
  readonly resolvedAt: Instant | null;
  readonly resolvedBy: string;
  readonly resolutionReason: string;
  readonly suppressedBy: string;
  readonly suppressedAt: Instant | null;
  readonly suppressionReason: string;
  readonly suppressedUntil: Instant | null;
  readonly falsePositiveBy: string;
  readonly falsePositiveReason: string;
  /** The origin whose lifecycle decision stands (null: none), and how deliberate it was (see merge.ts). */
  readonly decidedBy: string | null;
  readonly decidedRank: number;
}
export type FindingState = Finding | null; // null: never tracked

export type FindingCommand =
  | { type: 'TrackFinding'; data: DomainEventOf<'FindingTracked'>['data'] }
  | { type: 'ResolveFinding'; data: DomainEventOf<'FindingResolved'>['data'] & { onlyIfOpen?: boolean } }
  | { type: 'SuppressFinding'; data: DomainEventOf<'FindingSuppressed'>['data'] }
  | { type: 'UnsuppressFinding'; data: DomainEventOf<'FindingUnsuppressed'>['data'] }
  | { type: 'ExpireSuppression'; data: { findingId: string; now: Instant } }
  | { type: 'MarkFalsePositive'; data: DomainEventOf<'FindingMarkedFalsePositive'>['data'] }
  | { type: 'AddFindingNote'; data: DomainEventOf<'FindingNoteAdded'>['data'] };

const evolve = (state: FindingState, event: FindingEvent): FindingState => {
  const next = nextLifecycle(state, event);
  if (event.type === 'FindingTracked') {
    const d = event.data;
    if (state === null)
      return {
        findingId: d.findingId,
        assetId: d.assetId,
        ruleId: d.ruleId,
        accountId: d.accountId,
        region: d.region,
        collector: d.collector,
        severity: d.severity,
        lifecycle: 'new',
        underlying: null,
        firstSeen: d.seenAt,
        lastSeen: d.seenAt,
        scanCount: 1,
        lastScanId: d.scanId,
        openedAt: d.seenAt,
        resolvedAt: null,
        resolvedBy: '',
        resolutionReason: '',
        suppressedBy: '',
        suppressedAt: null,
        suppressionReason: '',
        suppressedUntil: null,
        falsePositiveBy: '',
        falsePositiveReason: '',
        decidedBy: null,
        decidedRank: 0,
      };
    const reopened = next?.lifecycle === 'reopened' && state.lifecycle === 'resolved';
    // Every field spelled out rather than spread: a sighting is the step every fold takes most often, and one literal
    // of a fixed shape costs a fraction of copying two objects into a third.
    return {
      findingId: state.findingId,
      // The latest sighting says where the finding lives now (an asset can move account or collector).
      assetId: d.assetId,
      ruleId: d.ruleId,
      accountId: d.accountId,
      region: d.region,
      collector: d.collector,
      // A sighting that states no severity (an older scanner, a schema-1 event) leaves the one known.
      severity: d.severity === 'unknown' ? state.severity : d.severity,
      lifecycle: next === null ? state.lifecycle : next.lifecycle,
      underlying: next === null ? state.underlying : next.underlying,
      firstSeen: state.firstSeen,
      lastSeen: d.seenAt > state.lastSeen ? d.seenAt : state.lastSeen,
      scanCount: state.scanCount + 1,
      lastScanId: d.scanId ?? state.lastScanId,
      openedAt: reopened ? d.seenAt : state.openedAt,
      resolvedAt: reopened ? null : state.resolvedAt,
      resolvedBy: state.resolvedBy,
      resolutionReason: state.resolutionReason,
      suppressedBy: state.suppressedBy,
      suppressedAt: state.suppressedAt,
      suppressionReason: state.suppressionReason,
      suppressedUntil: state.suppressedUntil,
      falsePositiveBy: state.falsePositiveBy,
      falsePositiveReason: state.falsePositiveReason,
      decidedBy: state.decidedBy,
      decidedRank: state.decidedRank,
    };
  }
  if (state === null || next === null) return state;
  switch (event.type) {
    case 'FindingResolved':
      return {
        ...state,
        ...next,
        resolvedAt: event.data.at,
        resolvedBy: event.data.by,
        resolutionReason: event.data.reason,
        suppressedUntil: null,
      };
    case 'FindingSuppressed':
      return {
        ...state,
        ...next,
        suppressedBy: event.data.by,
        suppressedAt: event.data.at,
        suppressionReason: event.data.reason,
        suppressedUntil: event.data.until,
      };
    case 'FindingUnsuppressed':
    case 'SuppressionExpired':
      return { ...state, ...next, suppressedUntil: null };
    case 'FindingMarkedFalsePositive':
      return {
        ...state,
        ...next,
        falsePositiveBy: event.data.by,
        falsePositiveReason: event.data.reason,
        suppressedUntil: null,
      };
    case 'FindingNoteAdded':
      return state;
  }
};

const unknown = (findingId: string) => new DomainError('unknown_finding', `finding ${findingId} is not tracked`);

const decide = (state: FindingState, command: FindingCommand): readonly FindingEvent[] | DomainError => {
  const { findingId } = command.data;
  if (command.type === 'TrackFinding') {
    // A sighting is identified by (scan, finding): a scan that reports a finding twice (a re-run of a killed import,
    // a retried call) saw it once. Comparing with the last scan keeps the state bounded; a sighting without a scan
    // is always a new one.
    if (state !== null && command.data.scanId !== null && state.lastScanId === command.data.scanId) return [];
    const tracked: FindingEvent = { type: 'FindingTracked', data: command.data };
    const until = state?.lifecycle === 'suppressed' ? state.suppressedUntil : null;
    if (until !== null && until <= command.data.seenAt) // Instants compare as strings
      return [{ type: 'SuppressionExpired', data: { findingId, expiredAt: until } }, tracked];
    return [tracked];
  }
  if (state === null) return unknown(findingId);
  switch (command.type) {
    case 'ResolveFinding': {
      const { onlyIfOpen, ...data } = command.data;
      if (state.lifecycle === 'resolved' || (onlyIfOpen === true && !isOpen(state.lifecycle))) return [];
      return [{ type: 'FindingResolved', data }];
    }
    case 'SuppressFinding':
      if (command.data.until !== null && command.data.until <= command.data.at)
        return new DomainError('illegal_transition', `suppression of ${findingId} would end before it starts (until ${command.data.until})`);
      return [{ type: 'FindingSuppressed', data: command.data }];
    case 'UnsuppressFinding':
      if (state.lifecycle !== 'suppressed')
        return new DomainError('illegal_transition', `finding ${findingId} is ${state.lifecycle}, not suppressed`);
      return [{ type: 'FindingUnsuppressed', data: command.data }];
    case 'ExpireSuppression':
      if (state.lifecycle !== 'suppressed' || state.suppressedUntil === null || state.suppressedUntil > command.data.now)
        return [];
      return [{ type: 'SuppressionExpired', data: { findingId, expiredAt: state.suppressedUntil } }];
    case 'MarkFalsePositive':
      if (state.lifecycle === 'false_positive') return [];
      return [{ type: 'FindingMarkedFalsePositive', data: command.data }];
    case 'AddFindingNote':
      return [{ type: 'FindingNoteAdded', data: command.data }];
  }
};

export const finding: Decider<FindingState, FindingCommand, FindingEvent> = {
  initialState: () => null,
  decide,
  evolve,
};

export const findingStreamOf = (findingId: string): string => `finding-${findingId}`;
