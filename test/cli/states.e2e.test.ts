import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited } from '../support/children.js';
import { cliStores, isOneLineError, runCli, startCli } from '../support/cli.js';
import { onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const States = suite(onBackend('cli: typed states through the real binary'));
/** Each data dir's store: the file in it, or (on PostgreSQL) a schema passed as STANCE_STATE_STORE. */
const stores = cliStores();
let dir = '';
let data = '';
let n = 0;
States.before(() => {
  dir = makeTempDir('cli-states');
});
States.before.each(() => {
  n += 1;
  data = join(dir, `data-${n}`);
});
States.after(async () => {
  await stores.drop();
  removeDir(dir);
});

const cli = async (args: string[], input?: string) => {
  const env = await stores.env(data);
  const run = await runCli(['--data', data, ...args], input === undefined ? { env } : { input, env });
  return { ...run, json: () => JSON.parse(run.stdout) as Record<string, unknown> };
};

States('the seed’s lifecycle: register a user, activate, suspend, resume; a history of four with the right transitions', async () => {
  const registered = await cli(['state', 'register', 'user_12345', '{"user_id":"12345","status":"pending"}', '--type', 'user', '--name', 'user_account_state', '--json']);
  assert.is(registered.code, 0, registered.stderr);
  assert.equal([registered.json().status, registered.json().type, registered.json().name], ['pending', 'user', 'user_account_state']);
  for (const transition of ['activate', 'suspend', 'resume']) {
    const run = await cli(['state', 'update', 'user_12345', '--transition', transition]);
    assert.is(run.code, 0, run.stderr);
  }
  const history = await cli(['--json', 'state', 'history', 'user_12345']);
  const entries = JSON.parse(history.stdout) as { transition: string; from_status: string | null; status: string }[];
  assert.equal(entries.map((e) => [e.transition, e.from_status, e.status]), [
    ['create', null, 'pending'],
    ['activate', 'pending', 'active'],
    ['suspend', 'active', 'suspended'],
    ['resume', 'suspended', 'active'],
  ]);
  const human = await cli(['state', 'get', 'user_12345']);
  assert.match(human.stdout, /^status\s+active$/m);
});

States('an illegal transition exits 1 naming it; bad input exits 2 naming the field; nothing is written', async () => {
  await cli(['state', 'register', 'u1', '{}', '--type', 'user']);
  const illegal = await cli(['state', 'update', 'u1', '--transition', 'resume']);
  assert.is(illegal.code, 1);
  assert.match(illegal.stderr, 'resume is not allowed (from pending: update, activate, expire, delete)');
  assert.ok(isOneLineError(illegal), illegal.stderr);
  for (const [args, field] of [
    [['state', 'register', 'u2', '[1]', '--type', 'user'], 'data'],
    [['state', 'register', 'u2', '{', '--type', 'user'], 'data'],
    [['state', 'register', 'u2', '{}', '--type', 'User'], 'type'],
    [['state', 'update', 'u1', '--transition', 'fly'], 'transition'],
    [['state', 'search', '--type', 'user', '--where', 'status=x'], 'where[0]'],
    [['state', 'rollback', 'u1', '--to', '-1'], 'to'],
  ] as [string[], string][]) {
    const run = await cli(args);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, `invalid ${field}`);
    assert.ok(isOneLineError(run), run.stderr);
  }
  const list = await cli(['--json', 'state', 'list', '--type', 'user']);
  assert.equal((JSON.parse(list.stdout) as { states: { state_id: string; revision: number }[] }).states.map((s) => [s.state_id, s.revision]), [['u1', 0]]);
});

