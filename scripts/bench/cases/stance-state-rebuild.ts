import { sqliteEngine, sqliteOf } from '../../../test/support/backend.js';
/**
 * `projections rebuild`: every projection rebuilt from the whole log into shadow tables, then swapped in, as the CLI's
 * `stance-state projections rebuild` does it.
 */
import { StateEngine } from '../../../src/engine/index.js';
import { SqliteEventStore } from '../../../src/store/index.js';
import type { CaseContext, Timed } from '../run-case.js';
import { stanceFile } from './stance-state-ingest.js';

export const setup = (context: CaseContext): Timed => {
  const engine = sqliteEngine({ path: stanceFile(context.dir, context.durability), durability: context.durability });
  let projections = 0;
  return {
    operation: 'read',
    run: async () => {
      projections = engine.projectionNames().length;
      await engine.rebuildProjections();
      return sqliteOf(engine).headPositionSync();
    },
    finish: async () => {
      const stats = await engine.getFindingStats();
      await engine.close();
      return { projections, findings: stats.total };
    },
  };
};
