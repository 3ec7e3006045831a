/**
 * `node --import tsx scripts/bench/postgres-copies.ts --from <postgres-url?schema=a> --schema <b> --copies N`: makes
 * a PostgreSQL log of N copies of schema a's log, for measuring a rebuild at a scale that ingesting through the
 * engine would take an hour to reach (10M events: 3,700 events/s). Copy k renames every stream (`finding-x` becomes
 * `finding-xck`, and the finding's id inside its events with it; scans likewise), so the copies are distinct
 * entities: the same shape of log, N times over. Ids are new; checksums are the originals' and no longer match (a
 * rebuild does not check them; `log verify` on the copy would say so). Its read models are left empty and marked
 * current, for the rebuild to make. Then
 * `node --import tsx scripts/bench/run-case.ts` with the `stance-state-rebuild` module and `options.store` set to
 * schema b measures the rebuild. A script, not a test: it prints what it made.
 */
import pg from 'pg';
import { projections } from '../../projections/index.js';
import { PostgresBackend } from '../../src/store/postgres/index.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const from = option('--from');
const schema = option('--schema');
const copies = Number(option('--copies') ?? '10');
if (from === undefined || schema === undefined || !/^[a-z][a-z0-9_]*$/.test(schema) || !Number.isSafeInteger(copies) || copies < 1)
  throw new Error('usage: --from <postgres-url?schema=a> --schema <b> --copies <N>');
const source = new URL(from).searchParams.get('schema');
if (source === null || !/^[a-z][a-z0-9_]*$/.test(source)) throw new Error(`--from ${from}: expected ?schema=<name>`);
const target = new URL(from);
target.searchParams.set('schema', schema);

// The target's tables, as the engine creates them; then its events, copy by copy, in the source's log order.
const backend = await PostgresBackend.open({ url: target.toString(), projections });
await backend.close();
const base = new URL(from);
base.search = '';
const client = new pg.Client({ connectionString: base.toString() });
await client.connect();
await client.query('SET synchronous_commit = off');
const started = performance.now();
for (let k = 0; k < copies; k += 1) {
  const t0 = performance.now();
  // The entity's id is the stream's name after its category (`finding-`, `scan-`): renamed wherever it appears.
  const { rowCount } = await client.query(
    `INSERT INTO "${schema}".events (position, id, stream, origin, revision, type, schema, data, meta, checksum, fold_at)
     SELECT nextval('"${schema}".event_positions'), gen_random_uuid(), stream || 'c' || $1::text, origin, revision, type, schema,
            replace(data::text, '"' || split_part(stream, '-', 1) || 'Id":"' || substr(stream, length(split_part(stream, '-', 1)) + 2) || '"',
                    '"' || split_part(stream, '-', 1) || 'Id":"' || substr(stream, length(split_part(stream, '-', 1)) + 2) || 'c' || $1::text || '"')::json,
            meta, checksum, fold_at
       FROM "${source}".events ORDER BY position`,
    [String(k)],
  );
  console.log(`copy ${k + 1}/${copies}: ${rowCount} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
// The read models are the rebuild's to make: marked current at the head, so that opening the schema does not first
// fold ten million events into them one commit's worth at a time (the catch-up a store does for events appended
// without projecting them).
await client.query(`UPDATE "${schema}".projection_state SET position = (SELECT max(position) FROM "${schema}".events)`);
await client.query(`VACUUM ANALYZE "${schema}".events`);
const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".events`);
console.log(`schema ${schema}: ${rows[0]?.n} events, ${((performance.now() - started) / 1000).toFixed(1)} s`);
await client.end();
