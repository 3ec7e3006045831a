export * from './engine.js';
export type * from './findings.js';
export type * from './history.js';
export * from './inputs.js';
export * from './open.js';
export type * from './projector.js';
export type * from './records.js';
