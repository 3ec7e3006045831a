export * from './store.js';
export { logFormat } from './schema.js';
