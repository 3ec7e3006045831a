import type { ConflictPolicy, Instant, Lifecycle } from '../events/index.js';
import { mayOn, type AuthorityTable, type Right } from './authority.js';
import { finding, type FindingEvent, type FindingState } from './finding.js';

/**
 * How replicas fold a finding whose events come from several origins. Every replica folds the same events in the
 * same order, (recordedAt, origin, revision), and applies the same policy, so replicas that hold the same events
 * hold the same state, whatever order the events reached them in.
 */
export interface MergeContext {
  readonly policy: ConflictPolicy;
  /** This replica's origin (for local_wins). */
  readonly local: string;
  /** The central origin of this replica's trust configuration (for central_wins); never a claim inside a batch. */
  readonly central: string | null;
  /** What each other origin may say about which scopes; null: single-team mode, every origin may say anything. */
  readonly authority: AuthorityTable;
}

/** A full-scope scan's resolution of what it did not observe: a scan outcome, reported, not a person's decision. */
const isScanResolution = (event: FindingEvent): boolean =>
  event.type === 'FindingResolved' && event.data.scanId !== null && event.data.reason === 'not_observed';

/**
 * Whether an origin may say this about the finding where it stands now (the scope of its latest applied sighting).
 * The scope a sighting names was checked when it was imported; here the finding's current scope is checked too, so
 * a sighting from a spoke of another account can neither reopen the finding nor move it, a spoke's full-scope scan
 * resolves only findings of its own scopes, and decisions need the right to decide on the finding's scope. Every
 * replica folds the same events in the same order, so every replica sets the same events aside.
 */
export const authorised = (state: FindingState, event: FindingEvent, origin: string, ctx: MergeContext): boolean => {
  if (ctx.authority === null || origin === ctx.local) return true;
  const at = (right: Right, account: string, region: string) => mayOn(ctx.authority, ctx.local, origin, right, account, region);
  if (event.type === 'FindingTracked' && !at('report', event.data.accountId, event.data.region)) return false;
  if (state === null) return event.type === 'FindingTracked';
  const here = (right: Right) => at(right, state.accountId, state.region);
  if (event.type === 'FindingTracked' || isScanResolution(event)) return here('report');
  if (event.type === 'SuppressionExpired') return here('report') || here('decide');
  return here('decide');
};

/** Lifecycle decisions people (or a full-scope scan) make; sightings, notes and expiries are facts. */
const decisionRank: Readonly<Record<string, number>> = {
  FindingResolved: 1,
  FindingUnsuppressed: 2,
  FindingSuppressed: 2,
  FindingMarkedFalsePositive: 3,
};
export const isDecision = (event: FindingEvent): boolean => decisionRank[event.type] !== undefined;

/**
 * Whether a decision from `origin` applies, given the decision that stands (its origin and rank). Decisions by the
 * origin that made the standing one always apply (an origin may change its mind), as does any decision when none
 * stands. Otherwise, for concurrent decisions from different origins:
 * - latest_wins: the later decision in fold order applies;
 * - central_wins: the central origin's standing decision is not overridden by another origin;
 * - local_wins: this replica's standing decision is not overridden by another origin (replicas then differ);
 * - merge: a decision does not override a more deliberate one: false positive > suppression > resolution.
 */
export const admits = (state: Decided | null, event: FindingEvent, origin: string, ctx: MergeContext): boolean => {
  const rank = decisionRank[event.type];
  if (rank === undefined || state === null || state.decidedBy === null || state.decidedBy === origin) return true;
  switch (ctx.policy) {
    case 'latest_wins':
      return true;
    case 'central_wins':
      return state.decidedBy !== ctx.central;
    case 'local_wins':
      return state.decidedBy !== ctx.local;
    case 'merge':
      return rank >= state.decidedRank;
  }
};

/** The decision standing on a finding: what admission looks at. */
export interface Decided {
  readonly lifecycle: Lifecycle;
  readonly decidedBy: string | null;
  readonly decidedRank: number;
}

/** Who decides after an admitted event. A sighting reopening a resolved finding, or a suppression running out, ends the standing decision. */
export const decidedAfter = (state: Decided | null, event: FindingEvent, origin: string): Pick<Decided, 'decidedBy' | 'decidedRank'> => {
  const rank = decisionRank[event.type];
  if (rank !== undefined) return { decidedBy: origin, decidedRank: rank };
  const lapsed =
    (event.type === 'FindingTracked' && state?.lifecycle === 'resolved') ||
    (event.type === 'SuppressionExpired' && state?.lifecycle === 'suppressed');
  return lapsed || state === null ? { decidedBy: null, decidedRank: 0 } : { decidedBy: state.decidedBy, decidedRank: state.decidedRank };
};

/** One step of the merged fold: admission by the policy, then the domain's evolve, then who decided. */
/**
 * A suppression runs out only at its end: an expiry that names an earlier end (an origin that had not yet seen the
 * suppression extended, or one that lies) does not lift it.
 */
const isFact = (state: FindingState, event: FindingEvent): boolean =>
  event.type !== 'SuppressionExpired' ||
  (state !== null && state.suppressedUntil !== null && event.data.expiredAt >= state.suppressedUntil);

/** Whether the event applies to the finding at all: authorised, admitted by the conflict policy, and a fact. */
export const isAdmitted = (state: FindingState, event: FindingEvent, origin: string, ctx: MergeContext): boolean =>
  authorised(state, event, origin, ctx) && admits(state, event, origin, ctx) && isFact(state, event);

export const evolveFrom = (state: FindingState, event: FindingEvent, origin: string, ctx: MergeContext): FindingState => {
  if (!isAdmitted(state, event, origin, ctx)) return state;
  const next = finding.evolve(state, event);
  if (next === null) return null;
  const decided = decidedAfter(state, event, origin);
  // Most steps (a sighting of an open finding) make a new finding that keeps the standing decision: no second copy
  // then. A step that returned the state itself still gets a copy: callers tell "not admitted" by identity.
  return next !== state && next.decidedBy === decided.decidedBy && next.decidedRank === decided.decidedRank
    ? next
    : { ...next, ...decided };
};

/** The order every replica folds events in. */
export const foldOrder = (a: { recordedAt: Instant | string; origin: string; revision: number }, b: typeof a): number =>
  a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.revision - b.revision;

