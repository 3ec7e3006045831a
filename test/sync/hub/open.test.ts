import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInput } from '../../../src/errors.js';
import { hubSchemes, openHub } from '../../../src/sync/hub/index.js';
import { raises } from '../../support/raises.js';
import { makeTempDir, removeDir } from '../../support/tmp.js';

const Open = suite('sync/hub: openHub');
const env = { AZURE_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' };
let dir = '';
Open.before(() => {
  dir = makeTempDir('hub-open');
});
Open.after(() => removeDir(dir));

Open('file:///<dir> opens a directory hub named by its file URL, percent-escapes decoded', async () => {
  const root = join(dir, 'my hub');
  const url = pathToFileURL(root).href;
  assert.ok(url.endsWith('/my%20hub'), url);
  const hub = openHub(`${url}/`, {});
  assert.is(hub.url, url);
  await hub.create('o/1', Buffer.from('x'), {});
  assert.ok(existsSync(join(root, 'o', '1')));
  assert.is(openHub(url, {}).url, url);
});

Open('azblob://<container>/<prefix> opens an Azure hub with the connection string from the environment', () => {
  assert.is(openHub('azblob://hub/spokes/eu', env).url, 'azblob://hub/spokes/eu');
  assert.is(openHub('azblob://hub/spokes/eu/', env).url, 'azblob://hub/spokes/eu');
  assert.is(openHub('azblob://hub', env).url, 'azblob://hub');
  assert.is(openHub('azblob://hub/', env).url, 'azblob://hub');
  assert.is(openHub('azblob://a-b-3/x', env).url, 'azblob://a-b-3/x');
});

Open('a URL of no known scheme is refused naming both forms', async () => {
  for (const url of ['s3://bucket/p', 'gs://bucket', 'http://host/x', '', 'hub', '/abs/dir', 'C:\\hub', 'azblob']) {
    const error = await raises(() => openHub(url, env), InvalidInput);
    assert.is(error.field, 'hub', url);
    assert.is(error.expected, 'file:///<dir> or azblob://<container>/<prefix>', url);
  }
});

Open('a malformed file URL is refused', async () => {
  const urls = ['file://host/x', 'file:relative', 'file:/x', 'file:///x?y', 'file:///x#y', 'file:///a%2Fb', 'FILE://x'];
  for (const url of urls) {
    const error = await raises(() => openHub(url, env), InvalidInput);
    assert.is(error.field, 'hub', url);
    assert.is(error.expected, 'file:///<absolute directory>', url);
  }
});

Open('a bad container name or a prefix that could escape the hub root is refused', async () => {
  const containers = ['Hub/x', 'ab/x', 'a--b/x', '-ab/x', 'ab-/x', '/x', 'hub?x', 'user@hub/x', `${'a'.repeat(64)}/x`];
  for (const url of containers.map((c) => `azblob://${c}`)) {
    const error = await raises(() => openHub(url, env), InvalidInput);
    assert.is(error.field, 'hub', url);
    assert.match(error.expected, /container name of 3-63/, url);
  }
  const prefixes = ['../x', 'a/../../x', '..', 'a//b', '/', './x', '.hidden', 'a\\b', 'caf\u00e9', '/abs'];
  for (const url of prefixes.map((p) => `azblob://hub/${p}`)) {
    const error = await raises(() => openHub(url, env), InvalidInput);
    assert.is(error.field, 'hub', url);
    assert.match(error.expected, /with a prefix of/, url);
  }
});

Open('an Azure hub without a connection string, or with a malformed one, is refused without showing it', async () => {
  for (const bad of [{}, { AZURE_STORAGE_CONNECTION_STRING: '' }, { AZURE_STORAGE_CONNECTION_STRING: '  ' }]) {
    const error = await raises(() => openHub('azblob://hub/x', bad), InvalidInput);
    assert.is(error.field, 'AZURE_STORAGE_CONNECTION_STRING');
  }
  const secret = 'AccountKey=c2VjcmV0;no account';
  const withSecret = { AZURE_STORAGE_CONNECTION_STRING: secret };
  const error = await raises(() => openHub('azblob://hub/x', withSecret), InvalidInput);
  assert.is(error.field, 'AZURE_STORAGE_CONNECTION_STRING');
  assert.not.match(error.message, 'c2VjcmV0');
});

Open('each scheme is registered once, and its usage starts with it', () => {
  const schemes = hubSchemes.map((s) => s.scheme);
  assert.equal(schemes, [...new Set(schemes)]);
  for (const s of hubSchemes) assert.ok(s.usage.startsWith(`${s.scheme}//`), s.usage);
});

Open.run();
