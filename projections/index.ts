import { accessProjection } from './access.js';
import { checkpointsProjection } from './checkpoints.js';
import { findingsProjection } from './findings.js';
import { jobsProjection } from './jobs.js';
import type { Projection } from './projection.js';
import { scansProjection } from './scans.js';
import { sessionsProjection } from './sessions.js';
import { statesProjection } from './states.js';

export * from './access.js';
export * from './checkpoints.js';
export * from './findings.js';
export * from './jobs.js';
export * from './batch.js';
export * from './projection.js';
export * from './scans.js';
export * from './sessions.js';
export * from './states.js';

/** Every projection the engine keeps, in the order they apply each event. */
export const projections: readonly Projection[] = [
  scansProjection,
  findingsProjection,
  checkpointsProjection,
  jobsProjection,
  accessProjection,
  statesProjection,
  sessionsProjection,
];
