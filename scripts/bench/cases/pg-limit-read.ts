/**
 * The PostgreSQL limit of reading: the limit's table in position order, 5,000 rows a query (keyset pages, as the
 * store reads), and `JSON.parse` of data and meta (fetched as text so the parse is timed here, as on SQLite).
 */
import pg from 'pg';
import type { CaseContext, Timed } from '../run-case.js';
import { limitTable } from './pg-limit-insert.js';

export const setup = async (context: CaseContext): Promise<Timed> => {
  const client = new pg.Client({ connectionString: String(context.options.server) });
  await client.connect();
  await client.query(`SET search_path TO ${String(context.options.schema)}`);
  let bytes = 0;
  return {
    operation: 'read',
    run: async () => {
      let n = 0;
      let after = 0;
      for (;;) {
        const { rows } = await client.query<{ position: string; data: string; meta: string }>({
          text: `SELECT position, id, stream, type, data::text AS data, meta::text AS meta FROM ${limitTable}
                   WHERE position > $1 ORDER BY position LIMIT 5000`,
          values: [after],
        });
        if (rows.length === 0) break;
        for (const row of rows) {
          const data = JSON.parse(row.data) as Record<string, unknown>;
          const meta = JSON.parse(row.meta) as Record<string, unknown>;
          if (data !== null && meta !== null) n += 1;
          bytes += row.data.length;
        }
        after = Number((rows[rows.length - 1] as { position: string }).position);
      }
      return n;
    },
    finish: async () => {
      await client.end();
      return { dataBytes: bytes };
    },
  };
};
