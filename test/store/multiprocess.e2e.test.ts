import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteEventStore, type SubscriptionItem } from '../../src/store/index.js';
import { batchPlan } from '../support/batch-plan.js';
import { exited, spawnTs } from '../support/children.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Processes = suite('store/sqlite: several processes on one file');
let dir = '';
Processes.before(() => {
  dir = makeTempDir('processes');
});
Processes.after(() => removeDir(dir));

Processes('four writer processes creating and appending to one new file lose nothing', async () => {
  const db = join(dir, 'four.db');
  const labels = ['p0', 'p1', 'p2', 'p3'];
  const lines: string[][] = labels.map(() => []);
  const children = labels.map((label, i) => spawnTs('./append-child.ts', [db, label, '40', '10'], (l) => lines[i]?.push(l)));
  const exits = await Promise.all(children.map(exited));
  assert.equal(exits.map((e) => e.code), [0, 0, 0, 0]);
  lines.forEach((l) => assert.is(l.at(-1), 'done'));
  const store = new SqliteEventStore({ path: db });
  const present = store.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM events WHERE id = ?');
  let expected = 0;
  for (const label of labels)
    for (let k = 0; k < 40; k += 1) {
      const { ids } = batchPlan(label, k, 10);
      expected += ids.length;
      assert.ok(ids.every((id) => present.get(id)?.n === 1), `${label} batch ${k}`);
    }
  assert.is(store.statsSync().events, expected);
  const report = store.verifySync();
  assert.ok(report.ok, JSON.stringify(report.firstBad));
  await store.close();
});

Processes('a subscription sees events another process appends, after saying it caught up', async () => {
  const db = join(dir, 'live.db');
  const store = new SqliteEventStore({ path: db, pollMs: 10 });
  const subscription = store.subscribe();
  const items: SubscriptionItem[] = [];
  const iterator = subscription[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.value, { kind: 'caught_up', position: 0 });
  const child = spawnTs('./append-child.ts', [db, 'live', '5', '3']);
  const { ids } = batchPlan('live', 4, 3);
  const wanted = new Set(ids);
  while (wanted.size > 0) {
    const next = await iterator.next();
    assert.not.ok(next.done);
    const item = next.value as SubscriptionItem;
    items.push(item);
    if (item.kind === 'event') wanted.delete(item.event.id);
  }
  assert.is((await exited(child)).code, 0);
  const positions = items.flatMap((i) => (i.kind === 'event' ? [i.event.position] : []));
  assert.equal(positions, positions.map((_, i) => i + 1));
  await subscription.close();
  await store.close();
});

Processes.run();
