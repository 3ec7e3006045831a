export * from './engine.js';
export type * from './findings.js';
export type * from './history.js';
export * from './inputs.js';
export { AddJobInput, JobId, RunOutcome, UpdateJobInput, type Claim, type Fired, type Jobs, type OpenJobRun } from './jobs.js';
export type * from './job-records.js';
export * from './open.js';
export type * from './projector.js';
export type * from './records.js';
