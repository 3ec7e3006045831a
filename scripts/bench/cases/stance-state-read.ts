/** stance-state's `readAll`: the whole log through the store's paged generator (rows to RecordedEvents, JSON parsed). */
import { SqliteEventStore } from '../../../src/store/index.js';
import type { CaseContext, Timed } from '../run-case.js';
import { stanceFile } from './stance-state-ingest.js';

export const setup = (context: CaseContext): Timed => {
  const store = new SqliteEventStore({ path: stanceFile(context.dir, context.durability), durability: context.durability });
  return {
    operation: 'read',
    run: () => {
      let n = 0;
      for (const event of store.readAllSync()) if (event.data !== undefined) n += 1;
      return n;
    },
    finish: async () => {
      await store.close();
      return {};
    },
  };
};
