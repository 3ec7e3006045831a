// The store's errors are part of the ports (src/ports/errors.ts): faces map them to exit codes and statuses.
export * from '../ports/errors.js';