States('a schema set from a file refuses data naming the field (exit 2); a type defined from a file is used', async () => {
  const schema = join(dir, 'txn.schema.json');
  writeFileSync(schema, JSON.stringify({ type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0 } } }));
  const set = await cli(['--json', 'state', 'schema', 'set', 'transaction', schema]);
  assert.equal([set.code, set.json().schema_version], [0, 1]);
  const bad = await cli(['state', 'register', 't1', '{"amount":-5}', '--type', 'transaction']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'invalid data.amount: -5 (expected must be >= 0 (transaction schema v1))');
  const table = join(dir, 'exception.json');
  writeFileSync(table, JSON.stringify({ initial: 'requested', transitions: { activate: { requested: 'approved' }, expire: { approved: 'lapsed' } } }));
  assert.is((await cli(['state', 'type', 'set', 'exception', table])).code, 0);
  assert.is((await cli(['state', 'register', 'ex1', '@' + schema, '--type', 'exception'])).code, 0);
  const approved = await cli(['state', 'update', 'ex1', '--transition', 'activate', '--json']);
  assert.is(approved.code, 0, approved.stderr);
  assert.is(approved.json().status, 'approved');
});

States('search with several --where, keyset pages; changes by transition; rollback; get --as-of', async () => {
  for (let i = 0; i < 5; i += 1) await cli(['state', 'register', `t${i}`, JSON.stringify({ amount: i * 100, currency: i % 2 ? 'USD' : 'EUR' }), '--type', 'transaction']);
  const found = await cli(['--json', 'state', 'search', '--type', 'transaction', '--where', 'data.amount>100', '--where', 'data.currency=EUR', '--limit', '1']);
  const page = JSON.parse(found.stdout) as { states: { state_id: string }[]; next: string | null };
  assert.equal([page.states.map((s) => s.state_id), page.next], [['t2'], 't2']);
  const next = await cli(['--json', 'state', 'search', '--type', 'transaction', '--where', 'data.amount>100', '--where', 'data.currency=EUR', '--after', 't2']);
  assert.equal((JSON.parse(next.stdout) as { states: { state_id: string }[] }).states.map((s) => s.state_id), ['t4']);
  await cli(['state', 'update', 't1', '--transition', 'activate']);
  await cli(['state', 'update', 't2', '{"amount":999}']);
  const changes = await cli(['--json', 'state', 'changes', '--transition', 'activate']);
  assert.equal((JSON.parse(changes.stdout) as { state_id: string }[]).map((c) => c.state_id), ['t1']);
  const rolled = await cli(['--json', 'state', 'rollback', 't2', '--to', '0']);
  assert.equal(rolled.json().data, { amount: 200, currency: 'EUR' });
  const created = (await cli(['--json', 'state', 'history', 't2'])).stdout;
  const first = (JSON.parse(created) as { recorded_at: string }[])[0]?.recorded_at as string;
  const asOf = await cli(['--json', 'state', 'get', 't2', '--as-of', first]);
  assert.equal(asOf.json().revision, 0);
});

States('state watch streams changes as NDJSON: the backlog from a position, then live ones as they are written', async () => {
  await cli(['state', 'register', 'w1', '{"n":1}', '--type', 'feature']);
  await cli(['state', 'update', 'w1', '--transition', 'activate']);
  const watch = startCli(['--data', data, 'state', 'watch', '--from', '0', '--limit', '3'], await stores.env(data));
  const lines: string[] = [];
  const third = new Promise<void>((resolve) =>
    createInterface({ input: watch.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      if (lines.length === 2) void cli(['state', 'update', 'w1', '{"n":2}']);
      if (lines.length === 3) resolve();
    }),
  );
  await third;
  assert.is((await exited(watch)).code, 0);
  const changes = lines.map((l) => JSON.parse(l) as { transition: string; old_data: unknown; new_data: unknown; status: string });
  assert.equal(changes.map((c) => [c.transition, c.old_data, c.new_data, c.status]), [
    ['create', null, { n: 1 }, 'inactive'],
    ['activate', { n: 1 }, { n: 1 }, 'active'],
    ['update', { n: 1 }, { n: 2 }, 'active'],
  ]);
});

States('state health reports status, count and lag', async () => {
  await cli(['state', 'register', 'h1', '{}', '--type', 'session']);
  const health = await cli(['--json', 'state', 'health']);
  assert.is(health.code, 0, health.stderr);
  assert.equal([health.json().status, health.json().state_count, health.json().projection_lag], ['healthy', 1, 0]);
});

States.run();
