import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyBodies } from '../../src/engine/index.js';
import { openTestEngine } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Props = suite('engine/sessions: properties of checkpoint cleanup');
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
        const { engine } = openTestEngine(dir);
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
        } finally {
          await engine.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});

Props.run();
