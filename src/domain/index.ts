export * from './checkpoint.js';
export * from './decider.js';
export * from './finding.js';
export * from './lifecycle.js';
export * from './scan.js';
