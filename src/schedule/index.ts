export * from './expression/index.js';
export * from './executor.js';
export { executeRun, type RunCallback } from './runner.js';
export * from './scheduler.js';
export * from './shell.js';
export * from './timer.js';
