/**
 * The floor under a rebuild: stance-state's own log file read as the limit read reads its table (one SELECT of the
 * stored columns and `JSON.parse` of data and meta, nothing decoded or folded), in position order, or in stream
 * order through the stream index in keyset pages as the keyed rebuild reads it. A rebuild cannot be faster than
 * the read in the order it folds in.
 */
import Database from 'better-sqlite3';
import type { CaseContext, Timed } from '../run-case.js';
import { stanceFile } from './stance-state-ingest.js';

type Row = [number, string, string, string, number, string, number, string, string, string, string | null];
const columns = 'position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at';
/** The keyed rebuild's page (src/store/sqlite/projector.ts). */
const page = 1000;

export const setup = (context: CaseContext): Timed => {
  const db = new Database(stanceFile(context.dir, context.durability), { readonly: true, fileMustExist: true });
  // The rebuild's own page cache (SqliteProjector.rebuild).
  db.pragma('cache_size = -16384');
  const byPosition = db.prepare<[], Row>(`SELECT ${columns} FROM events ORDER BY position`).raw();
  const byStream = db
    .prepare<[string, string, number, number], Row>(
      `SELECT ${columns} FROM events WHERE (stream, origin, revision) > (?, ?, ?) ORDER BY stream, origin, revision LIMIT ?`,
    )
    .raw();
  let bytes = 0;
  const parse = (row: Row): number => {
    const data = JSON.parse(row[7]) as unknown;
    const meta = JSON.parse(row[8]) as unknown;
    bytes += row[7].length;
    return data !== null && meta !== null ? 1 : 0;
  };
  return {
    operation: 'read',
    run: () => {
      let n = 0;
      if (context.options.order === 'stream') {
        let after: [string, string, number] = ['', '', -1];
        for (;;) {
          const rows = byStream.all(...after, page);
          for (const row of rows) n += parse(row);
          const last = rows[rows.length - 1];
          if (last === undefined || rows.length < page) break;
          after = [last[2], last[3], last[4]];
        }
      } else for (const row of byPosition.iterate()) n += parse(row);
      return n;
    },
    finish: () => {
      db.close();
      return { dataBytes: bytes };
    },
  };
};
