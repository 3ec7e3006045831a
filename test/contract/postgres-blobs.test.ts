import pg from 'pg';
import { PostgresBlobs } from '../../src/store/postgres/blobs.js';
import { PostgresConsumers } from '../../src/store/postgres/consumers.js';
import { freshDatabase } from '../support/postgres.js';
import { runBlobContract } from './blob-contract.js';

// The PostgreSQL classes the backend wires in (src/store/postgres/blobs.ts, consumers.ts), against a real server.
runBlobContract('postgres', async () => {
  // A database of its own: VACUUM can only free rows no snapshot of the same database still needs, and other test
  // files run transactions on the shared test database meanwhile.
  const database = await freshDatabase('blobs');
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // The database is dropped WITH (FORCE) once the pool has ended: a connection still closing then hears the server
  // terminate it ("administrator command"), which must not crash the run.
  pool.on('error', () => undefined);
  const blobs = new PostgresBlobs(pool, 'stance');
  const consumers = new PostgresConsumers(pool, 'stance');
  await Promise.all([blobs.install(), blobs.install(), consumers.install()]);
  return {
    blobs,
    consumers,
    dispose: async () => {
      await pool.end();
      await database.drop();
    },
  };
});
