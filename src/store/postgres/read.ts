import type pg from 'pg';
import type { RecordedEvent } from '../../events/index.js';
import { InvalidInput } from '../../errors.js';
import type { EventFilter, ReadAllOptions, ReadStreamOptions } from '../contract.js';
import { toRecorded, toStored, type EventRow } from '../recorded.js';
import { eventColumns } from './rows.js';
import type { SchemaNames } from './schema.js';

const pageSize = 500;

/** A pool or one client (a transaction's, a unit of work's): what reads need. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

export const checkCount = (field: string, value: number | undefined, min: number): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min))
    throw new InvalidInput(field, value, `an integer >= ${min}`);
};

/** The WHERE terms of a filtered read; its parameters are numbered from `first`. */
export const filterSql = (filter: EventFilter | undefined, first: number): { sql: string; params: unknown[] } => {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (filter?.types !== undefined) {
    if (filter.types.length === 0) return { sql: ' AND false', params };
    params.push([...filter.types]);
    parts.push(`type = ANY($${first + params.length - 1}::text[])`);
  }
  if (filter?.streamPrefix !== undefined && filter.streamPrefix !== '') {
    params.push(filter.streamPrefix);
    parts.push(`starts_with(stream, $${first + params.length - 1})`);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
};

/**
 * The log in position order, one page per query, so memory stays constant however long it is. Paging by position
 * is safe because positions are handed out under the order lock and committed in that order (see store.ts): a page
 * never ends before an event that commits later with a smaller position.
 */
export async function* readAllPages(pool: Queryable, n: SchemaNames, options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
  checkCount('fromPosition', options.fromPosition, 0);
  checkCount('limit', options.limit, 0);
  const { sql, params } = filterSql(options.filter, 3);
  const text = `SELECT ${eventColumns} FROM ${n.events} WHERE position > $1${sql} ORDER BY position LIMIT $2`;
  const toEvent = options.asStored === true ? toStored : toRecorded;
  let position = options.fromPosition ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const want = Math.min(pageSize, left);
    const { rows } = await pool.query<EventRow>(text, [position, want, ...params]);
    for (const row of rows) yield toEvent(row);
    if (rows.length < want) return;
    position = (rows[rows.length - 1] as EventRow).position;
    left -= rows.length;
  }
}

export async function* readStreamPages(
  pool: Queryable,
  n: SchemaNames,
  stream: string,
  origin: string,
  options: ReadStreamOptions = {},
): AsyncGenerator<RecordedEvent> {
  checkCount('from', options.from, 0);
  checkCount('limit', options.limit, 0);
  const backwards = options.direction === 'backwards';
  if (options.direction !== undefined && options.direction !== 'forwards' && !backwards)
    throw new InvalidInput('direction', options.direction, "'forwards' or 'backwards'");
  const text = `SELECT ${eventColumns} FROM ${n.events} WHERE stream = $1 AND origin = $2 AND revision ${backwards ? '<=' : '>='} $3
     ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT $4`;
  let revision = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const want = Math.min(pageSize, left);
    const { rows } = await pool.query<EventRow>(text, [stream, origin, revision, want]);
    for (const row of rows) yield toRecorded(row);
    if (rows.length < want) return;
    const last = (rows[rows.length - 1] as EventRow).revision;
    revision = backwards ? last - 1 : last + 1;
    if (revision < 0) return;
    left -= rows.length;
  }
}

/**
 * One page of a subscription and the head position, from one statement and so one snapshot: an empty page then
 * means nothing matches up to that head, and the subscriber may move past it.
 */
export const subscriptionPage = async (
  pool: pg.Pool,
  n: SchemaNames,
  filter: EventFilter | undefined,
  position: number,
): Promise<{ events: RecordedEvent[]; head: number }> => {
  const { sql, params } = filterSql(filter, 2);
  const { rows } = await pool.query<{ head: number } & Partial<EventRow>>(
    `SELECT h.head, e.* FROM (SELECT coalesce(max(position), 0) AS head FROM ${n.events}) h
       LEFT JOIN LATERAL (SELECT ${eventColumns} FROM ${n.events} WHERE position > $1${sql}
                          ORDER BY position LIMIT ${pageSize}) e ON true
     ORDER BY e.position`,
    [position, ...params],
  );
  const head = rows[0]?.head ?? 0;
  const events = rows.filter((r) => r.position != null).map((r) => toRecorded(r as EventRow));
  return { events, head };
};

/** The fold order of an event row `e`: its fold instant, origin and revision, compared byte-wise. */
export const foldKey = (e: string): string =>
  `coalesce(${e}.fold_at, ${e}.meta->>'recordedAt') COLLATE "C", ${e}.origin COLLATE "C", ${e}.revision`;

/** readEntity on a given client (a projector reads inside its transaction). */
export const readEntityOn = async (
  db: Queryable,
  n: SchemaNames,
  stream: string,
  options: { readonly afterPosition?: number; readonly upToPosition?: number } = {},
): Promise<RecordedEvent[]> => {
  checkCount('afterPosition', options.afterPosition, 0);
  checkCount('upToPosition', options.upToPosition, 0);
  const { rows } = await db.query<EventRow>(
    `SELECT ${eventColumns} FROM ${n.events} e WHERE stream = $1 AND position > $2 AND position <= $3 ORDER BY ${foldKey('e')}`,
    [stream, options.afterPosition ?? 0, options.upToPosition ?? Number.MAX_SAFE_INTEGER],
  );
  return rows.map(toRecorded);
};

export const headOn = async (db: Queryable, n: SchemaNames): Promise<number> => {
  const { rows } = await db.query<{ head: number }>(`SELECT coalesce(max(position), 0) AS head FROM ${n.events}`);
  return rows[0]?.head ?? 0;
};
