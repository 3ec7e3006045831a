import type { Instant, Severity, SightingSeverity } from '../events/index.js';
import type { Finding } from './finding.js';
import { isOpen } from './lifecycle.js';

/** The severities with a remediation deadline; informational and unknown findings have none. */
export const slaSeverities = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Severity[];
export type SlaSeverity = (typeof slaSeverities)[number];

/** Days to remediate per severity, and whether a reopened finding starts its clock again. */
export interface SlaPolicy {
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly restartOnReopen: boolean;
}

/** DefectDojo's defaults: 7 days critical, 30 high, 90 medium, 120 low; the clock runs from the first sighting. */
export const defaultSlaPolicy: SlaPolicy = { critical: 7, high: 30, medium: 90, low: 120, restartOnReopen: false };

export const dayMs = 86_400_000;

export const isSlaSeverity = (s: SightingSeverity): s is SlaSeverity => (slaSeverities as readonly string[]).includes(s);

/**
 * When a finding's clock started: its first sighting, or with `restartOnReopen` the sighting that opened its current
 * spell (a resolved finding seen again). Both are instants; the deadline is that instant plus whole days of 24 hours
 * each, so a deadline across a daylight-saving change is still exactly so many hours away, whatever the wall clock.
 */
export const slaStart = (f: Pick<Finding, 'firstSeen' | 'openedAt'>, policy: SlaPolicy): Instant =>
  policy.restartOnReopen ? f.openedAt : f.firstSeen;

export interface SlaStatus {
  /** null: no deadline (informational or unknown severity, or not open). */
  readonly dueAt: Instant | null;
  readonly breached: boolean;
}

/** Open findings of a severity with a deadline are due at their start plus the days; breached once `now` reaches it. */
export const slaOf = (
  f: Pick<Finding, 'severity' | 'lifecycle' | 'firstSeen' | 'openedAt'>,
  policy: SlaPolicy,
  now: Instant,
): SlaStatus => {
  if (!isOpen(f.lifecycle) || !isSlaSeverity(f.severity)) return { dueAt: null, breached: false };
  const dueAt = new Date(Date.parse(slaStart(f, policy)) + policy[f.severity] * dayMs).toISOString() as Instant;
  return { dueAt, breached: dueAt <= now };
};

/**
 * The latest instant a finding of `severity` may have started its clock and be breached at `now` (start + days <=
 * now): the read models answer "breached" with `start <= this`, per severity, whatever the policy says today.
 */
export const breachedIfStartedBy = (severity: SlaSeverity, policy: SlaPolicy, now: Instant): Instant =>
  new Date(Date.parse(now) - policy[severity] * dayMs).toISOString() as Instant;
