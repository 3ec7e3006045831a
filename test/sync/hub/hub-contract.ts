import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import type { HubStorage } from '../../../src/sync/hub/index.js';
import { collect } from '../../support/events.js';
import { raises } from '../../support/raises.js';

export interface HubUnderTest {
  readonly hub: HubStorage;
  dispose(): Promise<void>;
}
/** A fresh, empty hub per call; `pageSize` asks networked hubs for small listing pages. */
export type HubFactory = (options: { pageSize?: number }) => Promise<HubUnderTest>;

export const badKeys: readonly string[] = [
  '../x',
  'a/../b',
  '..',
  'a//b',
  '/abs',
  'a/./b',
  '.',
  'a/',
  '',
  'a\\b',
  'a\u0000b',
  'a\nb',
  'a\u007fb',
  '.hidden/x',
  'a./b',
  'caf\u00e9',
  'x'.repeat(1025),
  `${'y'.repeat(256)}/z`,
];

/**
 * The hub contract: every adapter runs these same cases, each on a fresh hub. `numRuns` sizes the property, which
 * costs a round trip per case on a networked hub.
 */
export const runHubContract = (backend: string, factory: HubFactory, numRuns = 40): void => {
  const Contract = suite(`sync/hub: contract (${backend})`);
  const withHub = async (body: (hub: HubStorage) => Promise<void>, options: { pageSize?: number } = {}) => {
    const { hub, dispose } = await factory(options);
    try {
      await body(hub);
    } finally {
      await dispose();
    }
  };
  const meta = { sha256: 'ab'.repeat(32), count: '1000', first_recorded_at: '2026-01-01T00:00:00.000Z' };

  Contract('a created object reads back with its body and metadata', () =>
    withHub(async (hub) => {
      const body = randomBytes(4096);
      assert.is(await hub.create('origin-a/0-999.ndjson.gz', body, meta), 'created');
      const read = await hub.read('origin-a/0-999.ndjson.gz');
      assert.ok(read !== null);
      assert.ok(read.body.equals(body));
      assert.equal(read.metadata, meta);
      assert.equal(await hub.metadata('origin-a/0-999.ndjson.gz'), meta);
    }),
  );

  Contract('a second create of a key answers exists and leaves the first object unchanged', () =>
    withHub(async (hub) => {
      const first = Buffer.from('first');
      assert.is(await hub.create('o/1-2', first, { sha256: 'a'.repeat(64) }), 'created');
      const again = await hub.create('o/1-2', Buffer.from('second, longer'), { sha256: 'b'.repeat(64), other: 'x' });
      assert.is(again, 'exists');
      const read = await hub.read('o/1-2');
      assert.ok(read?.body.equals(first));
      assert.equal(read?.metadata, { sha256: 'a'.repeat(64) });
    }),
  );

  Contract('list returns the keys under a prefix in ascending order across many pages', () =>
    withHub(
      async (hub) => {
        const keys = [
          ...Array.from({ length: 30 }, (_, i) => `o${i % 3}/${String(i * 7).padStart(4, '0')}.ndjson.gz`),
          'o1-x/z', // '-' sorts before '/': a directory walk by name alone would put this after o1/...
          'o1/sub/deeper',
          'o10/a',
          'p',
        ];
        const shuffle = fc.shuffledSubarray(keys, { minLength: keys.length });
        const shuffled = fc.sample(shuffle, { seed: 42, numRuns: 1 })[0] ?? keys;
        for (const key of shuffled) assert.is(await hub.create(key, Buffer.from(key), {}), 'created');
        const sorted = [...keys].sort();
        assert.equal(await collect(hub.list('')), sorted);
        assert.equal(await collect(hub.list('o1/')), sorted.filter((k) => k.startsWith('o1/')));
        assert.equal(await collect(hub.list('o1')), sorted.filter((k) => k.startsWith('o1')));
        assert.equal(await collect(hub.list('o2/00')), sorted.filter((k) => k.startsWith('o2/00')));
        assert.equal(await collect(hub.list('o1/sub/')), ['o1/sub/deeper']);
        assert.equal(await collect(hub.list('q')), []);
        assert.equal(await collect(hub.list('nothing/here/')), []);
      },
      { pageSize: 7 },
    ),
  );

  Contract('reading, listing or deleting what is not there finds nothing', () =>
    withHub(async (hub) => {
      assert.is(await hub.read('o/missing'), null);
      assert.is(await hub.metadata('o/missing'), null);
      assert.equal(await collect(hub.list('')), []);
      assert.is(await hub.delete('o/missing'), false);
      await hub.create('o/present', Buffer.from('x'), {});
      assert.is(await hub.read('o/missing'), null);
      assert.is(await hub.read('o'), null, 'a prefix of a key is not an object');
      assert.is(await hub.read('o/present/under'), null, 'nothing lies under an object');
    }),
  );

  Contract('delete removes an object once and frees its key', () =>
    withHub(async (hub) => {
      await hub.create('o/a', Buffer.from('one'), { n: '1' });
      await hub.create('o/b', Buffer.from('two'), {});
      assert.is(await hub.delete('o/a'), true);
      assert.is(await hub.delete('o/a'), false);
      assert.is(await hub.read('o/a'), null);
      assert.is(await hub.metadata('o/a'), null);
      assert.equal(await collect(hub.list('')), ['o/b']);
      assert.is(await hub.create('o/a', Buffer.from('again'), { n: '2' }), 'created');
      assert.equal(await hub.metadata('o/a'), { n: '2' });
    }),
  );

  Contract('of many concurrent creates of one key exactly one is created and its object is the one stored', () =>
    withHub(async (hub) => {
      const bodies = Array.from({ length: 24 }, (_, i) => Buffer.alloc(64 * 1024 + i, i));
      const results = await Promise.all(bodies.map((b, i) => hub.create('race/key', b, { writer: String(i) })));
      const winners = results.flatMap((r, i) => (r === 'created' ? [i] : []));
      assert.is(winners.length, 1, `created by ${winners.join(', ')}`);
      assert.is(results.filter((r) => r === 'exists').length, bodies.length - 1);
      const winner = winners[0] as number;
      const read = await hub.read('race/key');
      assert.ok(read?.body.equals(bodies[winner] as Buffer));
      assert.equal(read?.metadata, { writer: String(winner) });
    }),
  );

  Contract('bad keys and prefixes are refused with InvalidInput naming the field and nothing is written', () =>
    withHub(async (hub) => {
      for (const key of badKeys) {
        const label = JSON.stringify(key.slice(0, 20));
        for (const action of [
          () => hub.create(key, Buffer.from('x'), {}),
          () => hub.read(key),
          () => hub.metadata(key),
          () => hub.delete(key),
        ]) {
          const error = await raises(action, InvalidInput);
          assert.is(error.field, 'key', label);
          assert.ok(error.message.startsWith('invalid key: '), error.message);
        }
      }
      for (const prefix of ['../', '/x', 'a//', 'a/../', '.', 'a\\', 'é']) {
        const error = await raises(() => collect(hub.list(prefix)), InvalidInput);
        assert.is(error.field, 'prefix', prefix);
      }
      assert.equal(await collect(hub.list('')), []);
    }),
  );

  Contract('bad metadata is refused with InvalidInput naming the name or value and nothing is written', () =>
    withHub(async (hub) => {
      const bad: [Record<string, string>, string][] = [
        [{ Sha256: 'x' }, 'metadata'],
        [{ 'first-seen': 'x' }, 'metadata'],
        [{ '9lives': 'x' }, 'metadata'],
        [{ ['__proto__']: 'x' }, 'metadata'],
        [{ empty: '' }, 'metadata.empty'],
        [{ lone: 'a\ud800b' }, 'metadata.lone'],
        [{ big: 'x'.repeat(9000) }, 'metadata'],
      ];
      for (const [metadata, field] of bad) {
        const error = await raises(() => hub.create('o/k', Buffer.from('x'), metadata), InvalidInput);
        assert.is(error.field, field, JSON.stringify(Object.keys(metadata)));
      }
      assert.equal(await collect(hub.list('')), []);
    }),
  );

  Contract('keys with spaces and URL-special characters round-trip and list in order', () =>
    withHub(async (hub) => {
      const keys = ["o%3Ahost name/a b#1?x=y&z;+@!$'()*,~", 'o%3Ahost name/%2F%25', 'o%3Ahost name/[x]{y}|^`"<>'];
      for (const key of keys) assert.is(await hub.create(key, Buffer.from(key), { key }), 'created');
      for (const key of keys) {
        const read = await hub.read(key);
        assert.is(read?.body.toString(), key);
        assert.equal(read?.metadata, { key });
      }
      assert.equal(await collect(hub.list('o%3Ahost name/')), [...keys].sort());
    }),
  );

  Contract('a body of 5 MiB round-trips', () =>
    withHub(async (hub) => {
      const body = randomBytes(5 * 1024 * 1024);
      await hub.create('big/one', body, { size: String(body.length) });
      assert.ok((await hub.read('big/one'))?.body.equals(body));
    }),
  );

  Contract('any body and metadata of any text round-trip byte for byte', () =>
    withHub(async (hub) => {
      const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/).filter((n) => n !== '__proto__');
      const text = fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
        fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 30 }),
        fc.constantFrom(' padded ', '%41 is not A', '100%', 'tab\tand\nnewline', '\u00e9t\u00e9 \u{1f600}'),
      );
      const metadataOf = fc.dictionary(name, text, { maxKeys: 6, noNullPrototype: true });
      let n = 0;
      await fc.assert(
        fc.asyncProperty(metadataOf, fc.uint8Array({ maxLength: 70_000 }), async (metadata, bytes) => {
          n += 1;
          const key = `prop/${n}`;
          const body = Buffer.from(bytes);
          assert.is(await hub.create(key, body, metadata), 'created');
          const read = await hub.read(key);
          assert.ok(read?.body.equals(body), 'body');
          assert.equal(read?.metadata, metadata);
          assert.equal(await hub.metadata(key), metadata);
        }),
        { numRuns },
      );
    }),
  );

  Contract.run();
};
