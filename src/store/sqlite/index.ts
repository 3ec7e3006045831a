export * from './store.js';
export { logFormat } from './schema.js';
export { ForeignEvent, type Divergence, type ImportOutcome } from './import.js';
export { ScratchSet } from './scratch-set.js';
