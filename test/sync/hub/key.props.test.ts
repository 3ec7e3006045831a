import { posix } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import { checkKey, checkPrefix } from '../../../src/sync/hub/index.js';
import { badKeys } from './hub-contract.js';

const Keys = suite('sync/hub: keys');

const accepts = (check: (s: string) => string, s: string): boolean => {
  try {
    check(s);
    return true;
  } catch (error) {
    if (!(error instanceof InvalidInput)) throw error;
    return false;
  }
};

// 1024 characters, segments of at most 255.
const longest = `${'x'.repeat(255)}/${'x'.repeat(255)}/${'x'.repeat(255)}/${'x'.repeat(254)}/a`;

Keys('batch names, origins encoded with encodeURIComponent and odd printable ASCII are keys', () => {
  assert.is(longest.length, 1024);
  const origin = encodeURIComponent('host:1 é/x');
  for (const key of ['o/0-999.ndjson.gz', `${origin}/1-2.ndjson.gz`, 'a b/c#d?e', 'a..b/c', longest]) {
    assert.is(checkKey(key), key);
  }
});

Keys('bad keys are refused as InvalidInput for field key', () => {
  for (const key of badKeys) {
    assert.not.ok(accepts(checkKey, key), JSON.stringify(key));
  }
});

Keys('prefixes may end in a partial segment or a slash, never climb or start at the root', () => {
  for (const prefix of ['', 'o', 'o/', 'o/00', 'o/a.', 'o/sub/']) assert.is(checkPrefix(prefix), prefix);
  for (const prefix of ['/', '/o', '../', 'o//', 'o/../', 'o/.', '.', 'o/..', 'o\\', 'é', 'o/\n']) {
    assert.not.ok(accepts(checkPrefix, prefix), JSON.stringify(prefix));
  }
});

Keys('no accepted key or prefix resolves outside the hub root, whatever its characters', () => {
  const pieces = fc.constantFrom('.', '..', '/', '\\', 'a', ' ', '%2e', '~', '\u0000', '\u00e9', 'b.');
  const joined = fc.array(pieces, { maxLength: 8 }).map((p) => p.join(''));
  const text = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 12 }), joined);
  fc.assert(
    fc.property(text, (s) => {
      for (const check of [checkKey, checkPrefix]) {
        if (!accepts(check, s) || s === '') continue;
        const resolved = posix.join('/root', s);
        assert.ok(resolved.startsWith('/root/'), `${JSON.stringify(s)} resolves to ${resolved}`);
        // Nothing normalisation would rewrite: the key names the path it looks like, on every store.
        assert.is(posix.normalize(s), s);
        assert.not.ok(s.split('/').some((seg) => seg === '.' || seg === '..'), JSON.stringify(s));
      }
    }),
    { numRuns: 2000 },
  );
});

Keys.run();
