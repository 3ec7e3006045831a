import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileHub, HubError, tempDirName } from '../../../src/sync/hub/index.js';
import { collect } from '../../support/events.js';
import { raises } from '../../support/raises.js';
import { makeTempDir, removeDir } from '../../support/tmp.js';

const Layout = suite('sync/hub: directory hub on disk');
let dir = '';
let n = 0;
Layout.before(() => {
  dir = makeTempDir('hub-layout');
});
Layout.after(() => removeDir(dir));
const freshRoot = () => join(dir, `hub-${(n += 1)}`);

Layout('an object is one file: a magic line, a JSON header with the metadata and size, then the body', async () => {
  const root = freshRoot();
  const hub = fileHub({ root });
  await hub.create('o/1-2.ndjson.gz', Buffer.from('BODY'), { sha256: 'ab'.repeat(32), note: 'caf\u00e9' });
  assert.is(hub.url, `file://${root}`);
  const raw = readFileSync(join(root, 'o', '1-2.ndjson.gz'), 'utf8');
  assert.is(raw, `stance-hub-object/1\n{"metadata":{"note":"caf\u00e9","sha256":"${'ab'.repeat(32)}"},"size":4}\nBODY`);
});

Layout('temp files a killed writer left behind are invisible to list and read', async () => {
  const root = freshRoot();
  const hub = fileHub({ root });
  await hub.create('o/1', Buffer.from('whole'), {});
  // What a writer killed between writing and linking leaves: a partial object under a temp name.
  writeFileSync(join(root, tempDirName, '4242-dead'), 'stance-hub-object/1\n{"metadata":{},"siz');
  assert.equal(await collect(hub.list('')), ['o/1']);
  assert.equal(await collect(hub.list('.')).catch(() => 'refused'), 'refused');
  assert.is(await hub.read('o/2'), null);
  assert.is(await hub.create('o/2', Buffer.from('next'), {}), 'created');
  assert.equal(await collect(hub.list('')), ['o/1', 'o/2']);
});

Layout('the first create sweeps temp files older than the stale age and keeps younger ones', async () => {
  const root = freshRoot();
  await fileHub({ root }).create('o/1', Buffer.from('x'), {});
  const old = join(root, tempDirName, '1-old');
  const young = join(root, tempDirName, '2-young');
  writeFileSync(old, 'partial');
  writeFileSync(young, 'in flight');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(old, twoHoursAgo, twoHoursAgo);
  await fileHub({ root, staleTempMs: 3600_000 }).create('o/2', Buffer.from('x'), {});
  assert.equal(readdirSync(join(root, tempDirName)), ['2-young']);
});

Layout('symbolic links inside the root are never followed, so no key reaches outside it', async () => {
  const root = freshRoot();
  const outside = join(dir, `outside-${n}`);
  mkdirSync(outside);
  const hub = fileHub({ root });
  await hub.create('o/1', Buffer.from('x'), {});
  const secret = `stance-hub-object/1\n{"metadata":{},"size":6}\nsecret`;
  writeFileSync(join(outside, 'secret'), secret);
  symlinkSync(outside, join(root, 'link'));
  symlinkSync(join(outside, 'secret'), join(root, 'o', 'file-link'));

  for (const action of [
    () => hub.create('link/x', Buffer.from('x'), {}),
    () => hub.read('link/secret'),
    () => hub.metadata('link/secret'),
    () => hub.delete('link/secret'),
    () => hub.read('o/file-link'),
    () => hub.create('o/file-link', Buffer.from('x'), {}),
    () => collect(hub.list('link/')),
  ]) {
    const error = await raises(action, HubError);
    assert.is(error.code, 'layout');
    assert.match(error.message, /symbolic link, which the hub does not follow/);
  }
  assert.is(await hub.delete('o/file-link'), false);
  assert.equal(await collect(hub.list('')), ['o/1']);
  assert.equal(readdirSync(outside), ['secret']);
  assert.is(readFileSync(join(outside, 'secret'), 'utf8'), secret);
});

Layout('a key cannot be both an object and a directory of objects', async () => {
  const hub = fileHub({ root: freshRoot() });
  await hub.create('a', Buffer.from('x'), {});
  const under = await raises(() => hub.create('a/b', Buffer.from('x'), {}), HubError);
  assert.is(under.code, 'layout');
  assert.match(under.message, /key "a\/b" lies under "a", which is an object/);
  await hub.create('c/d', Buffer.from('x'), {});
  const over = await raises(() => hub.create('c', Buffer.from('x'), {}), HubError);
  assert.match(over.message, /key "c" is taken by a directory of other objects/);
  assert.is(await hub.read('c'), null);
  assert.is(await hub.delete('c'), false);
  assert.equal(await collect(hub.list('')), ['a', 'c/d']);
});

Layout('a truncated object or a foreign file in the hub is reported as corrupt', async () => {
  const root = freshRoot();
  const hub = fileHub({ root });
  await hub.create('o/cut', Buffer.alloc(1000, 1), { n: '1' });
  truncateSync(join(root, 'o', 'cut'), 500);
  writeFileSync(join(root, 'o', 'foreign'), 'hello');
  writeFileSync(join(root, 'o', 'bad-header'), 'stance-hub-object/1\n{"metadata":{"n":1},"size":0}\n');
  const cases: [string, RegExp][] = [
    ['o/cut', /object "o\/cut" is corrupt: its body has \d+ bytes, its header says 1000/],
    ['o/foreign', /does not start with "stance-hub-object\/1"/],
    ['o/bad-header', /its header is not \{metadata, size\}/],
  ];
  for (const [key, message] of cases) {
    for (const action of [() => hub.read(key), () => hub.metadata(key)]) {
      const error = await raises(action, HubError);
      assert.is(error.code, 'corrupt');
      assert.match(error.message, message);
    }
  }
});

Layout('hidden files and names that are not keys are not listed', async () => {
  const root = freshRoot();
  const hub = fileHub({ root });
  await hub.create('o/1', Buffer.from('x'), {});
  writeFileSync(join(root, '.DS_Store'), '');
  writeFileSync(join(root, 'o', '.1.swp'), '');
  writeFileSync(join(root, 'o', 'caf\u00e9'), '');
  writeFileSync(join(root, 'o', 'trailing.'), '');
  assert.equal(await collect(hub.list('')), ['o/1']);
});

Layout('opening a hub touches nothing: the root appears with the first create', async () => {
  const root = freshRoot();
  const hub = fileHub({ root: join(root, 'deep', 'er') });
  assert.equal(await collect(hub.list('')), []);
  assert.is(await hub.read('o/1'), null);
  assert.is(existsSync(root), false);
  await hub.create('o/1', Buffer.from('x'), {});
  assert.equal(readdirSync(join(root, 'deep', 'er')).sort(), [tempDirName, 'o']);
});

Layout('a root that cannot be made is a HubError naming the reason, not a hang (recursive mkdir loops on /proc)', async () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, 'x');
  const roots = [join(file, 'hub')];
  if (process.platform === 'linux') roots.push('/proc/stance-state-test/hub');
  for (const root of roots) {
    const error = await raises(() => fileHub({ root }).create('o/1', Buffer.from('x'), {}), HubError);
    assert.match(error.message, /ENOTDIR|ENOENT/);
  }
  assert.is(readFileSync(file, 'utf8'), 'x');
});

Layout.run();
