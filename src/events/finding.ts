import * as t from 'io-ts';
import { InvalidInput } from '../errors.js';
import { registerSchemaStep } from './upcasters.js';
import { Id, Instant, orNull, Text, type Json } from './primitives.js';
import { Scope } from './scan.js';

export const Lifecycle = t.keyof(
  { new: null, recurring: null, resolved: null, reopened: null, suppressed: null, false_positive: null },
  'Lifecycle',
);
export type Lifecycle = t.TypeOf<typeof Lifecycle>;

/** How bad a finding is, as scanners rank it (AWS Security Hub's labels). */
export const Severity = t.keyof({ critical: null, high: null, medium: null, low: null, informational: null }, 'Severity');
export type Severity = t.TypeOf<typeof Severity>;
export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
/** A sighting's severity: a Severity, or `unknown` when the scanner gave none (every schema-1 sighting reads so). */
export const SightingSeverity = t.keyof(
  { critical: null, high: null, medium: null, low: null, informational: null, unknown: null },
  'Severity or unknown',
);
export type SightingSeverity = t.TypeOf<typeof SightingSeverity>;

const sighting = {
  findingId: Id,
  assetId: Id,
  ruleId: Id,
  scanId: orNull(Id),
  seenAt: Instant,
  /** The scope of the sighting (from its scan), so a full-scope scan can tell what it did not observe. */
  accountId: Scope,
  region: Scope,
  collector: orNull(Id),
};

/** Schema 1 of `FindingTracked` (release 0.1.0): no severity. Read upcast to schema 2 with severity `unknown`. */
export const FindingTrackedV1 = t.strict(sighting);

/**
 * The current schema of each finding event's data. A new shape is a new schema plus an upcaster (upcasters.ts,
 * finding-schemas.ts), never an edit of a schema already written. `FindingTracked` is at schema 2.
 */
export const findingEvents = {
  FindingTracked: t.strict({ ...sighting, severity: SightingSeverity }),
  FindingResolved: t.strict({ findingId: Id, by: Text, reason: Text, scanId: orNull(Id), at: Instant }),
  FindingSuppressed: t.strict({ findingId: Id, by: Text, reason: Text, until: orNull(Instant), at: Instant }),
  FindingUnsuppressed: t.strict({ findingId: Id, by: Text, at: Instant }),
  /** Written when a suppression's expiry has passed: says why the finding is open again. */
  SuppressionExpired: t.strict({ findingId: Id, expiredAt: Instant }),
  FindingMarkedFalsePositive: t.strict({ findingId: Id, by: Text, reason: Text, at: Instant }),
  FindingNoteAdded: t.strict({ findingId: Id, by: Text, text: Text, at: Instant }),
};

/** What a severity needs while a store still writes sightings at schema 1 (the expectation of the refusal). */
export const severityNeedsSchema2 =
  'none while this store writes sightings (FindingTracked) at schema 1, which has no severity: once every reader runs stance-state 0.2.0 or later, run `stance-state schema write FindingTracked 2` (README: Schemas and upgrades)';

/** 1→2: a sighting gains its severity; one written before severities existed reads `unknown`. */
registerSchemaStep({
  type: 'FindingTracked',
  from: 1,
  // A copy then one more property: the same object as `{ ...data, severity }`, built in a fraction of the time (the
  // spread with an extra property misses V8's fast clone; measured +1.1 µs a sighting, ~1 s a million on a rebuild).
  up: (data) => {
    if (!isRecord(data)) return data;
    const next: { [key: string]: Json } = Object.assign({}, data);
    next.severity = 'unknown';
    return next;
  },
  down: (data) => {
    if (!isRecord(data)) return data;
    const { severity, ...rest } = data;
    if (severity !== undefined && severity !== 'unknown')
      throw new InvalidInput(
        'severity',
        severity,
        severityNeedsSchema2,
      );
    return rest;
  },
});

function isRecord(data: Json): data is { readonly [key: string]: Json } {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}
