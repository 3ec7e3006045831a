/**
 * The PostgreSQL limit: the workload's serialized rows written into a plain table on the same server, one
 * transaction and one multi-row `INSERT … SELECT FROM unnest(…)` per batch (a single round trip, as fast as a
 * client can hand PostgreSQL rows short of COPY). No checks, no checksums, no projections; `json` columns as the
 * store's, so the server parses the same text.
 */
import pg from 'pg';
import type { CaseContext, Timed } from '../run-case.js';
import type { WorkloadEvent } from '../workload.js';

export const limitTable = 'limit_events';

export const setup = async (context: CaseContext): Promise<Timed> => {
  const client = new pg.Client({ connectionString: String(context.options.server) });
  await client.connect();
  const schema = String(context.options.schema);
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  await client.query(`CREATE TABLE ${limitTable} (position bigserial PRIMARY KEY, id text NOT NULL, stream text NOT NULL,
    type text NOT NULL, data json NOT NULL, meta json NOT NULL)`);
  const write = async (events: readonly WorkloadEvent[]) => {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${limitTable} (id, stream, type, data, meta)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::json[], $5::json[])`,
      [events.map((e) => e.id), events.map((e) => e.stream), events.map((e) => e.type), events.map((e) => e.dataJson), events.map((e) => e.metaJson)],
    );
    await client.query('COMMIT');
  };
  return {
    operation: 'ingest',
    run: (batch) => write(batch.events),
    finish: async () => {
      await client.end();
      return {};
    },
  };
};
