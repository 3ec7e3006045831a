import fc from 'fast-check';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateEngine } from '../../src/engine/index.js';
import { DomainError } from '../../src/errors.js';
import type { ConflictPolicy } from '../../src/events/index.js';
import { fileHub, setTrustDocument, sync } from '../../src/sync/index.js';
import { dropWithLastEngine, engineOn, freshStore, onBackend } from '../support/engine.js';
import { allOf } from '../support/log.js';
import { noSecurity } from '../support/replicas.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Convergence = suite(onBackend('sync: replicas that exchanged the same events hold the same state'));
let dir = '';
Convergence.before(() => {
  dir = makeTempDir('convergence');
});
Convergence.after(() => removeDir(dir));

const findings = ['f1', 'f2', 'f3', 'f4'];
type Action =
  | { kind: 'track'; ids: string[] }
  | { kind: 'resolve' | 'suppress' | 'unsuppress' | 'fp' | 'note'; id: string }
  | { kind: 'sync'; direction: 'push' | 'pull' | 'bidirectional'; batchSize: number }
  | { kind: 'clock'; minutes: number };
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('track' as const), ids: fc.subarray(findings, { minLength: 1 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('resolve' as const, 'suppress' as const, 'unsuppress' as const, 'fp' as const, 'note' as const), id: fc.constantFrom(...findings) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('sync' as const), direction: fc.constantFrom('push' as const, 'pull' as const, 'bidirectional' as const), batchSize: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clock' as const), minutes: fc.integer({ min: 0, max: 120 }) }) },
);
const scenario = fc.record({
  replicas: fc.integer({ min: 2, max: 4 }),
  // Each replica's clock is off by up to five minutes: the hybrid clock, not the wall clock, orders events.
  skews: fc.array(fc.integer({ min: -300_000, max: 300_000 }), { minLength: 4, maxLength: 4 }),
  steps: fc.array(fc.tuple(fc.nat({ max: 3 }), action), { minLength: 1, maxLength: 30 }),
});

let run = 0;
const converge = (policy: ConflictPolicy, sameState: boolean) =>
  fc.asyncProperty(scenario, async ({ replicas: count, skews, steps }) => {
    run += 1;
    const base = { ms: Date.UTC(2026, 0, 1) };
    const hub = fileHub({ root: join(dir, `hub-${run}`) });
    const names = Array.from({ length: count }, (_, i) => (i === 0 ? 'central' : `spoke-${i}`));
    const engines: StateEngine[] = [];
    for (const [i, origin] of names.entries()) {
      const clock = () => base.ms + (skews[i] ?? 0);
      const engine = await engineOn(dropWithLastEngine(await freshStore(dir, `r${run}-${origin}`)).url, { origin, clock });
      engines.push(engine);
      // Every replica's own configuration names the central origin (for central_wins).
      await setTrustDocument(engine, { central: 'central' }, clock());
    }
    const syncOf = (i: number, direction: 'push' | 'pull' | 'bidirectional', batchSize: number) =>
      sync(engines[i] as StateEngine, hub, { direction, policy, batchSize, security: noSecurity, central: i === 0, clock: () => base.ms });
    try {
      for (const [who, a] of steps) {
        const i = who % count;
        const engine = engines[i] as StateEngine;
        base.ms += 1000;
        try {
          if (a.kind === 'track') await engine.trackFindings(a.ids.map((id) => ({ findingId: id, assetId: `asset-${id}`, ruleId: 'r' })));
          else if (a.kind === 'resolve') await engine.resolveFinding(a.id, { by: names[i], reason: 'fixed' });
          else if (a.kind === 'suppress') await engine.suppressFinding(a.id, { by: names[i] ?? 'x', reason: 'accepted' });
          else if (a.kind === 'unsuppress') await engine.unsuppressFinding(a.id, names[i] ?? 'x');
          else if (a.kind === 'fp') await engine.markFalsePositive(a.id, { by: names[i] ?? 'x' });
          else if (a.kind === 'note') await engine.addFindingNote(a.id, { by: names[i] ?? 'x', text: `note from ${names[i]}` });
          else if (a.kind === 'sync') assert.equal((await syncOf(i, a.direction, a.batchSize)).errors, []);
          else if (a.kind === 'clock') base.ms += a.minutes * 60_000;
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
      }
      // A final full round: everyone pushes and pulls, then everyone pulls what the others pushed last.
      for (let i = 0; i < count; i += 1) assert.equal((await syncOf(i, 'bidirectional', 7)).errors, []);
      for (let i = 0; i < count; i += 1) assert.equal((await syncOf(i, 'pull', 7)).errors, []);
      const replicated = async (engine: StateEngine) =>
        (await allOf(engine))
          .filter((e) => !e.stream.startsWith('sync-'))
          .map((e) => ({ id: e.id, checksum: e.checksum }))
          .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      // A row's position and this origin's revision are each replica's own bookkeeping; the rest must agree.
      const local = ['position', 'revision'];
      const rows = (engine: StateEngine, table: string, ...order: string[]) =>
        engine.backend.models.rows({ table, order: order.map((column) => ({ column })) });
      const states = async (engine: StateEngine) => ({
        findings: (await rows(engine, 'findings', 'finding_id')).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !local.includes(k)))),
        notes: await rows(engine, 'finding_notes', 'finding_id', 'seq'),
        stats: await rows(engine, 'finding_stats', 'key'),
        days: await rows(engine, 'finding_days', 'key'),
      });
      const first = engines[0] as StateEngine;
      for (const engine of engines.slice(1)) {
        assert.equal(await replicated(engine), await replicated(first), 'same event set');
        if (sameState) assert.equal(await states(engine), await states(first), `same finding states under ${policy}`);
        assert.ok((await engine.backend.log.verify()).ok);
      }
      // And what each replica holds is the fold of its events: rebuilding changes nothing.
      const before = await states(first);
      await first.rebuildProjections();
      assert.equal(await states(first), before);
    } finally {
      for (const engine of engines) await engine.close();
    }
  });

for (const policy of ['latest_wins', 'central_wins', 'merge'] as const)
  Convergence(`under ${policy}, every replica ends with the same events, finding states and stats`, async () => {
    await fc.assert(converge(policy, true), { numRuns: Number(process.env.CONVERGENCE_RUNS ?? 12) });
  });

Convergence('under local_wins, every replica ends with the same events', async () => {
  await fc.assert(converge('local_wins', false), { numRuns: 6 });
});

Convergence.run();
