import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../../events/index.js';
import type { EventFilter, ReadAllOptions, ReadStreamOptions } from '../contract.js';
import { InvalidInput } from '../../errors.js';
import { eventColumns, toRecorded, type EventRow } from './rows.js';

const pageSize = 500;

const checkCount = (field: string, value: number | undefined, min: number): void => {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min))
    throw new InvalidInput(field, value, `an integer >= ${min}`);
};

/** Builds the WHERE clause of a filtered read; parameters in order after the position. */
export const filterSql = (filter: EventFilter | undefined): { sql: string; params: (string | number)[] } => {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (filter?.types !== undefined) {
    if (filter.types.length === 0) return { sql: ' AND 0', params };
    parts.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
    params.push(...filter.types);
  }
  if (filter?.streamPrefix !== undefined && filter.streamPrefix !== '') {
    parts.push('substr(stream, 1, ?) = ?');
    params.push(filter.streamPrefix.length, filter.streamPrefix);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
};

/**
 * Reads the log in position order, one page per query, so memory stays constant however long the log is.
 * No statement stays open between pages: the caller may write on the same connection while it reads.
 */
export function* readAllRows(db: Database.Database, options: ReadAllOptions = {}): Generator<RecordedEvent> {
  checkCount('fromPosition', options.fromPosition, 0);
  checkCount('limit', options.limit, 0);
  const { sql, params } = filterSql(options.filter);
  const page = db.prepare<unknown[], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE position > ?${sql} ORDER BY position LIMIT ?`,
  );
  let position = options.fromPosition ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const rows = page.all(position, ...params, Math.min(pageSize, left));
    for (const row of rows) yield toRecorded(row);
    if (rows.length < Math.min(pageSize, left)) return;
    position = (rows[rows.length - 1] as EventRow).position;
    left -= rows.length;
  }
}

export function* readStreamRows(
  db: Database.Database,
  stream: string,
  origin: string,
  options: ReadStreamOptions = {},
): Generator<RecordedEvent> {
  checkCount('from', options.from, 0);
  checkCount('limit', options.limit, 0);
  const backwards = options.direction === 'backwards';
  if (options.direction !== undefined && options.direction !== 'forwards' && !backwards)
    throw new InvalidInput('direction', options.direction, "'forwards' or 'backwards'");
  const page = db.prepare<[string, string, number, number], EventRow>(
    `SELECT ${eventColumns} FROM events WHERE stream = ? AND origin = ? AND revision ${backwards ? '<=' : '>='} ?
     ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
  );
  let revision = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const want = Math.min(pageSize, left);
    const rows = page.all(stream, origin, revision, want);
    for (const row of rows) yield toRecorded(row);
    if (rows.length < want) return;
    const last = (rows[rows.length - 1] as EventRow).revision;
    revision = backwards ? last - 1 : last + 1;
    if (revision < 0) return;
    left -= rows.length;
  }
}
