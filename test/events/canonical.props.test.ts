import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson, checksumOf } from '../../src/events/index.js';
import { createHash } from 'node:crypto';

const Canonical = suite('events/canonical: canonical JSON and checksums');

const json = fc.jsonValue({ maxDepth: 4 }).filter((v) => !Object.is(v, -0));

Canonical('canonical JSON round-trips: parsing it gives the same value back', () => {
  fc.assert(fc.property(json, (value) => assert.equal(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(value)))));
});

Canonical('canonical JSON does not depend on key order', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), json), (record) => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      assert.is(canonicalJson(reversed), canonicalJson(record));
    }),
  );
});

Canonical('canonical JSON has sorted keys and no whitespace outside strings', () => {
  assert.is(canonicalJson({ b: [1, { d: null, c: true }], a: 'x y' }), '{"a":"x y","b":[1,{"c":true,"d":null}]}');
  assert.is(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.throws(() => canonicalJson({ a: Number.NaN }), /cannot hold NaN/);
  assert.throws(() => canonicalJson({ a: () => 1 }), /cannot hold function/);
});

Canonical('the checksum equals SHA-256 of the canonical JSON of the event with its predecessor', () => {
  fc.assert(
    fc.property(
      fc.uuid(),
      fc.string({ minLength: 1 }),
      fc.nat(),
      fc.string({ minLength: 1 }),
      fc.dictionary(fc.string(), json),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
      (id, stream, revision, type, data, prev) => {
        const meta = { origin: 'o', recordedAt: '2026-01-01T00:00:00.000Z' };
        const expected = createHash('sha256')
          .update(canonicalJson({ id, stream, revision, type, schema: 1, data, meta, prev }))
          .digest('hex');
        const actual = checksumOf(
          { id, stream, revision, type, schema: 1, dataJson: canonicalJson(data), metaJson: canonicalJson(meta) },
          prev,
        );
        assert.is(actual, expected);
      },
    ),
  );
});

Canonical.run();
