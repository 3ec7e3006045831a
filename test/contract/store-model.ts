import fc from 'fast-check';
import * as assert from 'uvu/assert';
import type { ExpectedRevision, NewEvent, RecordedEvent } from '../../src/events/index.js';
import { DuplicateEventId, WrongExpectedRevision, type AppendResult, type EventStore } from '../../src/store/index.js';
import { collect, findingStream, note, uuidFrom } from '../support/events.js';

/** The model: what a log is, without a database. Each stream is its list of event texts. */
interface Model {
  readonly streams: Map<string, string[]>;
  readonly all: { stream: string; text: string }[];
  readonly batches: { stream: string; events: NewEvent[]; result: AppendResult }[];
  counter: number;
}
interface Real {
  readonly store: EventStore;
}
type StoreCommand = fc.AsyncCommand<Model, Real>;

const streamNames = ['a', 'b', 'c'].map(findingStream);
type Expectation = 'exact' | 'stale' | 'any' | 'no_stream' | 'stream_exists';

class Append implements StoreCommand {
  constructor(
    readonly stream: string,
    readonly size: number,
    readonly expectation: Expectation,
    readonly withIds: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const texts = model.streams.get(this.stream) ?? [];
    const exists = texts.length > 0;
    const expected: ExpectedRevision =
      this.expectation === 'exact'
        ? exists ? texts.length - 1 : 'no_stream'
        : this.expectation === 'stale'
          ? exists ? texts.length : 0
          : this.expectation;
    const succeeds =
      this.expectation === 'exact' ||
      this.expectation === 'any' ||
      (this.expectation === 'no_stream' && !exists) ||
      (this.expectation === 'stream_exists' && exists);
    const start = model.counter;
    model.counter += this.size;
    const events = Array.from({ length: this.size }, (_, i) => {
      const text = `e${start + i}`;
      return note(this.stream.slice('finding-'.length), text, this.withIds ? uuidFrom(`model:${text}`) : undefined);
    });
    const head = await real.store.headPosition();
    if (!succeeds) {
      try {
        await real.store.append(this.stream, events, { expectedRevision: expected });
      } catch (error) {
        assert.instance(error, WrongExpectedRevision);
        assert.is(await real.store.headPosition(), head);
        return;
      }
      assert.unreachable(`append with ${String(expected)} should have been refused`);
    }
    const result = await real.store.append(this.stream, events, { expectedRevision: expected });
    const added = events.map((e) => (e.data as { text: string }).text);
    model.streams.set(this.stream, [...texts, ...added]);
    model.all.push(...added.map((text) => ({ stream: this.stream, text })));
    assert.is(result.revision, texts.length + this.size - 1);
    if (this.withIds) model.batches.push({ stream: this.stream, events, result });
  }
  toString = () => `append(${this.stream}, ${this.size}, ${this.expectation}${this.withIds ? ', ids' : ''})`;
}

class ReAppend implements StoreCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.batches.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const batch = model.batches[this.pick % model.batches.length];
    if (batch === undefined) return;
    const head = await real.store.headPosition();
    const again = await real.store.append(batch.stream, batch.events, { expectedRevision: 'any' });
    assert.is(again.position, batch.result.position);
    assert.is(await real.store.headPosition(), head);
  }
  toString = () => `reAppend(#${this.pick})`;
}

class Conflict implements StoreCommand {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.batches.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const batch = model.batches[this.pick % model.batches.length];
    const first = batch?.events[0];
    if (batch === undefined || first === undefined) return;
    const head = await real.store.headPosition();
    const forged = note(batch.stream.slice('finding-'.length), 'forged', first.id);
    try {
      await real.store.append(batch.stream, [forged]);
    } catch (error) {
      assert.instance(error, DuplicateEventId);
      assert.is(await real.store.headPosition(), head);
      return;
    }
    assert.unreachable('a forged event under a used id was accepted');
  }
  toString = () => `conflict(#${this.pick})`;
}

class ReadStream implements StoreCommand {
  constructor(
    readonly stream: string,
    readonly from: number,
    readonly limit: number,
    readonly backwards: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const texts = model.streams.get(this.stream) ?? [];
    const expected = this.backwards
      ? texts.slice(0, this.from + 1).reverse().slice(0, this.limit)
      : texts.slice(this.from, this.from + this.limit);
    const events = await collect(
      real.store.readStream(this.stream, {
        from: this.from,
        limit: this.limit,
        direction: this.backwards ? 'backwards' : 'forwards',
      }),
    );
    assert.equal(events.map((e) => (e.data as { text: string }).text), expected);
  }
  toString = () => `readStream(${this.stream}, from ${this.from}, limit ${this.limit}${this.backwards ? ', backwards' : ''})`;
}

class ReadAll implements StoreCommand {
  constructor(readonly skip: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const all = await collect(real.store.readAll());
    assert.equal(all.map((e) => `${e.stream}:${(e.data as { text: string }).text}`), model.all.map((e) => `${e.stream}:${e.text}`));
    const from = all[Math.min(this.skip, all.length) - 1]?.position ?? 0;
    const rest: RecordedEvent[] = await collect(real.store.readAll({ fromPosition: from }));
    assert.is(rest.length, all.length - Math.min(this.skip, all.length));
    for (const [stream, texts] of model.streams) assert.is(await real.store.streamRevision(stream), texts.length - 1);
  }
  toString = () => `readAll(skip ${this.skip})`;
}

const stream = fc.constantFrom(...streamNames);
export const storeCommands = fc.commands(
  [
    fc
      .tuple(stream, fc.integer({ min: 1, max: 4 }), fc.constantFrom<Expectation>('exact', 'stale', 'any', 'no_stream', 'stream_exists'), fc.boolean())
      .map(([s, n, e, ids]) => new Append(s, n, e, ids)),
    fc.nat().map((i) => new ReAppend(i)),
    fc.nat().map((i) => new Conflict(i)),
    fc
      .tuple(stream, fc.nat({ max: 12 }), fc.integer({ min: 1, max: 6 }), fc.boolean())
      .map(([s, from, limit, back]) => new ReadStream(s, from, limit, back)),
    fc.nat({ max: 20 }).map((n) => new ReadAll(n)),
  ],
  { maxCommands: 40 },
);

/** Runs the model-based property against stores from `open`; each run gets a fresh store. */
export const checkAgainstModel = async (
  open: () => Promise<{ store: EventStore; dispose(): Promise<void> }>,
  numRuns = 60,
): Promise<void> => {
  await fc.assert(
    fc.asyncProperty(storeCommands, async (commands) => {
      const { store, dispose } = await open();
      try {
        await fc.asyncModelRun(
          () => ({ model: { streams: new Map(), all: [], batches: [], counter: 0 }, real: { store } }),
          commands,
        );
      } finally {
        await dispose();
      }
    }),
    { numRuns },
  );
};
