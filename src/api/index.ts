export * from './auth.js';
export { contentSecurityPolicy, isDashboardDir } from './dashboard.js';
export * from './errors.js';
export * from './log.js';
export * from './proxy.js';
export type * from './position.js';
export type * from './route.js';
export * from './server.js';
