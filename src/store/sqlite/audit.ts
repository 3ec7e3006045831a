import type Database from 'better-sqlite3';

/**
 * The access audit's table: refused writes, append-only as the log is (triggers refuse UPDATE and DELETE). Made on
 * the first refusal or the first copied row, never by a read (that would take the write lock).
 */
export const auditDdl = `
CREATE TABLE IF NOT EXISTS access_audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, method TEXT NOT NULL,
  route TEXT NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL, actor TEXT, role TEXT, token_id TEXT,
  via TEXT, remote TEXT) STRICT;
CREATE INDEX IF NOT EXISTS access_audit_by_time ON access_audit (at);
CREATE TRIGGER IF NOT EXISTS access_audit_no_update BEFORE UPDATE ON access_audit
  BEGIN SELECT RAISE(ABORT, 'the access audit is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS access_audit_no_delete BEFORE DELETE ON access_audit
  BEGIN SELECT RAISE(ABORT, 'the access audit is append-only: DELETE refused'); END;
`;

/** Whether the table was made (a read never makes it). */
export const hasAudit = (db: Database.Database): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'access_audit'").get() !== undefined;
