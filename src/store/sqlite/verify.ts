import type Database from 'better-sqlite3';
import type { BadEvent, VerifyReport } from '../contract.js';
import { problemOf } from '../problems.js';
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
  let events = 0;
  let streams = 0;
  let badCount = 0;
  let firstBad: BadEvent | null = null;
  let prev: EventRow | null = null;
  let rows = first.all(pageSize);
  while (rows.length > 0) {
    for (const row of rows) {
      const sameStream = prev !== null && prev.stream === row.stream && prev.origin === row.origin;
      if (!sameStream) streams += 1;
      const problem = problemOf(row, sameStream ? prev : null);
      if (problem !== null) {
        badCount += 1;
        if (firstBad === null || row.position < firstBad.position)
          firstBad = { stream: row.stream, origin: row.origin, revision: row.revision, position: row.position, problem };
      }
      prev = row;
      events += 1;
    }
    onProgress?.(events, total);
    const last = rows[rows.length - 1] as EventRow;
    rows = next.all(last.stream, last.origin, last.revision, pageSize);
  }
  if (events !== total) problems.push(`index walk saw ${events} events, the table holds ${total}`);
  return { ok: firstBad === null && problems.length === 0, events, streams, firstBad, badCount, problems };
};
