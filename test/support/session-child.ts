/**
 * A session writer process for crash and recovery tests, through the composition root as a deployment would.
 * Usage: session-child.ts <store-url> <mode> <session>
 *   loop: saves step 1, 2, … (every third also a checkpoint), printing `ack <step>` after each acknowledged write;
 *         documents carry filler so a body takes real time to write.
 *   hold: saves step 1, claims the session (60 s lease), checkpoints step 1, prints `held <fence>`; then for each line
 *         `save <step>` on stdin saves with its fence and prints `saved <step>` or `refused <code>`.
 */
import { createInterface } from 'node:readline';
import { openEngine } from '../../src/open.js';

const [url, mode, sessionId] = process.argv.slice(2);
if (url === undefined || mode === undefined || sessionId === undefined) throw new Error('usage: session-child.ts <store> <loop|hold> <session>');
const engine = await openEngine({ store: url, durability: 'full' });
const doc = (step: number) => ({ step, filler: `${step}:`.repeat(20_000 + (step % 7) * 3_000) });

if (mode === 'loop') {
  for (let step = 1; step < 100_000; step += 1) {
    if (step % 3 === 0) await engine.sessions.createCheckpoint(sessionId, doc(step));
    else await engine.sessions.save(sessionId, doc(step));
    process.stdout.write(`ack ${step}\n`);
  }
}

if (mode === 'hold') {
  await engine.sessions.save(sessionId, doc(1));
  const held = await engine.sessions.claim(sessionId, { owner: `child-${process.pid}`, leaseMs: 60_000 });
  await engine.sessions.createCheckpoint(sessionId, doc(1), { fence: held.fence });
  process.stdout.write(`held ${held.fence}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    const m = /^save (\d+)$/.exec(line);
    if (m === null) break;
    try {
      await engine.sessions.save(sessionId, doc(Number(m[1])), { fence: held.fence });
      process.stdout.write(`saved ${m[1]}\n`);
    } catch (error) {
      process.stdout.write(`refused ${(error as { code?: string }).code ?? (error as Error).name}\n`);
    }
  }
}
await engine.close();
