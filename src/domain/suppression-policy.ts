import { InvalidInput } from '../errors.js';
import type { Instant } from '../events/index.js';
import { dayMs } from './sla.js';

/** How long a risk may be accepted for: null, no limit (an end date is then optional). */
export interface SuppressionPolicy {
  readonly maxDays: number | null;
}

export const defaultSuppressionPolicy: SuppressionPolicy = { maxDays: null };

/**
 * A suppression is a risk acceptance: it says why, and under a maximum it says until when, no further than the
 * maximum from now. Bad input (400, exit 2) naming the field, so the caller can fix the request.
 */
export const checkSuppression = (
  policy: SuppressionPolicy,
  s: { readonly reason: string; readonly until: Instant | null; readonly at: Instant },
): InvalidInput | null => {
  if (s.reason.trim() === '')
    return new InvalidInput('reason', s.reason === '' ? undefined : s.reason, 'a reason: a suppression is a risk acceptance');
  if (policy.maxDays === null) return null;
  const limit = new Date(Date.parse(s.at) + policy.maxDays * dayMs).toISOString();
  if (s.until === null)
    return new InvalidInput('until', undefined, `an end date at most ${policy.maxDays} days ahead (the suppression policy)`);
  if (s.until > limit)
    return new InvalidInput('until', s.until, `an end date at most ${policy.maxDays} days ahead, by ${limit} (the suppression policy)`);
  return null;
};
