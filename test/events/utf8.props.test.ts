import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkUtf8Chunk, invalidUtf8At, jsonPathAt } from '../../src/events/index.js';

const strict = new TextDecoder('utf-8', { fatal: true });
const decodes = (bytes: Uint8Array): boolean => {
  try {
    strict.decode(bytes);
    return true;
  } catch {
    return false;
  }
};
// Bytes biased towards lead and continuation bytes, so ill-formed sequences of every kind come up often.
const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xff }));
const bytes = fc.array(byte, { maxLength: 12 }).map((b) => Uint8Array.from(b));

test('invalidUtf8At agrees with a strict decoder, and everything before the offset it names is well-formed', () => {
  fc.assert(
    fc.property(bytes, (b) => {
      const at = invalidUtf8At(b);
      assert.is(at === -1, decodes(b));
      if (at >= 0) assert.ok(decodes(b.subarray(0, at)), 'the prefix is UTF-8');
    }),
    { numRuns: 20_000 },
  );
});

test('a well-formed text cut anywhere into chunks is well-formed chunk by chunk, carrying the cut sequence over', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.nat(), (s, cut) => {
      const all = Buffer.from(s, 'utf8');
      const at = all.length === 0 ? 0 : cut % (all.length + 1);
      const first = checkUtf8Chunk(all.subarray(0, at));
      assert.is(first.invalidAt, -1);
      const rest = Buffer.concat([all.subarray(first.complete, at), all.subarray(at)]);
      assert.is(invalidUtf8At(rest), -1);
    }),
  );
});

test('jsonPathAt names the field being written where a JSON text is cut', () => {
  assert.is(jsonPathAt('{"by":"b'), 'by');
  assert.is(jsonPathAt('{"findings":[{"a":1},{"finding_id":"x","asset_id":"y'), 'findings[1].asset_id');
  assert.is(jsonPathAt('{"a":{"b":[1,2,"x'), 'a.b[2]');
  assert.is(jsonPathAt('{"a":"x,y","b":"'), 'b', 'commas inside strings are text');
  assert.is(jsonPathAt('{"k\\"ey":"'), 'k"ey');
  assert.is(jsonPathAt('"'), '');
});

test.run();
