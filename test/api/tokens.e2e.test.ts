import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited } from '../support/children.js';
import { cliStores, runCli, startCli, type CliRun } from '../support/cli.js';
import { onBackend } from '../support/engine.js';
import { get, post, type HttpResult } from '../support/http.js';
import { storeBytes } from '../support/stores.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/*
 * The real binary end to end: tokens made and revoked by the CLI in other processes than a running serve, and a
 * search afterwards for every secret in everything the run left behind (database files, output, HTTP answers).
 */
const E2e = suite(onBackend('api: tokens through the real binary'));
const stores = cliStores();
/** The binary on a data dir, with that dir's store on the test backend (`STANCE_TEST_BACKEND`). */
const runOn = async (data: string, args: readonly string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(['--data', data, ...args], { ...options, env: { ...(await stores.env(data)), ...options.env } });
let dir = '';
const children: ChildProcess[] = [];
E2e.before(() => {
  dir = makeTempDir('api-tokens-e2e');
});
E2e.after.each(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
});
E2e.after(async () => {
  await stores.drop();
  removeDir(dir);
});

const legacy = 'e2e-legacy-token-5a4b3c2d1e';

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
}

const serve = async (data: string, args: readonly string[] = []): Promise<Served> => {
  const child = startCli(['--data', data, 'serve', '--port', '0', ...args], { ...(await stores.env(data)), STANCE_STATE_TOKEN: legacy });
  children.push(child);
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = await lines.next();
  if (next.done === true) throw new Error(`serve printed nothing: ${output}`);
  output += `${next.value as string}\n`;
  const url = /http:\/\/[^\s"]+/.exec(next.value as string)?.[0];
  if (url === undefined) throw new Error(`no URL in ${next.value as string}`);
  return { child, url, output: () => output };
};

/** Every byte the data directory holds (the SQLite log, its WAL and shared memory) and, on PostgreSQL, every row of the schema. */
const dataBytes = async (data: string): Promise<Buffer> => {
  const url = await stores.url(data);
  if (url.startsWith('sqlite:')) return Buffer.concat(readdirSync(data).map((f) => readFileSync(join(data, f))));
  // With the store on a server, the data dir may hold nothing (or not exist): the rows are searched instead.
  const files = existsSync(data) ? readdirSync(data).map((f) => readFileSync(join(data, f))) : [];
  return Buffer.concat([...files, await storeBytes(url)]);
};

E2e('a token made by the CLI works at once in a running serve, and its revocation by another process too', async () => {
  const data = join(dir, 'revoke');
  const runs: CliRun[] = [];
  const answers: HttpResult[] = [];
  const cli = async (...args: string[]) => {
    const r = await runOn(data, [...args]);
    runs.push(r);
    return r;
  };
  const http = async (p: Promise<HttpResult>) => {
    const r = await p;
    answers.push(r);
    return r;
  };
  assert.is((await cli('scan', 'start', 's1', '--snapshot', 'x', '--account', '111')).code, 0);
  assert.is((await cli('finding', 'track', 'f1', '--asset', 'a', '--rule', 'r', '--scan', 's1')).code, 0);
  const served = await serve(data);

  // Made after serve started: no restart, no reload.
  const made = await runOn(data, ['--json', 'token', 'create', 'alice', '--role', 'analyst', '--scope', '111']);
  assert.is(made.code, 0, made.stderr);
  const created = JSON.parse(made.stdout) as { name: string; role: string; scopes: string[]; token: string; expires: null };
  assert.equal([created.name, created.role, created.scopes, created.expires], ['alice', 'analyst', ['111'], null]);
  const secret = created.token;
  assert.match(secret, /^sst_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

  const before = await http(post(served.url, '/v1/findings/f1/notes', { text: 'looking' }, { token: secret }));
  assert.is(before.status, 200, before.text);
  // A token pasted where it does not belong: a body field, a query string, a CLI argument. Each is refused, and
  // what comes back (and what is logged and audited) names at most its id.
  const pasted = await http(post(served.url, '/v1/findings/f1/notes', { text: 'x', by: secret }, { token: secret }));
  assert.equal([pasted.status, (pasted.json as { field: string }).field], [400, 'by']);
  assert.is((await http(post(served.url, `/v1/findings/f1/notes?token=${secret}`, { text: 'x' }, { token: secret }))).status, 400);
  assert.match((await cli('token', 'revoke', secret)).stderr, /no token named sst_[0-9a-f]{16}_…/);
  assert.is((await cli('token', 'revoke', 'alice')).code, 0);
  // The very next request: no sleep, no poll.
  const after = await http(post(served.url, '/v1/findings/f1/notes', { text: 'again' }, { token: secret }));
  assert.is(after.status, 401);
  assert.is((await http(get(served.url, '/v1/stats', { token: secret }))).status, 401);
  await http(get(served.url, '/v1/findings/f1/history'));
  await http(post(served.url, '/v1/findings/f1/resolve', {}, { token: `${secret}0` }));
  await http(post(served.url, '/v1/findings/f1/resolve', {}, { token: `${legacy}0` }));
  await http(post(served.url, '/v1/findings/f1/notes', { text: 'legacy' }, { token: legacy }));

  const history = await cli('--json', 'finding', 'history', 'f1');
  const notes = (JSON.parse(history.stdout) as { type: string; actor: string }[]).filter((e) => e.type === 'FindingNoteAdded');
  assert.equal(notes.map((e) => e.actor), ['alice', 'service-token']);
  const audit = await cli('--json', 'audit');
  const entries = JSON.parse(audit.stdout) as { event: string; actor: string; actor_via: string | null; status: number | null }[];
  assert.equal(entries.map((e) => [e.event, e.status]), [
    ['token_created', null],
    ['write_refused', 400],
    ['token_revoked', null],
    ['write_refused', 401],
    ['write_refused', 401],
    ['write_refused', 401],
  ]);
  // Made and revoked on this machine: by the operating-system user, as a local identity.
  assert.equal([entries[0]?.actor_via, entries[2]?.actor_via], ['local', 'local']);
  assert.ok(entries[0]?.actor !== '' && entries[0]?.actor === entries[2]?.actor);
  await cli('token', 'list');
  await cli('--json', 'token', 'list');

  served.child.kill('SIGTERM');
  assert.is((await exited(served.child)).code, 0);
  const everything = [
    served.output(),
    ...runs.flatMap((r) => [r.stdout, r.stderr]),
    made.stderr,
    ...answers.map((a) => `${JSON.stringify(a.headers)}${a.text}`),
  ].join('\n');
  const bytes = await dataBytes(data);
  assert.ok(bytes.length > 0, 'the store was searched');
  for (const s of [secret, legacy]) {
    assert.not.ok(everything.includes(s), 'a token in the output, the logs or an HTTP answer');
    assert.is(bytes.indexOf(s), -1, 'a token in the database files');
  }
  assert.match(served.output(), /refused .*status=401/);
  assert.match(served.output(), /write .*actor=alice/);
});

E2e('serve with --trusted-proxy takes the header from that address only; a bad address stops it', async () => {
  const data = join(dir, 'proxy');
  assert.is((await runOn(data, ['scan', 'start', 's1', '--snapshot', 'x'])).code, 0);
  assert.is((await runOn(data, ['finding', 'track', 'f1', '--asset', 'a', '--rule', 'r', '--scan', 's1'])).code, 0);
  const headers = { 'x-forwarded-user': 'dana@example.com', 'x-forwarded-groups': 'secops' };
  const trusted = await serve(data, ['--trusted-proxy', '127.0.0.1', '--proxy-role', 'secops=analyst']);
  const r = await post(trusted.url, '/v1/findings/f1/notes', { text: 'from the proxy' }, { headers });
  assert.is(r.status, 200, r.text);
  trusted.child.kill('SIGTERM');
  await exited(trusted.child);
  const elsewhere = await serve(data, ['--trusted-proxy', '10.20.30.40', '--proxy-role', 'secops=analyst']);
  assert.is((await post(elsewhere.url, '/v1/findings/f1/notes', { text: 'forged' }, { headers })).status, 403);
  const bad = await runOn(data, ['serve', '--port', '0', '--trusted-proxy', 'proxy.internal', '--proxy-role', 'secops=analyst']);
  assert.equal([bad.code, bad.stderr.trim()], [2, 'stance-state: invalid trusted-proxy: "proxy.internal" (expected an IP address or network (10.0.0.5, 10.0.0.0/24, ::1))']);
  const noRole = await runOn(data, ['serve', '--port', '0', '--trusted-proxy', '10.0.0.1', '--proxy-role', 'secops=root']);
  assert.is(noRole.code, 2);
  assert.match(noRole.stderr, /invalid proxy-role: "secops=root"/);
});

E2e.run();
