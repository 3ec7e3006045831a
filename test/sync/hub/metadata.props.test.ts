import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import { checkMetadata, decodeMetadataValue, encodeMetadataValue } from '../../../src/sync/hub/index.js';
import { raises } from '../../support/raises.js';

const Metadata = suite('sync/hub: metadata encoding');

Metadata('any well-formed text encodes to header-safe ASCII and decodes back to itself', () => {
  const units = ['binary', 'grapheme', 'binary-ascii'] as const;
  const text = fc.oneof(...units.map((unit) => fc.string({ unit })));
  fc.assert(
    fc.property(text, (value) => {
      const encoded = encodeMetadataValue(value);
      assert.ok(/^[\x21-\x7e]*$/.test(encoded), JSON.stringify(encoded));
      assert.is(decodeMetadataValue(encoded), value);
    }),
    { numRuns: 3000 },
  );
});

Metadata('printable ASCII but space and % is left as is, so digests, counts and instants stay readable', () => {
  for (const plain of ['ab'.repeat(32), '1000', '2026-01-01T00:00:00.000Z', "a:b;c,d=e+f/g?h#i&j!k*l(m)n'o~p"]) {
    assert.is(encodeMetadataValue(plain), plain);
  }
  assert.is(encodeMetadataValue(' 100% '), '%20100%25%20');
  assert.is(encodeMetadataValue('\u00e9\u{1f600}\n'), '%C3%A9%F0%9F%98%80%0A');
});

Metadata('text that is not such an encoding decodes to null', () => {
  for (const foreign of ['100%', '%zz', '%C3']) assert.is(decodeMetadataValue(foreign), null);
});

Metadata('names must be lower-case identifiers, values non-empty and well-formed, all within 8 KiB', async () => {
  const good = { sha256: 'x', _n: 'y', first_recorded_at: 'z' };
  assert.equal(checkMetadata(good), good);
  for (const name of ['Sha', 'a-b', '1a', '', 'a.b', 'é', 'x'.repeat(65), '__proto__']) {
    const error = await raises(() => checkMetadata({ [name]: 'v' }), InvalidInput);
    assert.is(error.field, 'metadata', name);
  }
  for (const value of ['', 'a\udc00', '\ud800']) {
    const error = await raises(() => checkMetadata({ k: value }), InvalidInput);
    assert.is(error.field, 'metadata.k');
  }
  checkMetadata({ k: 'x'.repeat(8191) });
  await raises(() => checkMetadata({ k: 'x'.repeat(8192) }), InvalidInput);
  await raises(() => checkMetadata({ k: '\u00e9'.repeat(1366) }), InvalidInput); // 6 encoded bytes each
});

Metadata.run();
