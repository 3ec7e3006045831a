export * from './azure.js';
export * from './errors.js';
export * from './file.js';
export * from './key.js';
export * from './metadata.js';
export * from './open.js';
export * from './scheme.js';
export * from './storage.js';
