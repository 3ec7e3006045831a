/** The limit of reading: one `SELECT` over the limit's table in position order and `JSON.parse` of data and meta. */
import Database from 'better-sqlite3';
import { pageCacheKib } from '../../../src/store/sqlite/schema.js';
import type { CaseContext, Timed } from '../run-case.js';
import { limitFile } from './limit-insert.js';

export const setup = (context: CaseContext): Timed => {
  const db = new Database(limitFile(context.dir, context.durability), { readonly: true, fileMustExist: true });
  db.pragma(`cache_size = ${-pageCacheKib}`);
  const all = db.prepare<[], [number, string, string, string, string, string]>(
    'SELECT position, id, stream, type, data, meta FROM events ORDER BY position',
  ).raw();
  let bytes = 0;
  return {
    operation: 'read',
    run: () => {
      let n = 0;
      for (const row of all.iterate()) {
        const data = JSON.parse(row[4]) as Record<string, unknown>;
        const meta = JSON.parse(row[5]) as Record<string, unknown>;
        if (data !== null && meta !== null) n += 1;
        bytes += row[4].length;
      }
      return n;
    },
    finish: () => {
      db.close();
      return { dataBytes: bytes };
    },
  };
};
