import * as t from 'io-ts';
import { Id, Instant, orNull, Text } from './primitives.js';
import { Scope } from './scan.js';

export const Lifecycle = t.keyof(
  { new: null, recurring: null, resolved: null, reopened: null, suppressed: null, false_positive: null },
  'Lifecycle',
);
export type Lifecycle = t.TypeOf<typeof Lifecycle>;

/** Schema 1 of each finding event's data. A new shape is schema 2 plus an upcaster, never an edit here. */
export const findingEvents = {
  FindingTracked: t.strict({
    findingId: Id,
    assetId: Id,
    ruleId: Id,
    scanId: orNull(Id),
    seenAt: Instant,
    /** The scope of the sighting (from its scan), so a full-scope scan can tell what it did not observe. */
    accountId: Scope,
    region: Scope,
    collector: orNull(Id),
  }),
  FindingResolved: t.strict({ findingId: Id, by: Text, reason: Text, scanId: orNull(Id), at: Instant }),
  FindingSuppressed: t.strict({ findingId: Id, by: Text, reason: Text, until: orNull(Instant), at: Instant }),
  FindingUnsuppressed: t.strict({ findingId: Id, by: Text, at: Instant }),
  /** Written when a suppression's expiry has passed: says why the finding is open again. */
  SuppressionExpired: t.strict({ findingId: Id, expiredAt: Instant }),
  FindingMarkedFalsePositive: t.strict({ findingId: Id, by: Text, reason: Text, at: Instant }),
  FindingNoteAdded: t.strict({ findingId: Id, by: Text, text: Text, at: Instant }),
};
