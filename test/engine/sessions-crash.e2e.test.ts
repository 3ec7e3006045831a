import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyBodies } from '../../src/engine/index.js';
import { exited, spawnTs } from '../support/children.js';
import { dropWithLastEngine, engineOn, freshStore, onBackend, TestClock } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Crash = suite(onBackend('sessions: SIGKILL while saving and checkpointing, and a holder that dies or stalls'));
let dir = '';
Crash.before(() => {
  dir = makeTempDir('sessions-crash');
});
Crash.after(() => removeDir(dir));

/** Waits for a line the child prints that matches, and returns its match. */
const lineOf = (lines: string[], pattern: RegExp, child: { once: (e: 'exit', f: () => void) => void }): Promise<RegExpExecArray> =>
  new Promise((resolve, reject) => {
    let done = false;
    const look = (): void => {
      if (done) return;
      for (const l of lines) {
        const m = pattern.exec(l);
        if (m !== null) {
          done = true;
          return resolve(m);
        }
      }
      setTimeout(look, 5);
    };
    child.once('exit', () => {
      if (done) return;
      done = true;
      reject(new Error(`child exited before printing ${pattern}: ${lines.join(' | ')}`));
    });
    look();
  });

Crash('kill -9 at random moments during saves and checkpoints: the last acknowledged state is intact, and verify is sound', async () => {
  const seed = Date.now() % 1_000_000;
  const delays = fc.sample(fc.integer({ min: 0, max: 400 }), { seed, numRuns: 8 });
  for (const [trial, delay] of delays.entries()) {
    const { url } = dropWithLastEngine(await freshStore(dir, `crash${trial}`));
    const lines: string[] = [];
    let acked = 0;
    let armed = false;
    const child = spawnTs('./session-child.ts', [url, 'loop', 'run'], (line) => {
      lines.push(line);
      const m = /^ack (\d+)$/.exec(line);
      if (m === null) return;
      acked = Number(m[1]);
      if (!armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    const exit = await exited(child);
    assert.is(exit.signal, 'SIGKILL', `seed ${seed} trial ${trial}: ${lines.slice(-3).join(' | ')}`);
    const engine = await engineOn(url, { clock: new TestClock().now });
    try {
      const loaded = await engine.sessions.load('run');
      const step = (loaded?.document as { step?: number } | undefined)?.step ?? 0;
      const checkpoints = await engine.sessions.listCheckpoints('run');
      const newest = checkpoints[0] === undefined ? 0 : ((await engine.sessions.restoreCheckpoint(checkpoints[0].checkpoint_id)).document as { step: number }).step;
      // The write in flight when the kill came may have landed (acknowledged or not); nothing older is lost.
      assert.ok(Math.max(step, newest) >= acked && Math.max(step, newest) <= acked + 1, `seed ${seed} trial ${trial}: acked ${acked}, saved ${step}, checkpoint ${newest}`);
      assert.is(checkpoints.length, Math.floor(Math.max(step, newest) / 3), `seed ${seed} trial ${trial}: one checkpoint per third step`);
      for (const c of checkpoints) assert.ok((await engine.sessions.restoreCheckpoint(c.checkpoint_id)).document !== null);
      const log = await engine.backend.log.verify();
      const bodies = await verifyBodies(engine.backend.log, engine.backend.blobs);
      assert.ok(log.ok && bodies.ok, `seed ${seed} trial ${trial}: ${JSON.stringify({ log: log.firstBad, bodies: bodies.missing })}`);
    } finally {
      await engine.close();
    }
  }
});

Crash('recover after a holder killed with -9: restored to its latest checkpoint, paused, fenced', async () => {
  const { url } = dropWithLastEngine(await freshStore(dir, 'recover'));
  const lines: string[] = [];
  const child = spawnTs('./session-child.ts', [url, 'hold', 'run'], (line) => lines.push(line), {}, { input: true });
  const [, fence] = await lineOf(lines, /^held (\d+)$/, child);
  child.stdin?.write('save 2\n');
  await lineOf(lines, /^saved 2$/, child);
  child.kill('SIGKILL');
  await exited(child);
  // A minute and a half later (by the clock this process is given): the 60 s lease has run out.
  const clock = new TestClock();
  clock.ms = Date.now() + 90_000;
  const engine = await engineOn(url, { clock: clock.now });
  try {
    assert.equal(((await engine.sessions.load('run'))?.document as { step: number }).step, 2);
    const [recovered] = await engine.sessions.recover();
    assert.equal([recovered?.session_id, recovered?.status, recovered?.owner, recovered?.fence], ['run', 'paused', null, Number(fence) + 1]);
    assert.is(((await engine.sessions.load('run'))?.document as { step: number }).step, 1);
    const resumed = await engine.sessions.resume('run', { owner: 'next-worker' });
    assert.is(resumed.fence, Number(fence) + 2);
  } finally {
    await engine.close();
  }
});

Crash('a holder stopped (SIGSTOP) past its lease, recovered meanwhile, has its late write refused when it continues', async () => {
  // Dropped at the end, not with its last engine: the stalled child still has it open in between.
  const store = await freshStore(dir, 'stalled');
  const { url } = store;
  const lines: string[] = [];
  const child = spawnTs('./session-child.ts', [url, 'hold', 'run'], (line) => lines.push(line), {}, { input: true });
  try {
    await lineOf(lines, /^held (\d+)$/, child);
    child.kill('SIGSTOP');
    const clock = new TestClock();
    clock.ms = Date.now() + 90_000;
    const engine = await engineOn(url, { clock: clock.now });
    try {
      assert.is((await engine.sessions.recover()).length, 1);
    } finally {
      await engine.close();
    }
    child.kill('SIGCONT');
    child.stdin?.write('save 9\n');
    const [, code] = await lineOf(lines, /^refused (\w+)$/, child);
    assert.is(code, 'conflict');
    const after = await engineOn(url, { clock: clock.now });
    try {
      assert.is(((await after.sessions.load('run'))?.document as { step: number }).step, 1);
    } finally {
      await after.close();
    }
  } finally {
    child.stdin?.end();
    child.kill('SIGKILL');
    await exited(child);
    await store.drop();
  }
});

Crash.run();
