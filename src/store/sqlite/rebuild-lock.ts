import Database from 'better-sqlite3';
import { createPrivately } from './schema.js';

/** How long a rebuild waits for another process's rebuild of the same log: as long as that one runs. */
const waitMs = 2 ** 31 - 1;

/** The lock file beside a log file; none for a log no other process can open. */
export const rebuildLockPath = (logPath: string): string | null =>
  logPath === '' || logPath === ':memory:' || logPath.startsWith('file:') ? null : `${logPath}.rebuild-lock`;

/**
 * One rebuild of a log's read models at a time, across processes, as the PostgreSQL backend's rebuild lock: two at
 * once would build the same shadow tables (`findings__g4`), each dropping and filling the other's. The lock is an
 * SQLite `BEGIN EXCLUSIVE` on an empty file beside the log, never written, held while `work` runs; a second rebuild
 * waits for the first to end. The OS frees a dead process's locks, so a killed rebuild never blocks the next one.
 */
export const withRebuildLock = <T>(logPath: string, work: () => T): T => {
  const path = rebuildLockPath(logPath);
  if (path === null) return work();
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
