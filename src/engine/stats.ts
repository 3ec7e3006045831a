import type { Core } from './core.js';
import type { FindingStats } from './records.js';

/** From the finding_stats counters: no scan over findings, no cap. */
export const getFindingStats = async (core: Core): Promise<FindingStats> => {
  const counters = await core.backend.models.counters('finding_stats');
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
