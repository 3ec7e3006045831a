import type { DomainEvent, Lifecycle } from '../events/index.js';

/**
 * A finding's lifecycle and, while a suppression hides it, the lifecycle underneath: sightings move the one
 * underneath, so lifting the suppression shows what really happened meanwhile.
 */
export interface LifecycleState {
  readonly lifecycle: Lifecycle;
  readonly underlying: Lifecycle | null;
}

export const openLifecycles: readonly Lifecycle[] = ['new', 'recurring', 'reopened'];
export const isOpen = (l: Lifecycle): boolean => l === 'new' || l === 'recurring' || l === 'reopened';

/** A sighting never overrides a human decision (the original dropped suppressions here). */
export const afterSighting = (l: Lifecycle): Lifecycle =>
  l === 'resolved' ? 'reopened' : l === 'suppressed' || l === 'false_positive' ? l : 'recurring';

/**
 * When a suppression lifts, the finding shows what sightings did underneath it: resolved and not seen since stays
 * resolved, resolved and seen again is reopened, anything else open is recurring (it is no longer new).
 */
const lifted = (underlying: Lifecycle | null): Lifecycle =>
  underlying === null || underlying === 'new' ? 'recurring' : underlying;

/** The one lifecycle rule: the findings projection, the stats projection and --as-of replay all use it. */
export const nextLifecycle = (state: LifecycleState | null, event: DomainEvent): LifecycleState | null => {
  if (state === null) return event.type === 'FindingTracked' ? { lifecycle: 'new', underlying: null } : null;
  switch (event.type) {
    case 'FindingTracked':
      return state.lifecycle === 'suppressed'
        ? { lifecycle: 'suppressed', underlying: state.underlying === null ? 'recurring' : afterSighting(state.underlying) }
        : { lifecycle: afterSighting(state.lifecycle), underlying: null };
    case 'FindingResolved':
      return { lifecycle: 'resolved', underlying: null };
    case 'FindingSuppressed':
      return {
        lifecycle: 'suppressed',
        underlying: state.lifecycle === 'suppressed' ? state.underlying : state.lifecycle,
      };
    case 'FindingUnsuppressed':
    case 'SuppressionExpired':
      return state.lifecycle === 'suppressed' ? { lifecycle: lifted(state.underlying), underlying: null } : state;
    case 'FindingMarkedFalsePositive':
      return { lifecycle: 'false_positive', underlying: null };
    default:
      return state;
  }
};
