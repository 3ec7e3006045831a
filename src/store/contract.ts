// The log's contract lives with the other ports (src/ports/log.ts); adapters import it from there.
export * from '../ports/log.js';
