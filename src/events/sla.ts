import * as t from 'io-ts';
import { Instant } from './primitives.js';

/** Days to remediate: whole days, at least one, at most ten years. */
export const SlaDays = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1 && n <= 3650, 'whole days (1-3650)');

/**
 * The remediation deadline per severity (DefectDojo's defaults: 7, 30, 90 and 120 days; informational findings have
 * none), and whether a finding that reopens starts its clock again. Recorded as an event so every process on the
 * store applies the same policy, and the change is audited (who: the event's meta).
 */
export const slaEvents = {
  SlaPolicySet: t.strict({
    critical: SlaDays,
    high: SlaDays,
    medium: SlaDays,
    low: SlaDays,
    restartOnReopen: t.boolean,
    at: Instant,
  }),
};
