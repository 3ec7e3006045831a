import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited } from '../support/children.js';
import { cliStores, isOneLineError, runCli, startCli } from '../support/cli.js';
import { onBackend } from '../support/engine.js';
import { get, post } from '../support/http.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Serve = suite(onBackend('api: stance-state serve (the real binary)'));
const stores = cliStores();
/** The binary on a data dir, with that dir's store on the test backend (`STANCE_TEST_BACKEND`). */
const runOn = async (data: string, args: readonly string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(['--data', data, ...args], { ...options, env: { ...(await stores.env(data)), ...options.env } });
let dir = '';
const children: ChildProcess[] = [];
Serve.before(() => {
  dir = makeTempDir('api-serve');
});
Serve.after.each(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
});
Serve.after(async () => {
  await stores.drop();
  removeDir(dir);
});

const token = 'e2e-write-token-9f8e7d6c5b4a';

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  /** The first stdout line (the URL, or its JSON under --json). */
  readonly first: string;
  readonly stderr: () => string;
}

/** Starts `serve --port 0` and resolves once it printed where it listens. */
const serve = async (data: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}, globals: readonly string[] = []): Promise<Served> => {
  const child = startCli([...globals, '--data', data, 'serve', '--port', '0', ...args], { ...(await stores.env(data)), ...env });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = await lines.next();
  if (next.done === true) throw new Error(`serve printed nothing: ${stderr}`);
  const first = next.value as string;
  const url = /http:\/\/[^\s"]+/.exec(first)?.[0];
  if (url === undefined) throw new Error(`no URL in ${first}`);
  return { child, url, first, stderr: () => stderr };
};

const stop = async (served: Served) => {
  served.child.kill('SIGTERM');
  return exited(served.child);
};

Serve('a write through the CLI in another process is read back with min_position', async () => {
  const data = join(dir, 'cli-write');
  const served = await serve(data, [], { STANCE_STATE_TOKEN: token });
  assert.match(served.first, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(!served.url.endsWith(':0'), 'the actual port is printed');
  const imported = await runOn(data, ['--json', 'finding', 'import', '-'], {
    input: '{"finding_id":"cli-1","asset_id":"a1","rule_id":"r1"}\n{"finding_id":"cli-2","asset_id":"a1","rule_id":"r1"}\n',
  });
  assert.is(imported.code, 0, imported.stderr);
  const { position } = JSON.parse(imported.stdout) as { position: number };
  const r = await get(served.url, `/v1/findings?asset=a1&min_position=${position}`);
  assert.is(r.status, 200, r.text);
  assert.equal(((r.json as { findings: { finding_id: string }[] }).findings).map((f) => f.finding_id), ['cli-1', 'cli-2']);
  assert.ok(Number(r.headers['x-stance-position']) >= position);
  const { code } = await stop(served);
  assert.is(code, 0);
});

Serve('an HTTP write is seen by the CLI, the log lines name it, and the token never appears in them', async () => {
  const data = join(dir, 'http-write');
  const served = await serve(data, [], { STANCE_STATE_TOKEN: token });
  const started = await post(served.url, '/v1/scans', { scan_id: 'http-1', snapshot_id: 'x' }, { token });
  assert.is(started.status, 201);
  const shown = await runOn(data, ['--json', 'scan', 'show', 'http-1']);
  assert.is((JSON.parse(shown.stdout) as { status: string }).status, 'running');
  assert.is((await post(served.url, '/v1/scans', { scan_id: 'http-2', snapshot_id: 'x' }, { token: 'wrong' })).status, 401);
  const { code } = await stop(served);
  assert.is(code, 0);
  const lines = served.stderr().trim().split('\n');
  for (const line of lines) assert.match(line, /^\d{4}-\d{2}-\d{2}T\S+Z (info|warn|error) \w+( \w+=\S+)*/, line);
  assert.match(lines[0] ?? '', / info listening url=http:\/\/127\.0\.0\.1:\d+ data=\S+ writes=STANCE_STATE_TOKEN reads=loopback/);
  assert.ok(lines.some((l) => / info write method=POST route=\/v1\/scans .*status=201/.test(l)));
  assert.ok(lines.some((l) => / warn refused .*status=401/.test(l)));
  assert.ok(lines.some((l) => / info stopping signal=SIGTERM/.test(l)));
  assert.ok(lines.at(-1)?.includes(' info stopped '));
  assert.not.match(served.stderr(), token);
});

Serve('under --json the URL is a JSON line and the log is NDJSON', async () => {
  const served = await serve(join(dir, 'json'), [], {}, ['--json']);
  const where = JSON.parse(served.first) as { url: string; port: number; host: string };
  assert.equal([typeof where.port, where.host, where.url], ['number', '127.0.0.1', `http://127.0.0.1:${where.port}`]);
  served.child.kill('SIGINT');
  assert.is((await exited(served.child)).code, 0);
  const events = served.stderr().trim().split('\n').map((l) => JSON.parse(l) as { at: string; level: string; what: string; url?: string });
  assert.equal(events.map((e) => [e.level, e.what]), [['info', 'listening'], ['info', 'stopping'], ['info', 'stopped']]);
  assert.is(events[0]?.url, where.url);
});

Serve('with no token writes are 403 saying how to enable them; --token-file enables them', async () => {
  const data = join(dir, 'tokens');
  const plain = await serve(data, [], { STANCE_STATE_TOKEN: '' });
  const refused = await post(plain.url, '/v1/scans', { scan_id: 's', snapshot_id: 'x' }, { token });
  assert.is(refused.status, 403);
  assert.match((refused.json as { error: string }).error, /--token-file/);
  await stop(plain);
  const file = join(dir, 'token.txt');
  writeFileSync(file, `${token}\n`);
  const readFile = join(dir, 'read-token.txt');
  writeFileSync(readFile, 'e2e-read-token\n');
  const guarded = await serve(data, ['--token-file', file, '--read-token-file', readFile]);
  assert.is((await post(guarded.url, '/v1/scans', { scan_id: 's', snapshot_id: 'x' }, { token })).status, 201);
  assert.is((await get(guarded.url, '/v1/scans/s')).status, 401);
  assert.is((await get(guarded.url, '/v1/scans/s', { token: 'e2e-read-token' })).status, 200);
  assert.match(guarded.stderr(), /writes=token-file reads=token/);
  await stop(guarded);
});

Serve('bad options exit 2 with one line; a port in use exits 1 with one line', async () => {
  const data = join(dir, 'bad');
  for (const args of [['--port', '70000'], ['--port', 'http'], ['--host', '']]) {
    const run = await runOn(data, ['serve', ...args]);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.ok(isOneLineError(run), run.stderr);
  }
  const empty = join(dir, 'empty-token.txt');
  writeFileSync(empty, '\n');
  const blank = await runOn(data, ['serve', '--token-file', empty]);
  assert.is(blank.code, 2);
  assert.match(blank.stderr, /token-file/);
  const missing = await runOn(data, ['serve', '--token-file', join(dir, 'nope.txt')]);
  assert.is(missing.code, 1);
  assert.ok(isOneLineError(missing), missing.stderr);
  const first = await serve(data);
  const port = new URL(first.url).port;
  const clash = await runOn(data, ['serve', '--port', port]);
  assert.is(clash.code, 1);
  assert.match(clash.stderr, /EADDRINUSE/);
  assert.ok(isOneLineError(clash), clash.stderr);
  await stop(first);
});

Serve.run();
