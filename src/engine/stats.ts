import { isSlaSeverity } from '../domain/index.js';
import { severities, type SightingSeverity } from '../events/index.js';
import { now, type Core } from './core.js';
import type { FindingStats, SeverityStats } from './records.js';
import { breachedFilters, getSlaPolicy } from './sla.js';

const allSeverities: readonly SightingSeverity[] = [...severities, 'unknown'];

/** From the finding_stats counters: no scan over findings, no cap. */
export const getFindingStats = async (core: Core): Promise<FindingStats> => {
  const counters = await core.backend.models.counters('finding_stats');
  const c = (key: string) => counters.get(key) ?? 0;
  const lifecycle = (name: string) => c(`lifecycle:${name}`);
  const resolutions = c('resolutions');
  const policy = await getSlaPolicy(core);
  const at = now(core);
  const bySeverity = {} as Record<SightingSeverity, SeverityStats>;
  let breached = 0;
  for (const s of allSeverities) {
    let n = 0;
    if (isSlaSeverity(s) && c(`open:${s}`) > 0) {
      const [row] = await core.backend.models.count({ table: 'findings', where: breachedFilters(policy, at, s) });
      n = row?.n ?? 0;
    }
    breached += n;
    bySeverity[s] = { total: c(`severity:${s}`), open: c(`open:${s}`), breached: n };
  }
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
    breached,
    by_severity: bySeverity,
  };
};
