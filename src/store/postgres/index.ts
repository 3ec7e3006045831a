export * from './backend.js';
export * from './store.js';
export { maskPassword, parsePostgresUrl, type PostgresLocation } from './url.js';
export { postgresLogFormat } from './schema.js';
