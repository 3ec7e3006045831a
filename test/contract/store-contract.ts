import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { checksumOf, canonicalJson, genesisChecksum, type RecordedEvent } from '../../src/events/index.js';
import { InvalidInput } from '../../src/errors.js';
import { DuplicateEventId, WrongExpectedRevision, type EventStore, type SubscriptionItem } from '../../src/store/index.js';
import { collect, findingStream, note, uuidFrom } from '../support/events.js';
import { raises } from '../support/raises.js';

export interface StoreUnderTest {
  readonly store: EventStore;
  dispose(): Promise<void>;
}
export type StoreFactory = (options?: { clock?: () => number }) => Promise<StoreUnderTest>;

/** What a backend declares about itself; the contract asserts the declaration and the behaviour that goes with it. */
export interface BackendTraits {
  /** Whether a multi-stream batch is one transaction (SQLite, PostgreSQL) or applied write by write (EventStoreDB). */
  readonly atomicBatches: boolean;
}

/**
 * The log contract: every backend runs these same cases (SQLite and PostgreSQL now, EventStoreDB through the same
 * factory shape). Each test opens its own store so no state crosses tests.
 */
export const runStoreContract = (backend: string, factory: StoreFactory, traits: BackendTraits): void => {
  const Contract = suite(`store contract (${backend})`);
  const withStore = async (body: (store: EventStore) => Promise<void>, clock?: () => number) => {
    const { store, dispose } = await factory(clock === undefined ? {} : { clock });
    try {
      await body(store);
    } finally {
      await dispose();
    }
  };

  Contract('a first append to a new stream lands at revision 0 and a positive position', () =>
    withStore(async (store) => {
      const result = await store.append(findingStream('a'), [note('a', '1')], { expectedRevision: 'no_stream' });
      assert.is(result.revision, 0);
      assert.ok(result.position > 0);
      assert.is(result.events.length, 1);
      assert.is(await store.streamRevision(findingStream('a')), 0);
      assert.is(await store.headPosition(), result.position);
    }),
  );

  Contract('revisions are contiguous from 0 and positions strictly increase across streams', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1'), note('a', '2')]);
      await store.append(findingStream('b'), [note('b', '1')]);
      await store.append(findingStream('a'), [note('a', '3')]);
      const all = await collect(store.readAll());
      assert.equal(
        all.map((e) => `${e.stream}@${e.revision}`),
        ['finding-a@0', 'finding-a@1', 'finding-b@0', 'finding-a@2'],
      );
      for (let i = 1; i < all.length; i += 1) assert.ok((all[i] as RecordedEvent).position > (all[i - 1] as RecordedEvent).position);
    }),
  );

  Contract('an append at the expected revision succeeds and a stale one is refused with nothing written', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1'), note('a', '2')]);
      await store.append(findingStream('a'), [note('a', '3')], { expectedRevision: 1 });
      const head = await store.headPosition();
      const error = await raises(
        () => store.append(findingStream('a'), [note('a', '4')], { expectedRevision: 1 }),
        WrongExpectedRevision,
      );
      assert.is(error.stream, 'finding-a');
      assert.is(error.expected, 1);
      assert.is(error.actual, 2);
      assert.is(await store.headPosition(), head);
    }),
  );

  Contract('no_stream on an existing stream and stream_exists on a missing one are refused', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1')]);
      const exists = await raises(
        () => store.append(findingStream('a'), [note('a', '2')], { expectedRevision: 'no_stream' }),
        WrongExpectedRevision,
      );
      assert.is(exists.actual, 0);
      const missing = await raises(
        () => store.append(findingStream('b'), [note('b', '1')], { expectedRevision: 'stream_exists' }),
        WrongExpectedRevision,
      );
      assert.is(missing.actual, 'no_stream');
      await store.append(findingStream('a'), [note('a', '2')], { expectedRevision: 'stream_exists' });
      await store.append(findingStream('a'), [note('a', '3')], { expectedRevision: 'any' });
      assert.is(await store.streamRevision(findingStream('a')), 2);
      assert.is(await store.streamRevision(findingStream('b')), null);
    }),
  );

  Contract('re-appending the same ids with the same content returns the first result and writes nothing', () =>
    withStore(async (store) => {
      const batch = [note('a', '1', uuidFrom('x1')), note('a', '2', uuidFrom('x2'))];
      const first = await store.append(findingStream('a'), batch, { expectedRevision: 'no_stream' });
      await store.append(findingStream('b'), [note('b', '1')]);
      const head = await store.headPosition();
      const again = await store.append(findingStream('a'), batch, { expectedRevision: 'no_stream' });
      assert.is(again.position, first.position);
      assert.is(again.revision, first.revision);
      assert.equal(
        again.events.map((e) => [e.id, e.checksum]),
        first.events.map((e) => [e.id, e.checksum]),
      );
      assert.is(await store.headPosition(), head);
    }),
  );

  Contract('an id already used with other content, in another stream or partly is a duplicate', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1', uuidFrom('d1')), note('a', '2', uuidFrom('d2'))]);
      const head = await store.headPosition();
      await raises(() => store.append(findingStream('a'), [note('a', 'other', uuidFrom('d1'))]), DuplicateEventId);
      await raises(() => store.append(findingStream('b'), [note('b', '1', uuidFrom('d1'))]), DuplicateEventId);
      await raises(
        () => store.append(findingStream('a'), [note('a', '1', uuidFrom('d1')), note('a', '3', uuidFrom('d3'))]),
        DuplicateEventId,
      );
      await raises(
        () => store.append(findingStream('a'), [note('a', '9', uuidFrom('n1')), note('a', '2', uuidFrom('d2'))]),
        DuplicateEventId,
      );
      await raises(
        () => store.append(findingStream('c'), [note('c', '1', uuidFrom('t1')), note('c', '2', uuidFrom('t1'))]),
        DuplicateEventId,
      );
      assert.is(await store.headPosition(), head);
    }),
  );

  Contract(
    traits.atomicBatches
      ? 'a multi-stream batch is all or nothing'
      : 'a multi-stream batch applies its writes in order and stops at the first refused one',
    () =>
      withStore(async (store) => {
        assert.is(store.atomicBatches, traits.atomicBatches);
        await store.append(findingStream('b'), [note('b', '1')]);
        const head = await store.headPosition();
        await raises(
          () =>
            store.appendMany([
              { stream: findingStream('a'), events: [note('a', '1')], expectedRevision: 'no_stream' },
              { stream: findingStream('b'), events: [note('b', '2')], expectedRevision: 'no_stream' },
              { stream: findingStream('c'), events: [note('c', '1')], expectedRevision: 'no_stream' },
            ]),
          WrongExpectedRevision,
        );
        assert.is(await store.streamRevision(findingStream('b')), 0);
        assert.is(await store.streamRevision(findingStream('c')), null);
        if (traits.atomicBatches) {
          assert.is(await store.headPosition(), head);
          assert.is(await store.streamRevision(findingStream('a')), null);
          const results = await store.appendMany([
            { stream: findingStream('a'), events: [note('a', '1')], expectedRevision: 'no_stream' },
            { stream: findingStream('b'), events: [note('b', '2')], expectedRevision: 0 },
          ]);
          assert.equal(
            results.map((r) => [r.stream, r.revision]),
            [
              ['finding-a', 0],
              ['finding-b', 1],
            ],
          );
          assert.ok((results[1]?.position ?? 0) > (results[0]?.position ?? 0));
        } else {
          assert.is(await store.streamRevision(findingStream('a')), 0);
          assert.ok((await store.headPosition()) > head);
        }
      }),
  );

  Contract('readStream reads forwards and backwards from a revision with a limit', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [0, 1, 2, 3, 4].map((i) => note('a', String(i))));
      await store.append(findingStream('b'), [note('b', 'x')]);
      const texts = (events: RecordedEvent[]) => events.map((e) => (e.data as { text: string }).text);
      assert.equal(texts(await collect(store.readStream(findingStream('a')))), ['0', '1', '2', '3', '4']);
      assert.equal(texts(await collect(store.readStream(findingStream('a'), { from: 2, limit: 2 }))), ['2', '3']);
      assert.equal(texts(await collect(store.readStream(findingStream('a'), { direction: 'backwards', limit: 2 }))), ['4', '3']);
      assert.equal(
        texts(await collect(store.readStream(findingStream('a'), { direction: 'backwards', from: 1 }))),
        ['1', '0'],
      );
      assert.equal(await collect(store.readStream(findingStream('missing'))), []);
      assert.equal(await collect(store.readStream(findingStream('a'), { from: 9 })), []);
    }),
  );

  Contract('readAll starts after a position and filters by type and stream prefix', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1')]);
      const second = await store.append('scan-s1', [
        {
          type: 'ScanCancelled',
          data: { scanId: 's1', by: 'tester', reason: '', cancelledAt: '2026-01-01T00:00:00.000Z' },
        },
      ]);
      await store.append(findingStream('b'), [note('b', '1')]);
      const after = await collect(store.readAll({ fromPosition: second.position }));
      assert.equal(after.map((e) => e.stream), ['finding-b']);
      const notes = await collect(store.readAll({ filter: { types: ['FindingNoteAdded'] } }));
      assert.equal(notes.map((e) => e.stream), ['finding-a', 'finding-b']);
      const scans = await collect(store.readAll({ filter: { streamPrefix: 'scan-' } }));
      assert.equal(scans.map((e) => e.type), ['ScanCancelled']);
      assert.equal((await collect(store.readAll({ limit: 2 }))).length, 2);
    }),
  );

  Contract('readAll pages through a log longer than one page without loss or repeat', () =>
    withStore(async (store) => {
      for (let batch = 0; batch < 13; batch += 1)
        await store.append(findingStream(`p${batch % 3}`), Array.from({ length: 100 }, (_, i) => note(`p${batch % 3}`, `${batch}:${i}`)));
      const all = await collect(store.readAll());
      assert.is(all.length, 1300);
      assert.is(new Set(all.map((e) => e.id)).size, 1300);
      const filtered = await collect(store.readAll({ filter: { streamPrefix: 'finding-p1' } }));
      assert.is(filtered.length, 400);
      const limited = await collect(store.readAll({ fromPosition: all[99]?.position ?? 0, limit: 777 }));
      assert.is(limited.length, 777);
      assert.is(limited[0]?.id, all[100]?.id);
    }),
  );

  Contract('every event checksum chains from the previous event of its stream', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1'), note('a', '2')]);
      await store.append(findingStream('a'), [note('a', '3')]);
      let prev = genesisChecksum;
      for await (const e of store.readStream(findingStream('a'))) {
        const expected = checksumOf(
          { ...e, dataJson: canonicalJson(e.data), metaJson: canonicalJson(e.meta) },
          prev,
        );
        assert.is(e.checksum, expected);
        prev = e.checksum;
      }
      const report = await store.verify();
      assert.ok(report.ok);
      assert.is(report.events, 3);
    }),
  );

  Contract('recordedAt never goes backwards when the wall clock does', () => {
    let now = Date.UTC(2026, 5, 1, 12);
    return withStore(
      async (store) => {
        const first = await store.append(findingStream('a'), [note('a', '1')]);
        now -= 3_600_000;
        const second = await store.append(findingStream('a'), [note('a', '2')]);
        assert.ok((second.events[0]?.meta.recordedAt ?? '') >= (first.events[0]?.meta.recordedAt ?? 'z'));
        assert.is(first.events[0]?.meta.recordedAt, '2026-06-01T12:00:00.000Z');
        assert.is(first.events[0]?.meta.origin, store.origin);
      },
      () => now,
    );
  });

  Contract('a subscription catches up, says so once, then delivers live appends that match its filter', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1'), note('a', '2')]);
      await store.append('scan-s1', [
        { type: 'ScanCancelled', data: { scanId: 's1', by: 'x', reason: '', cancelledAt: '2026-01-01T00:00:00.000Z' } },
      ]);
      const subscription = store.subscribe({ fromPosition: 0, filter: { streamPrefix: 'finding-' } });
      const seen: SubscriptionItem[] = [];
      const iterator = subscription[Symbol.asyncIterator]();
      const next = async () => {
        const item = await iterator.next();
        assert.not.ok(item.done);
        seen.push(item.value as SubscriptionItem);
        return item.value as SubscriptionItem;
      };
      assert.is((await next()).kind, 'event');
      assert.is((await next()).kind, 'event');
      const caughtUp = await next();
      assert.is(caughtUp.kind, 'caught_up');
      assert.is(caughtUp.kind === 'caught_up' && caughtUp.position, await store.headPosition());
      const pending = next();
      await store.append('scan-s2', [
        { type: 'ScanCancelled', data: { scanId: 's2', by: 'x', reason: '', cancelledAt: '2026-01-01T00:00:00.000Z' } },
      ]);
      await store.append(findingStream('b'), [note('b', 'live')]);
      const live = await pending;
      assert.is(live.kind === 'event' && live.event.stream, 'finding-b');
      await subscription.close();
      assert.is((await iterator.next()).done, true);
      assert.equal(
        seen.filter((s) => s.kind === 'caught_up').length,
        1,
      );
    }),
  );

  Contract('malformed events, unknown types, bad stream names and bad expectations leave the log unchanged', () =>
    withStore(async (store) => {
      await store.append(findingStream('a'), [note('a', '1')]);
      const head = await store.headPosition();
      const bad: [string, () => Promise<unknown>, string][] = [
        ['unknown type', () => store.append(findingStream('a'), [{ type: 'Nope', data: {} }]), 'events[0].type'],
        [
          'bad field',
          () => store.append(findingStream('a'), [{ type: 'FindingNoteAdded', data: { findingId: 'a', by: 'x', text: 't', at: 'yesterday' } }]),
          'events[0].data.at',
        ],
        ['missing field', () => store.append(findingStream('a'), [{ type: 'FindingNoteAdded', data: { findingId: 'a' } }]), 'events[0].data.by'],
        ['empty stream', () => store.append('', [note('a', '1')]), 'stream'],
        ['long stream', () => store.append(`finding-${'x'.repeat(510)}`, [note('a', '1')]), 'stream'],
        ['control character', () => store.append('finding-a\u0001', [note('a', '1')]), 'stream'],
        ['wrong category', () => store.append('scan-a', [note('a', '1')]), 'stream'],
        ['negative revision', () => store.append(findingStream('a'), [note('a', '2')], { expectedRevision: -1 }), 'expectedRevision'],
        ['fractional revision', () => store.append(findingStream('a'), [note('a', '2')], { expectedRevision: 1.5 }), 'expectedRevision'],
        [
          'unknown expectation',
          () => store.append(findingStream('a'), [note('a', '2')], { expectedRevision: 'latest' as never }),
          'expectedRevision',
        ],
        ['no events', () => store.append(findingStream('a'), []), 'events'],
        ['bad id', () => store.append(findingStream('a'), [note('a', '2', 'not-a-uuid')]), 'events[0].id'],
        [
          'one bad event of a batch',
          () => store.appendMany([
            { stream: findingStream('c'), events: [note('c', '1')] },
            { stream: findingStream('d'), events: [note('d', '1'), { type: 'FindingNoteAdded', data: null }] },
          ]),
          'writes[1].events[1].data',
        ],
      ];
      for (const [label, action, field] of bad) {
        const error = await raises(action, InvalidInput);
        assert.is(error.field, field, label);
        assert.ok(error.message.startsWith(`invalid ${field}`), `${label}: ${error.message}`);
      }
      assert.is(await store.headPosition(), head);
    }),
  );

  Contract.run();
};
