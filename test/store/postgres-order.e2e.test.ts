/**
 * Several processes on one PostgreSQL schema. To watch the ordering test fail, run it with STANCE_PG_BREAK_ORDER=1:
 * the writers then take positions without the order lock, and the subscriber passes over events that commit late.
 */
import type { ChildProcess } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecordedEvent } from '../../src/events/index.js';
import { type SubscriptionItem } from '../../src/store/index.js';
import { PostgresEventStore } from '../../src/store/postgres/index.js';
import { batchPlan } from '../support/batch-plan.js';
import { exited, spawnTs } from '../support/children.js';
import { collect, note } from '../support/events.js';
import { freshSchema, withAdmin, type TestSchema } from '../support/postgres.js';

const Processes = suite('store/postgres: several processes on one schema');

let schema: TestSchema;
Processes.before.each(async () => {
  schema = await freshSchema('e2e');
});
Processes.after.each(async () => {
  await schema.drop();
});

const broken = process.env.STANCE_PG_BREAK_ORDER === '1';

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves at the first line that matches. */
  line(pattern: RegExp): Promise<string>;
}

const child = (mode: string, label: string, args: string[] = [], barrier = false): Child => {
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const proc = spawnTs(
    './pg-child.ts',
    [mode, schema.url, label, ...args],
    (line) => {
      lines.push(line);
      for (const w of waiting.splice(0)) {
        if (w.pattern.test(line)) w.resolve(line);
        else waiting.push(w);
      }
    },
    { ...(barrier ? { STANCE_CHILD_WAIT: '1' } : {}), ...(broken ? { STANCE_CHILD_UNLOCKED: '1' } : {}) },
    { input: barrier },
  );
  return {
    process: proc,
    lines,
    line: (pattern) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiting.push({ pattern, resolve }));
    },
  };
};

/** Starts the children's work together: each has opened nothing yet and waits for `go`. */
const startTogether = async (children: readonly Child[]): Promise<void> => {
  await Promise.all(children.map((c) => c.line(/^ready$/)));
  for (const c of children) c.process.stdin?.write('go\n');
};

Processes('a subscriber and a paging reader see every event of four writer processes once, in position order, none skipped', async () => {
  const reader = await PostgresEventStore.open({ url: schema.url, pollMs: 20 });
  try {
    const labels = ['w0', 'w1', 'w2', 'w3'];
    const batches = 30;
    const expected = new Set(labels.flatMap((l) => Array.from({ length: batches }, (_, k) => batchPlan(l, k, 12).ids).flat()));
    const subscription = reader.subscribe();
    const delivered: RecordedEvent[] = [];
    const subscribed = (async () => {
      for await (const item of subscription as AsyncIterable<SubscriptionItem>) {
        if (item.kind === 'event') delivered.push(item.event);
        if (delivered.length >= expected.size) return;
      }
    })();
    // A reader paging with readAll from the last position it saw, while the writers write.
    const paged: RecordedEvent[] = [];
    let writing = true;
    const paging = (async () => {
      for (;;) {
        const from = paged.at(-1)?.position ?? 0;
        const page = await collect(reader.readAll({ fromPosition: from, limit: 100 }));
        paged.push(...page);
        if (paged.length >= expected.size) return;
        if (page.length === 0) {
          if (!writing) return;
          await reader.waitFor(from + 1, { timeoutMs: 1000 }).catch(() => undefined);
        }
      }
    })();
    const writers = labels.map((l) => child('batches', l, [String(batches), '12'], true));
    await startTogether(writers);
    const exits = await Promise.all(writers.map((w) => exited(w.process)));
    writing = false;
    assert.equal(exits.map((e) => e.code), [0, 0, 0, 0]);
    // Normally both readers finish at once. A reader that skipped events never reaches the count: the guard lets the
    // comparisons below show what it missed instead of hanging.
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([subscribed, paging]), new Promise((resolve) => (guard = setTimeout(resolve, 30_000)))]);
    clearTimeout(guard);
    await subscription.close();
    const all = await collect(reader.readAll());
    assert.is(all.length, expected.size);
    assert.ok(all.every((e) => expected.has(e.id)));
    const ids = (events: RecordedEvent[]) => events.map((e) => `${e.position}:${e.id}`);
    assert.equal(ids(delivered), ids(all), 'the subscriber saw exactly the log, in its order');
    assert.equal(ids(paged), ids(all), 'the paging reader saw exactly the log, in its order');
    assert.ok((await reader.verify()).ok);
  } finally {
    await reader.close();
  }
});

