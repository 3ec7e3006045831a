export * from './batch.js';
export * from './crypto.js';
export * from './hub/index.js';
export * from './naming.js';
export * from './origin.js';
export * from './result.js';
export * from './run.js';
export * from './state.js';
