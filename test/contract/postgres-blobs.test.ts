import pg from 'pg';
import { PostgresBlobs } from '../../src/store/postgres/blobs.js';
import { PostgresConsumers } from '../../src/store/postgres/consumers.js';
import { freshSchema } from '../support/postgres.js';
import { runBlobContract } from './blob-contract.js';

// The PostgreSQL classes the backend wires in (src/store/postgres/blobs.ts, consumers.ts), against a real server.
runBlobContract('postgres', async () => {
  const schema = await freshSchema('blobs');
  const pool = new pg.Pool({ connectionString: schema.serverUrl, max: 4 });
  const blobs = new PostgresBlobs(pool, schema.schema);
  const consumers = new PostgresConsumers(pool, schema.schema);
  await Promise.all([blobs.install(), blobs.install(), consumers.install()]);
  return {
    blobs,
    consumers,
    dispose: async () => {
      await pool.end();
      await schema.drop();
    },
  };
});