Processes('kill -9 of writers mid-commit loses no acknowledged batch and leaves no part of one', async () => {
  for (let trial = 0; trial < 2; trial += 1) {
    const labels = [`t${trial}a`, `t${trial}b`];
    const writers = labels.map((label) => {
      const w = child('batches', label, ['1000000', '25']);
      // After the first acknowledgement, at a moment that lands anywhere in a commit.
      void w.line(/^ack /).then(() => setTimeout(() => w.process.kill('SIGKILL'), Math.floor(Math.random() * 200)));
      return w;
    });
    const ends = await Promise.all(writers.map((w) => closed(w.process)));
    assert.equal(ends, ['SIGKILL', 'SIGKILL']);
    const store = await PostgresEventStore.open({ url: schema.url });
    try {
      for (const label of labels) {
        const last = Math.max(-1, ...writersAcks(writers[labels.indexOf(label)] as Child));
        for (let k = 0; k <= last + 2; k += 1) {
          const { ids } = batchPlan(label, k, 25);
          const { rows } = await store.pool.query<{ n: number }>(`SELECT count(*) AS n FROM ${store.names.events} WHERE id = ANY($1::uuid[])`, [ids]);
          const found = rows[0]?.n ?? 0;
          if (k <= last) assert.is(found, ids.length, `${label} batch ${k} was acknowledged`);
          assert.ok(found === 0 || found === ids.length, `${label} batch ${k} partly present: ${found}/${ids.length}`);
          if (k > last + 1) assert.is(found, 0, `${label} batch ${k} was never sent`);
        }
      }
      assert.ok((await store.verify()).ok);
      // Nothing of the killed sessions holds the order lock: a new commit goes through.
      await store.append('finding-after', [note('after', `trial ${trial}`)]);
    } finally {
      await store.close();
    }
  }
});

/** Resolves with the signal once the process exited and its output was read to the end (every ack it wrote). */
const closed = (proc: ChildProcess): Promise<NodeJS.Signals | number | null> =>
  new Promise((resolve) => proc.once('close', (code, signal) => resolve(signal ?? code)));

const writersAcks = (w: Child): number[] => w.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));

Processes('writers racing on one stream get WrongExpectedRevision, never a duplicate or missing revision', async () => {
  const writers = ['c0', 'c1', 'c2', 'c3'].map((l) => child('contend', l, ['40'], true));
  await startTogether(writers);
  const exits = await Promise.all(writers.map((w) => exited(w.process)));
  assert.equal(exits.map((e) => e.code), [0, 0, 0, 0]);
  const acks = writers.flatMap(writersAcks);
  const conflicts = writers.flatMap((w) => w.lines.filter((l) => l === 'conflict')).length;
  assert.is(acks.length + conflicts, 160);
  assert.ok(conflicts > 0, 'the writers did race');
  assert.equal([...acks].sort((a, b) => a - b), acks.map((_, i) => i), 'each revision acknowledged exactly once');
  const store = await PostgresEventStore.open({ url: schema.url });
  try {
    const events = await collect(store.readStream('finding-contended'));
    assert.equal(events.map((e) => e.revision), acks.map((_, i) => i));
    assert.ok((await store.verify()).ok);
  } finally {
    await store.close();
  }
});

Processes('processes creating one schema at the same moment all open it, with one origin and one version row', async () => {
  const openers = ['o0', 'o1', 'o2', 'o3'].map((l) => child('open', l, [], true));
  await startTogether(openers);
  const exits = await Promise.all(openers.map((o) => exited(o.process)));
  assert.equal(exits.map((e) => e.code), [0, 0, 0, 0]);
  const origins = new Set(openers.map((o) => o.lines.find((l) => l.startsWith('opened '))));
  assert.is(origins.size, 1);
  await withAdmin(schema.serverUrl, async (admin) => {
    const { rows } = await admin.query(`SELECT version FROM "${schema.schema}".schema_versions`);
    assert.equal(rows, [{ version: 2 }]);
  });
});

Processes.run();
