import { join } from 'node:path';
import type { EventStore } from '../../src/store/index.js';
import { SqliteEventStore } from '../../src/store/index.js';

/**
 * Which backend the engine suites run on: `STANCE_TEST_BACKEND` (the test runner sets it for the second run of
 * test/engine, test/sync, test/schedule and test/api), `sqlite` when unset. Anything else is refused, never guessed.
 */
export type TestBackendName = 'sqlite' | 'postgres';

export const testBackendName = (): TestBackendName => {
  const name = process.env.STANCE_TEST_BACKEND ?? '';
  if (name === '' || name === 'sqlite') return 'sqlite';
  if (name === 'postgres') return 'postgres';
  throw new Error(`STANCE_TEST_BACKEND=${name}: expected sqlite or postgres`);
};

/** A place for one deployment's data: an SQLite file, or a schema on the test PostgreSQL server. */
export interface TestStore {
  /** What `openEngine({ store })`, `--store` and `STANCE_STATE_STORE` take. */
  readonly url: string;
  /** Removes what the store holds on a server (a schema); a file goes with its test's temp dir. Idempotent. */
  drop(): Promise<void>;
}

let n = 0;
/** A new, empty store on the test backend: a file `<label>-<pid>-<n>.db` in `dir`, or a fresh schema. */
export const freshStore = async (dir: string, label = 'engine'): Promise<TestStore> => {
  n += 1;
  if (testBackendName() === 'postgres') {
    // Loaded only here, so SQLite runs never load the pg driver or start a server.
    const { freshSchema } = await import('./postgres.js');
    const schema = await freshSchema(label);
    let dropped: Promise<void> | null = null;
    return { url: schema.url, drop: () => (dropped ??= schema.drop()) };
  }
  return { url: `sqlite:${join(dir, `${label}-${process.pid}-${n}.db`)}`, drop: async () => undefined };
};

/**
 * The log of a store alone, without read models: what a writer that keeps no projections (an older version, a bare
 * tool) appends through. Its events reach the read models only when a backend refreshes.
 */
export const openRawLog = async (url: string, options: { readonly clock?: () => number } = {}): Promise<EventStore> => {
  if (url.startsWith('sqlite:')) return new SqliteEventStore({ path: url.slice('sqlite:'.length), durability: 'normal', ...options });
  const { PostgresEventStore } = await import('../../src/store/postgres/index.js');
  return PostgresEventStore.open({ url, ...options });
};

/**
 * Every text the store keeps anywhere, for tests that search for a secret in what was written: the SQLite file with
 * its WAL and shared memory, or every row of every table in the PostgreSQL schema.
 */
export const storeBytes = async (url: string): Promise<Buffer> => {
  if (url.startsWith('sqlite:')) {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { dirname, basename } = await import('node:path');
    const path = url.slice('sqlite:'.length);
    const dir = dirname(path);
    return Buffer.concat(readdirSync(dir).filter((f) => f.startsWith(basename(path))).map((f) => readFileSync(join(dir, f))));
  }
  const schema = new URL(url).searchParams.get('schema') ?? '';
  const server = new URL(url);
  server.search = '';
  const { withAdmin } = await import('./postgres.js');
  return withAdmin(server.toString(), async (client) => {
    const tables = await client.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const texts: string[] = [];
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${name}" t`);
      texts.push(...rows.rows.map((r) => r.row));
    }
    return Buffer.from(texts.join('\n'));
  });
};
