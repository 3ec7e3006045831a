import Database from 'better-sqlite3';
import { createPrivately, isPlainFile } from './schema.js';

/** How long a rebuild waits for another process's rebuild of the same log: as long as that one runs. */
const waitMs = 2 ** 31 - 1;

/**
 * One rebuild of a log's read models at a time, across processes, as the PostgreSQL backend's rebuild lock: two at
 * once would build the same shadow tables (`findings__g4`), each dropping and filling the other's. The lock is an
 * SQLite `BEGIN EXCLUSIVE` on an empty file beside the log, never written, held while `work` runs; a second rebuild
 * waits for the first to end. The OS frees a dead process's locks, so a killed rebuild never blocks the next one.
 */
export const withRebuildLock = <T>(logPath: string, work: () => T): T => {
  // A log with no file of its own has no other process to exclude.
  if (!isPlainFile(logPath)) return work();
  const path = `${logPath}.rebuild-lock`;
  createPrivately(path);
  const lock = new Database(path);
  try {
    lock.pragma(`busy_timeout = ${waitMs}`);
    lock.exec('BEGIN EXCLUSIVE');
    return work();
  } finally {
    // Closing ends the (empty) transaction and frees the lock.
    lock.close();
  }
};
