import { join } from 'node:path';
import { freshSchema } from './postgres.js';

/** The backend this run of a suite tests: `STANCE_TEST_BACKEND=postgres`, or SQLite. */
export const testBackend = (): 'sqlite' | 'postgres' => (process.env.STANCE_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite');

export interface TestStore {
  /** A store URL (`--store`): `sqlite:<file>` or a PostgreSQL URL naming a fresh schema. */
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty store on the backend under test, that several processes can open by URL. */
export const freshStore = async (dir: string, label: string): Promise<TestStore> => {
  if (testBackend() === 'sqlite') return { url: `sqlite:${join(dir, `${label}.db`)}`, drop: async () => undefined };
  const schema = await freshSchema(label);
  return { url: schema.url, drop: () => schema.drop() };
};
