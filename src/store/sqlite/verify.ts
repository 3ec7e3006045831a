import type Database from 'better-sqlite3';
import { checksumOf, currentSchema, genesisChecksum, isEventType, upcast, validateEvent, type Json } from '../../events/index.js';
import type { BadEvent, VerifyReport } from '../contract.js';
import { appendOnlyTriggers } from './schema.js';
import { eventColumns, type EventRow } from './rows.js';

const pageSize = 2000;
const short = (checksum: string) => `${checksum.slice(0, 12)}…`;

/** What is wrong with one row given the previous row of its stream, or null when it is sound. */
const problemOf = (row: EventRow, prev: EventRow | null): string | null => {
  const expectedRevision = prev === null ? 0 : prev.revision + 1;
  if (row.revision !== expectedRevision) return `revision: expected ${expectedRevision}, found ${row.revision}`;
  if (prev !== null && row.position <= prev.position)
    return `position: ${row.position} is not after revision ${prev.revision} at ${prev.position}`;
  const computed = checksumOf({ ...row, dataJson: row.data, metaJson: row.meta }, prev?.checksum ?? genesisChecksum);
  if (computed !== row.checksum) return `checksum: stored ${short(row.checksum)}, computed ${short(computed)}`;
  let data: Json;
  let meta: { origin?: unknown; recordedAt?: unknown };
  try {
    data = JSON.parse(row.data) as Json;
    meta = JSON.parse(row.meta) as typeof meta;
  } catch {
    return 'data or meta is not JSON';
  }
  if (meta.origin !== row.origin) return `meta.origin: ${String(meta.origin)} differs from the row's origin ${row.origin}`;
  if (prev !== null && String(meta.recordedAt) < String((JSON.parse(prev.meta) as typeof meta).recordedAt))
    return `meta.recordedAt: ${String(meta.recordedAt)} is before the previous event's`;
  if (!isEventType(row.type)) return `type: unknown event type ${row.type}`;
  try {
    const up = upcast(row.type, row.schema, currentSchema(row.type), data);
    validateEvent(row.stream, row.type, up.data);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
};

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
