import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, type CliRun } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Startup = suite('cli: a command loads only what it needs; help still lists everything');
let dir = '';
Startup.before(() => {
  dir = makeTempDir('cli-startup');
});
Startup.after(() => removeDir(dir));

/** Node options that print, at exit, the CommonJS modules loaded (native and external packages load that way). */
const reportModules = [
  '--import',
  'data:text/javascript,import{createRequire}from"node:module";process.on("exit",()=>process.stderr.write(`loaded ${JSON.stringify(Object.keys(createRequire("/").cache))}\\n`))',
];
const loaded = (run: CliRun): string[] => {
  const line = /loaded (.*)\n$/.exec(run.stderr);
  assert.ok(line, `the exit hook reported: ${run.stderr}`);
  return JSON.parse(line[1] as string) as string[];
};
const loads = (run: CliRun, pkg: string) => loaded(run).some((path) => path.includes(`/node_modules/${pkg}/`));

Startup('--help lists every command and loads no command module, SQLite or store', async () => {
  const data = join(dir, 'never-made');
  const run = await runCli(['--data', data, '--help'], { nodeArgs: reportModules });
  assert.is(run.code, 0, run.stderr);
  const listed = [...run.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
  assert.equal(listed, ['--data', '--store', '--json', '--as', '-h,', 'scan', 'checkpoint', 'finding', 'stats', 'projections', 'sync', 'state', 'session', 'store', 'log', 'demo', 'schedule', 'scheduler', 'token', 'policy', 'sla', 'schema', 'audit', 'serve', 'help']);
  assert.ok(!loads(run, 'better-sqlite3'), 'SQLite is not loaded');
  assert.ok(!existsSync(data), 'no data dir is made');
});

Startup('a named command is defined whole, whether asked as `help <command>` or `<command> --help`', async () => {
  for (const args of [['help', 'finding'], ['--data', join(dir, 'd'), 'finding', '--help']]) {
    const run = await runCli(args);
    assert.is(run.code, 0, run.stderr);
    for (const sub of ['track', 'import', 'resolve', 'suppress', 'history']) assert.match(run.stdout, new RegExp(`^  ${sub}\\b`, 'm'), `${args.join(' ')}: ${sub}`);
  }
  const unknown = await runCli(['nope']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, "unknown command 'nope'");
});

Startup('finding track loads SQLite but not the Azure SDK; only an azblob:// hub loads it', async () => {
  const data = join(dir, 'track');
  const track = await runCli(['--data', data, 'finding', 'track', 'f1', '--asset', 'a', '--rule', 'r'], { nodeArgs: reportModules });
  assert.is(track.code, 0, track.stderr);
  assert.ok(loads(track, 'better-sqlite3'));
  assert.ok(!loads(track, '@azure/storage-blob'));
  const file = await runCli(['--data', data, 'sync', 'push', '--hub', `file://${join(dir, 'hub')}`], { nodeArgs: reportModules });
  assert.is(file.code, 0, file.stderr);
  assert.ok(!loads(file, '@azure/storage-blob'), 'a directory hub does without it');
  const azure = await runCli(['--data', data, 'sync', 'status', '--hub', 'azblob://hub/x'], {
    nodeArgs: reportModules,
    env: { AZURE_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9/a' },
  });
  assert.ok(loads(azure, '@azure/storage-blob'), azure.stderr);
});

Startup.run();
