import type pg from 'pg';
import type { BadEvent, VerifyReport } from '../contract.js';
import { problemOf } from '../problems.js';
import type { EventRow } from '../recorded.js';
import { eventColumns } from './rows.js';
import { appendOnlyTriggers, type SchemaNames } from './schema.js';

const pageSize = 2000;

/**
 * Walks every chain in (stream, origin, revision) order through the unique index, one page at a time (memory stays
 * constant), with the embedded store's checks per event, and checks that the append-only triggers are still there
 * and enabled. Reports the bad event with the lowest position. Tampering by a role that may drop triggers or set
 * `session_replication_role = replica` is caught here by the chain, not prevented.
 */
export const verifyLog = async (
  pool: pg.Pool,
  n: SchemaNames,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyReport> => {
  const client = await pool.connect();
  try {
    // One snapshot for the count and the walk, so appends made meanwhile are neither counted nor walked.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const report = await walk(client, n, onProgress);
    await client.query('COMMIT');
    return report;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

const walk = async (
  pool: pg.ClientBase,
  n: SchemaNames,
  onProgress?: (done: number, total: number) => void,
): Promise<VerifyReport> => {
  const problems: string[] = [];
  const { rows: triggers } = await pool.query<{ name: string; enabled: string }>(
    'SELECT tgname AS name, tgenabled AS enabled FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal',
    [n.events],
  );
  for (const name of appendOnlyTriggers) {
    const found = triggers.find((t) => t.name === name);
    if (found === undefined) problems.push(`append-only trigger ${name} is missing`);
    else if (found.enabled === 'D') problems.push(`append-only trigger ${name} is disabled`);
  }
  const total = (await pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${n.events}`)).rows[0]?.n ?? 0;
  const first = `SELECT ${eventColumns} FROM ${n.events} ORDER BY stream, origin, revision LIMIT $1`;
  const next = `SELECT ${eventColumns} FROM ${n.events} WHERE (stream, origin, revision) > ($2, $3, $4)
    ORDER BY stream, origin, revision LIMIT $1`;
  let events = 0;
  let streams = 0;
  let badCount = 0;
  let firstBad: BadEvent | null = null;
  let prev: EventRow | null = null;
  let rows = (await pool.query<EventRow>(first, [pageSize])).rows;
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
    rows = (await pool.query<EventRow>(next, [pageSize, last.stream, last.origin, last.revision])).rows;
  }
  if (events !== total) problems.push(`index walk saw ${events} events, the table holds ${total}`);
  return { ok: firstBad === null && problems.length === 0, events, streams, firstBad, badCount, problems };
};
