export * from './backend.js';
export * from './store.js';
export { logFormat } from './schema.js';
export type { CappedEvent, Divergence, ImportOutcome, ImportRules } from './import.js';
export { ScratchSet } from './scratch-set.js';
