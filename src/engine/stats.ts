import { sql, type Core } from './core.js';
import type { FindingStats } from './records.js';

/** From the finding_stats counters: no scan over findings, no cap. */
export const getFindingStats = (core: Core): FindingStats => {
  const counters = new Map(
    sql<[], { key: string; value: number }>(core, 'SELECT key, value FROM finding_stats')
      .all()
      .map((r) => [r.key, r.value]),
  );
  const c = (key: string) => counters.get(key) ?? 0;
  const lifecycle = (name: string) => c(`lifecycle:${name}`);
  const resolutions = c('resolutions');
  return {
    new: lifecycle('new'),
    recurring: lifecycle('recurring'),
    resolved: lifecycle('resolved'),
    reopened: lifecycle('reopened'),
    suppressed: lifecycle('suppressed'),
    false_positive: lifecycle('false_positive'),
    total: c('findings'),
    open: lifecycle('new') + lifecycle('recurring') + lifecycle('reopened'),
    sightings: c('sightings'),
    resolutions,
    mean_time_to_resolve_seconds: resolutions === 0 ? null : Math.round(c('resolve_ms') / resolutions) / 1000,
  };
};
