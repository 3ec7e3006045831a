export * from './contract.js';
export * from './errors.js';
export * from './foreign.js';
export * from './open.js';
export * from './sqlite/index.js';
