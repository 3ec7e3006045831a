export * from './store.js';
export { parsePostgresUrl, type PostgresLocation } from './url.js';
export { postgresLogFormat } from './schema.js';
