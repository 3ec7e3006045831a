import type Database from 'better-sqlite3';
import type { VerifyReport } from '../contract.js';
import { ChainWalk } from '../problems.js';
import { appendOnlyTriggers } from './schema.js';
import { eventColumns, type EventRow } from './rows.js';

const pageSize = 2000;

/**
 * Walks every stream in (stream, origin, revision) order through the unique index, one page at a time, so memory
 * is constant; checks contiguous revisions, the checksum chain, JSON and codecs, and that the append-only triggers
 * are still there. Reports the bad event with the lowest position.
 */
export const verifyLog = (
  db: Database.Database,
  onProgress?: (done: number, total: number) => void,
): VerifyReport => {
  const problems: string[] = [];
  const triggers = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
      .all()
      .map((r) => r.name),
  );
  for (const name of appendOnlyTriggers) if (!triggers.has(name)) problems.push(`append-only trigger ${name} is missing`);

  const total = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()?.n ?? 0;
  const first = db.prepare<[number], EventRow>(
    `SELECT ${eventColumns} FROM events ORDER BY stream, origin, revision LIMIT ?`,
  );
  const next = db.prepare<[string, string, number, number], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE (stream, origin, revision) > (?, ?, ?)
     ORDER BY stream, origin, revision LIMIT ?`,
  );
  const walk = new ChainWalk();
  let last = walk.add(first.all(pageSize));
  while (last !== undefined) {
    onProgress?.(walk.walked, total);
    last = walk.add(next.all(last.stream, last.origin, last.revision, pageSize));
  }
  return walk.report(total, problems);
};
