import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, startCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Modes = suite('cli: a fresh data dir and a directory hub are private');
let dir = '';
Modes.before(() => {
  dir = makeTempDir('cli-modes');
});
Modes.after(() => removeDir(dir));

/** Every entry under `root` (itself as '.') with its permission bits, as `ls -l` would show them in octal. */
const modes = (root: string): Record<string, string> => {
  const found: Record<string, string> = {};
  const walk = (path: string) => {
    const info = lstatSync(path);
    // A batch's name holds its positions, which are not what this test is about.
    found[(relative(root, path) || '.').replace(/\d+-\d+\.ndjson\.gz$/, '<batch>.ndjson.gz').replace(/\/\d{10}(\/|$)/, '/<epoch>$1')] = (info.mode & 0o7777).toString(8);
    if (info.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(root);
  return found;
};

Modes('a data dir made by the CLI is 0700 and its log, -wal, -shm and rebuild lock are 0600; a hub it makes holds 0700 folders and 0600 objects', async () => {
  const data = join(dir, 'fresh', 'data');
  const hub = join(dir, 'hub');
  const cli = (args: string[]) => runCli(['--data', data, ...args], { env: { STANCE_STATE_ORIGIN: 'spoke-a' } });
  assert.is((await cli(['scan', 'start', 's1', '--snapshot', 'x'])).code, 0);
  assert.is((await cli(['finding', 'track', 'f1', '--asset', 'a', '--rule', 'r', '--scan', 's1'])).code, 0);
  assert.is((await cli(['sync', 'push', '--hub', pathToFileURL(hub).href])).code, 0);
  assert.is((await cli(['projections', 'rebuild'])).code, 0);
  // While a process has the log open, SQLite keeps its -wal and -shm beside it.
  const follower = startCli(['--data', data, 'log', 'tail', '-n', '1', '--follow', '--json']);
  await createInterface({ input: follower.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]().next();
  const open = modes(data);
  follower.kill('SIGTERM');
  await new Promise((resolve) => follower.on('close', resolve));
  assert.equal(open, { '.': '700', 'stance.db': '600', 'stance.db-shm': '600', 'stance.db-wal': '600', 'stance.db.rebuild-lock': '600' });
  assert.is(modes(join(dir, 'fresh'))['.'], '700', 'missing parents are made 0700 too');
  const objects = modes(hub);
  assert.equal(objects, {
    '.': '700',
    '.stance-hub-tmp': '700',
    'spoke-a': '700',
    'spoke-a/<epoch>': '700',
    'spoke-a/<epoch>/<batch>.ndjson.gz': '600',
  });
});

Modes('a shared hub root lends its group bits, never more and never world bits, to what the hub makes below it', async () => {
  const cases: [number, string, string][] = [
    [0o750, '750', '640'],
    [0o770, '770', '660'],
    [0o755, '750', '640'],
    [0o777, '770', '660'],
    [0o700, '700', '600'],
    [0o2770, '2770', '660'], // set-group-ID: the root's group stays on what is made below
  ];
  for (const [rootMode, folder, object] of cases) {
    const data = join(dir, `spoke-${rootMode.toString(8)}`);
    const hub = join(dir, `shared-${rootMode.toString(8)}`);
    mkdirSync(hub);
    chmodSync(hub, rootMode);
    await runCli(['--data', data, 'finding', 'track', 'f1', '--asset', 'a', '--rule', 'r'], { env: { STANCE_STATE_ORIGIN: 'spoke-b' } });
    const push = await runCli(['--data', data, 'sync', 'push', '--hub', pathToFileURL(hub).href]);
    assert.is(push.code, 0, push.stderr);
    assert.equal(
      modes(hub),
      {
        '.': rootMode.toString(8),
        '.stance-hub-tmp': folder,
        'spoke-b': folder,
        'spoke-b/<epoch>': folder,
        'spoke-b/<epoch>/<batch>.ndjson.gz': object,
      },
      `root ${rootMode.toString(8)}`,
    );
  }
});

Modes.run();
