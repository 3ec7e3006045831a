import { accessProjection } from './access.js';
import { checkpointsProjection } from './checkpoints.js';
import { findingDaysProjection } from './finding-days.js';
import { findingsProjection } from './findings.js';
import { jobsProjection } from './jobs.js';
import type { Projection } from './projection.js';
import { scansProjection } from './scans.js';
import { sessionsProjection } from './sessions.js';
import { statesProjection } from './states.js';
import { syncStatusProjection } from './sync-status.js';

export * from './access.js';
export * from './checkpoints.js';
export * from './finding-days.js';
export * from './finding-days-fold.js';
export * from './findings.js';
export * from './jobs.js';
export * from './batch.js';
export * from './keyed.js';
export * from './projection.js';
export * from './scans.js';
export * from './sessions.js';
export * from './states.js';
export * from './sync-status.js';

/** Every projection the engine keeps, in the order they apply each event. */
export const projections: readonly Projection[] = [
  scansProjection,
  findingsProjection,
  findingDaysProjection,
  checkpointsProjection,
  jobsProjection,
  accessProjection,
  syncStatusProjection,
  statesProjection,
  sessionsProjection,
];
