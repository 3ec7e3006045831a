export * from './checkpoint.js';
export * from './decider.js';
export * from './finding.js';
export * from './lifecycle.js';
export * from './merge.js';
export * from './scan.js';
export * from './job.js';
export * from './job-plan.js';
