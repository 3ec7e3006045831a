import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyBodies, type StateEngine } from '../../src/engine/index.js';
import { openTestEngine, onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Props = suite(onBackend('engine/sessions: properties of checkpoint cleanup'));
let dir = '';
Props.before(() => {
  dir = makeTempDir('sessions-props');
});
Props.after(() => removeDir(dir));

Props('keep_last N keeps exactly the newest N checkpoints, deletes only bodies nothing else names, and verify stays sound', async () => {
  await fc.assert(
    fc.asyncProperty(
      // Documents from a small set, so checkpoints share bodies with each other and with the current document.
      fc.array(fc.nat({ max: 4 }), { maxLength: 10 }),
      fc.nat({ max: 4 }),
      fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 }),
      async (docs, current, keeps) => {
        const { engine, clock } = await openTestEngine(dir);
        try {
          await engine.sessions.save('s', { v: current });
          const made: string[] = [];
          for (const v of docs) made.push((await engine.sessions.createCheckpoint('s', { v })).checkpoint_id);
          let live = [...made];
          for (const keep of keeps) {
            await engine.sessions.cleanupCheckpoints('s', keep);
            live = live.slice(Math.max(0, live.length - keep));
            const listed = (await engine.sessions.listCheckpoints('s')).map((c) => c.checkpoint_id);
            assert.equal(listed, [...live].reverse());
          }
          // Every live checkpoint and the current document still load; the blob store holds exactly what is named.
          for (const id of live) assert.ok((await engine.sessions.restoreCheckpoint(id)).document !== null);
          const named = new Set<string>([(await engine.sessions.get('s'))?.sha256 as string, ...(await engine.sessions.listCheckpoints('s')).map((c) => c.sha256)]);
          assert.equal((await engine.backend.blobs.list()).map((b) => b.sha256).sort(), [...named].sort());
          const report = await verifyBodies(engine.backend.log, engine.backend.blobs);
          assert.ok(report.ok, JSON.stringify(report));
          // The read models (counters included) are what a rebuild from the log makes of it, a deletion included.
          if (docs.length % 2 === 0) {
            clock.advance(1);
            assert.equal((await engine.sessions.cleanupOld({ olderThanDays: 0 })).deleted, ['s']);
          }
          // Counters agree with the rows they count (each moved by events, never a count).
          const stats = await engine.sessions.stats();
          const refs = await engine.backend.models.rows({ table: 'session_bodies' });
          assert.equal(
            [stats.session_count, stats.checkpoint_count, stats.bytes_raw, stats.bytes_stored],
            [
              (await engine.sessions.list()).length,
              (await engine.backend.models.rows({ table: 'session_checkpoints' })).length,
              refs.reduce((n, r) => n + (r.size as number), 0),
              refs.reduce((n, r) => n + (r.stored as number), 0),
            ],
          );
          const before = await sessionRows(engine);
          await engine.rebuildProjections('sessions');
          assert.equal(await sessionRows(engine), before);
        } finally {
          await engine.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

const sessionRows = async (engine: StateEngine) => {
  const out: Record<string, string[]> = {};
  for (const table of ['sessions', 'session_checkpoints', 'session_bodies']) out[table] = (await engine.backend.models.rows({ table })).map((r) => JSON.stringify(r)).sort();
  out.counters = [...(await engine.backend.models.counters('session_stats'))].map((c) => JSON.stringify(c)).sort();
  return out;
};

Props.run();
