import * as t from 'io-ts';
import { breachedIfStartedBy, defaultSlaPolicy, slaSeverities, type Identity, type SlaPolicy } from '../domain/index.js';
import { decodeOrThrow, optional, SlaDays, slaPolicyStream, type Instant } from '../events/index.js';
import { openLifecycles } from '../domain/index.js';
import type { AnyOfFilter } from '../ports/read-models.js';
import { metaOf } from './actor.js';
import { now, type Core } from './core.js';

/** The SLA policy in force: the last one set on this store, else the defaults (7/30/90/120 days, no restart). */
export const getSlaPolicy = async (core: Core): Promise<SlaPolicy> => {
  const [row] = await core.backend.models.rows({ table: 'access_settings', where: [{ column: 'key', op: '=', value: 'sla' }] });
  return row === undefined ? defaultSlaPolicy : { ...defaultSlaPolicy, ...(JSON.parse(row.value as string) as Partial<SlaPolicy>) };
};

/** The policy as printed and served (`--json sla policy show`, GET /v1/sla/policy): snake_case, days per severity. */
export interface SlaPolicyRecord {
  readonly critical_days: number;
  readonly high_days: number;
  readonly medium_days: number;
  readonly low_days: number;
  /** Informational findings have no deadline. */
  readonly informational_days: null;
  readonly restart_on_reopen: boolean;
}

export const slaPolicyRecord = (p: SlaPolicy): SlaPolicyRecord => ({
  critical_days: p.critical,
  high_days: p.high,
  medium_days: p.medium,
  low_days: p.low,
  informational_days: null,
  restart_on_reopen: p.restartOnReopen,
});

export const SlaPolicyInput = t.strict({
  critical: optional(SlaDays),
  high: optional(SlaDays),
  medium: optional(SlaDays),
  low: optional(SlaDays),
  restartOnReopen: optional(t.boolean),
});
export type SlaPolicyInput = { [K in keyof t.TypeOf<typeof SlaPolicyInput>]?: t.TypeOf<typeof SlaPolicyInput>[K] | undefined };

/**
 * Sets the days per severity (each one not given keeps its value) and whether a reopened finding's clock restarts;
 * an event in the log, with who set it. Nothing is rebuilt: deadlines are worked out from the policy as queries
 * ask, so a new policy applies to every finding at once, and queries never stop for it.
 */
export const setSlaPolicy = async (core: Core, input: SlaPolicyInput, identity?: Identity): Promise<SlaPolicy> => {
  const i = decodeOrThrow(SlaPolicyInput, input);
  const current = await getSlaPolicy(core);
  const next: SlaPolicy = {
    critical: i.critical ?? current.critical,
    high: i.high ?? current.high,
    medium: i.medium ?? current.medium,
    low: i.low ?? current.low,
    restartOnReopen: i.restartOnReopen ?? current.restartOnReopen,
  };
  const unchanged = slaSeverities.every((s) => next[s] === current[s]) && next.restartOnReopen === current.restartOnReopen;
  if (unchanged) return current;
  await core.backend.commit([{ stream: slaPolicyStream, events: [{ type: 'SlaPolicySet', data: { ...next, at: now(core) }, meta: metaOf(identity) }] }]);
  return getSlaPolicy(core);
};

/** The column a policy's clock starts from in the findings read model. */
export const slaStartColumn = (policy: SlaPolicy): 'first_seen' | 'opened_at' => (policy.restartOnReopen ? 'opened_at' : 'first_seen');

const openFilter = { column: 'lifecycle', op: 'in', value: openLifecycles } as const;

/**
 * Open findings breached at `now` under `policy`: per severity with a deadline, a clock started at least that many
 * days before now. As read-model filters, so the query runs where the rows are.
 */
export const breachedFilters = (policy: SlaPolicy, at: Instant, severity?: string) => {
  const column = slaStartColumn(policy);
  const anyOf: AnyOfFilter = {
    anyOf: slaSeverities
      .filter((s) => severity === undefined || s === severity)
      .map((s) => [
        { column: 'severity', op: '=', value: s },
        { column, op: '<=', value: breachedIfStartedBy(s, policy, at) },
      ]),
  };
  return [openFilter, anyOf];
};

/** Open findings not yet breached whose deadline falls within `withinMs` of `now`. */
export const dueWithinFilters = (policy: SlaPolicy, at: Instant, withinMs: number, severity?: string) => {
  const column = slaStartColumn(policy);
  const later = new Date(Date.parse(at) + withinMs).toISOString() as Instant;
  const anyOf: AnyOfFilter = {
    anyOf: slaSeverities
      .filter((s) => severity === undefined || s === severity)
      .map((s) => [
        { column: 'severity', op: '=', value: s },
        { column, op: '>', value: breachedIfStartedBy(s, policy, at) },
        { column, op: '<=', value: breachedIfStartedBy(s, policy, later) },
      ]),
  };
  return [openFilter, anyOf];
};
