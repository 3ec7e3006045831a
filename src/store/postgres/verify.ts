import type pg from 'pg';
import type { VerifyReport } from '../contract.js';
import { ChainWalk } from '../problems.js';
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
  const walk = new ChainWalk();
  let last = walk.add((await pool.query<EventRow>(first, [pageSize])).rows);
  while (last !== undefined) {
    onProgress?.(walk.walked, total);
    last = walk.add((await pool.query<EventRow>(next, [pageSize, last.stream, last.origin, last.revision])).rows);
  }
  return walk.report(total, problems);
};
