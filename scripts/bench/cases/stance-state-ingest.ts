/**
 * stance-state: each batch through the engine's public API, as a scanner and a console would call it: a scan's
 * start and completion, `trackFindings(records, { scanId })` for what it saw (one atomic append with the inline
 * projections), `resolveFinding` and `suppressFinding` for decisions. The engine's clock reads the workload's, so the
 * events carry the same instants as every other contender's rows.
 */
import { join } from 'node:path';
import { openEngine } from '../../../src/open.js';
import type { CaseContext, Timed } from '../run-case.js';
import type { Batch } from '../workload.js';

export const stanceFile = (dir: string, durability: string): string => join(dir, `stance-state-${durability}.db`);

/** The store a case runs on: `options.store` (a PostgreSQL URL with its schema) or the SQLite file of its durability. */
export const storeOf = (context: CaseContext): string =>
  typeof context.options.store === 'string' ? context.options.store : `sqlite:${stanceFile(context.dir, context.durability)}`;

export const setup = async (context: CaseContext): Promise<Timed> => {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const engine = await openEngine({ store: storeOf(context), durability: context.durability, origin: 'bench', clock });
  let expected = 0;
  const run = async (batch: Batch): Promise<void> => {
    now = batch.at;
    expected += batch.events.length;
    switch (batch.kind) {
      case 'scan-started': {
        const s = batch.scan;
        await engine.startScan({
          scanId: s.scanId,
          snapshotId: s.snapshotId,
          configName: 'default',
          accountId: s.accountId,
          region: s.region,
          collectors: [...s.collectors],
          fullScope: false,
          metadata: {},
        });
        return;
      }
      case 'tracked':
        await engine.trackFindings(batch.records, { scanId: batch.scanId });
        return;
      case 'scan-completed':
        await engine.completeScan(batch.scanId, { assetCount: batch.assetCount, findingCount: batch.findingCount });
        return;
      case 'resolved':
        await engine.resolveFinding(batch.findingId, { by: batch.by, reason: batch.reason });
        return;
      case 'suppressed':
        await engine.suppressFinding(batch.findingId, { by: batch.by, reason: batch.reason });
        return;
    }
  };
  return {
    operation: 'ingest',
    run,
    finish: async () => {
      // The engine must have written exactly the workload's events: no more (say, expiries), no fewer.
      const written = await engine.backend.log.headPosition();
      if (written !== expected) throw new Error(`stance-state wrote ${written} events for a workload of ${expected}`);
      const stats = await engine.backend.log.stats();
      await engine.close();
      return { written, logBytes: stats.bytes };
    },
  };
};
