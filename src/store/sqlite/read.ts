import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../../events/index.js';
import type { EventFilter, ReadAllOptions, ReadStreamOptions } from '../contract.js';
import { InvalidInput } from '../../errors.js';
import { eventColumns, toRecordedRaw, toStoredRaw, type RawEventRow } from './rows.js';

const pageSize = 500;

const statements = new WeakMap<Database.Database, Map<string, Database.Statement<unknown[], RawEventRow>>>();
/**
 * A page statement prepared once per connection and text: preparing costs more than reading a short stream, and
 * the engine reads a scan's stream on every scan command. No statement stays active between calls (`.all()`), so
 * generators sharing one never interleave on it.
 */
const rawPage = (db: Database.Database, sql: string): Database.Statement<unknown[], RawEventRow> => {
  let cache = statements.get(db);
  if (cache === undefined) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (statement === undefined) {
    // Filters make the text vary; a bound keeps an unusual caller from growing the cache without end.
    if (cache.size >= 64) cache.clear();
    cache.set(sql, (statement = db.prepare<unknown[], RawEventRow>(sql).raw()));
  }
  return statement;
};

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
  const page = rawPage(db, `SELECT ${eventColumns} FROM events WHERE position > ?${sql} ORDER BY position LIMIT ?`);
  const toEvent = options.asStored === true ? toStoredRaw : toRecordedRaw;
  let position = options.fromPosition ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const rows = page.all(position, ...params, Math.min(pageSize, left));
    for (const row of rows) yield toEvent(row);
    if (rows.length < Math.min(pageSize, left)) return;
    position = (rows[rows.length - 1] as RawEventRow)[0];
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
  const page = rawPage(
    db,
    `SELECT ${eventColumns} FROM events WHERE stream = ? AND origin = ? AND revision ${backwards ? '<=' : '>='} ?
     ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT ?`,
  );
  let revision = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const want = Math.min(pageSize, left);
    const rows = page.all(stream, origin, revision, want);
    for (const row of rows) yield toRecordedRaw(row);
    if (rows.length < want) return;
    const last = (rows[rows.length - 1] as RawEventRow)[4];
    revision = backwards ? last - 1 : last + 1;
    if (revision < 0) return;
    left -= rows.length;
  }
}
