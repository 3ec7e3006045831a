import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateManager, type StateChange, type StateEngine } from '../../src/engine/index.js';
import { getStateManager } from '../../src/manager.js';
import { openTestEngine, siblingOf, type TestClock, onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Callbacks = suite(onBackend('engine/callbacks: named consumers of state changes, leases and fencing'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
let manager: StateManager;
Callbacks.before(() => {
  dir = makeTempDir('engine-callbacks');
});
Callbacks.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
  manager = new StateManager(engine, () => engine.close());
});
Callbacks.after.each(() => manager.close());
Callbacks.after(() => removeDir(dir));

const head = () => engine.backend.log.headPosition();
const fast = { pollMs: 10, backoffMs: 1 };

Callbacks('a callback gets (id, old, new, transition) for every change after it was registered, in order', async () => {
  await manager.registerState('u0', 'user', { data: { n: 0 } });
  const seen: string[] = [];
  const runner = manager.registerCallback('audit', (id, old, now, transition) => void seen.push(`${id} ${transition} ${old.status}->${now.status} ${JSON.stringify(old.data)}->${JSON.stringify(now.data)}`), fast);
  await runner.until(await head());
  await manager.registerState('u1', 'user', { data: { n: 1 } });
  await manager.updateState('u1', { data: { n: 2 } }, 'activate');
  await manager.transition('u1', 'suspend');
  await runner.until(await head());
  assert.equal(seen, ['u1 create null->pending null->{"n":1}', 'u1 activate pending->active {"n":1}->{"n":2}', 'u1 suspend active->suspended {"n":2}->{"n":2}']);
});

Callbacks('callbacks filter by type and transition', async () => {
  const seen: string[] = [];
  const runner = manager.registerCallback('suspensions', (id) => void seen.push(id), { ...fast, types: ['user'], transitions: ['suspend'] });
  await runner.until(await head());
  await manager.registerState('u1', 'user', { data: {} });
  await manager.registerState('f1', 'feature', { data: {} });
  await manager.transition('u1', 'activate');
  await manager.transition('f1', 'activate');
  await manager.transition('u1', 'suspend');
  await manager.transition('f1', 'suspend');
  await runner.until(await head());
  assert.equal(seen, ['u1']);
});

Callbacks('a failing handler is retried; one that keeps failing is dead-lettered and the next change still comes', async () => {
  let tries = 0;
  const seen: string[] = [];
  const runner = manager.registerCallback(
    'flaky',
    (id) => {
      if (id === 'bad') throw new Error('the mail server is down');
      if (id === 'u1' && (tries += 1) < 3) throw new Error('transient');
      seen.push(id);
    },
    { ...fast, retries: 2 },
  );
  await runner.until(await head());
  await manager.registerState('u1', 'user', { data: {} });
  await manager.registerState('bad', 'user', { data: {} });
  await manager.registerState('u2', 'user', { data: {} });
  await runner.until(await head());
  assert.equal([seen, tries], [['u1', 'u2'], 3]);
  const [letter] = await engine.backend.consumers.deadLetters('flaky');
  assert.equal([letter?.stream, letter?.attempts], ['state-bad', 3]);
  assert.match(letter?.error ?? '', 'the mail server is down');
  const health = await manager.getHealthStatus();
  assert.equal([health.status, health.reasons], ['degraded', ['consumer flaky: 1 dead letters']]);
});

Callbacks('a consumer started again continues from its stored position: nothing handled twice, nothing missed', async () => {
  const seen: string[] = [];
  const first = manager.registerCallback('mailer', (id) => void seen.push(id), fast);
  await first.until(await head());
  await manager.registerState('a', 'user', { data: {} });
  await first.until(await head());
  await manager.unregisterCallback(first);
  await manager.registerState('b', 'user', { data: {} });
  await manager.registerState('c', 'user', { data: {} });
  const second = manager.registerCallback('mailer', (id) => void seen.push(id), fast);
  await second.until(await head());
  assert.equal(seen, ['a', 'b', 'c']);
});

Callbacks('two processes registering one consumer: each change handled once, one at a time, in order', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  const second = new StateManager(other, () => other.close());
  try {
    const seen: string[] = [];
    let active = 0;
    let most = 0;
    const handler = async (id: string) => {
      active += 1;
      most = Math.max(most, active);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(id);
      active -= 1;
    };
    const a = manager.registerCallback('shared', handler, { ...fast, from: 'start' });
    const b = second.registerCallback('shared', handler, { ...fast, from: 'start' });
    for (let n = 0; n < 20; n += 1) await (n % 2 === 0 ? manager : second).registerState(`s${String(n).padStart(2, '0')}`, 'user', { data: {} });
    const end = await head();
    await Promise.race([a.until(end), b.until(end)]);
    assert.equal(seen, Array.from({ length: 20 }, (_, n) => `s${String(n).padStart(2, '0')}`));
    assert.is(most, 1);
    assert.ok((a.fence === null) !== (b.fence === null), 'exactly one of them holds the consumer');
  } finally {
    await second.close();
  }
});

Callbacks('a holder whose consumer was taken over (a higher fence) cannot move the position and stops', async () => {
  let release: () => void = () => undefined;
  const blocked = new Promise<void>((r) => (release = r));
  const seen: StateChange[] = [];
  const fences: number[] = [];
  const runner = manager.registerCallback(
    'fenced',
    async (_id, _old, _new, _t, change, context) => {
      seen.push(change);
      fences.push(context.fence);
      if (change.state_id === 'first') await blocked;
    },
    { ...fast, leaseMs: 60_000 },
  );
  await runner.until(await head());
  await manager.registerState('first', 'user', { data: {} });
  await manager.registerState('second', 'user', { data: {} });
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 5));
  // Another process takes the consumer over after the lease ran out (as if this one had been frozen past it).
  const taken = await engine.backend.consumers.acquire('fenced', 'intruder', { ttlMs: 60_000, now: clock.ms + 120_000, startAt: 0 });
  assert.is(taken?.fence, 2);
  release();
  while (runner.fence !== null) await new Promise((r) => setTimeout(r, 5));
  const [info] = await engine.backend.consumers.list();
  assert.equal([info?.holder, info?.fence], ['intruder', 2]);
  assert.ok((info?.position ?? 0) < seen[0]!.position, 'the fenced holder did not advance past the change');
  assert.equal([seen.map((c) => c.state_id), fences], [['first'], [1]]);
});

Callbacks('getStateManager: one instance per store per process, however the store is written; closing forgets it', async () => {
  const path = join(dir, 'shared.db');
  const [a, b] = await Promise.all([getStateManager(`sqlite:${path}`), getStateManager(`sqlite:${dir}/./shared.db`)]);
  assert.ok(a === b);
  await a.close();
  const c = await getStateManager(`sqlite:${path}`);
  assert.ok(c !== a);
  await c.registerState('u1', 'user', { data: {} });
  assert.is((await c.getHealthStatus()).state_count, 1);
  await c.close();
});

Callbacks('health: status, state count, projection lag and consumers', async () => {
  await manager.registerState('u1', 'user', { data: {} });
  await manager.registerState('f1', 'feature', { data: {} });
  const runner = manager.registerCallback('h', () => undefined, fast);
  await runner.until(await head());
  const health = await manager.getHealthStatus();
  assert.equal([health.status, health.state_count, health.states_by_type, health.projection_lag], ['healthy', 2, { feature: 1, user: 1 }, 0]);
  assert.equal(health.consumers.map((c) => [c.name, c.lag, c.dead_letters]), [['h', 0, 0]]);
});

Callbacks.run();
