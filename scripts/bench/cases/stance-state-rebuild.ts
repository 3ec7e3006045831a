/**
 * `projections rebuild`: every projection rebuilt from the whole log into shadow tables, then swapped in, as the CLI's
 * `stance-state projections rebuild` does it.
 */
import { openEngine } from '../../../src/open.js';
import type { CaseContext, Timed } from '../run-case.js';
import { storeOf } from './stance-state-ingest.js';

export const setup = async (context: CaseContext): Promise<Timed> => {
  const engine = await openEngine({ store: storeOf(context), durability: context.durability, origin: 'bench' });
  let projections = 0;
  return {
    operation: 'read',
    run: async () => {
      projections = engine.projectionNames().length;
      await engine.rebuildProjections();
      return engine.backend.log.headPosition();
    },
    finish: async () => {
      const stats = await engine.getFindingStats();
      await engine.close();
      return { projections, findings: stats.total };
    },
  };
};
