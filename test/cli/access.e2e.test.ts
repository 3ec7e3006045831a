import { userInfo } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Access = suite('cli: token, policy, audit and who the CLI acts as (the real binary)');
let dir = '';
let data = '';
let n = 0;
Access.before(() => {
  dir = makeTempDir('cli-access');
});
Access.before.each(() => {
  n += 1;
  data = join(dir, `data-${n}`);
});
Access.after(() => removeDir(dir));

const cli = async (...args: string[]) => {
  const run = await runCli(['--data', data, ...args]);
  return { ...run, json: <T = Record<string, unknown>>() => JSON.parse(run.stdout) as T };
};
type Token = { name: string; token_id: string; role: string; kind: string; scopes: string[]; status: string; expires: string | null; created_by: string };

Access('token create prints the token once, with --json {name, role, scopes, token, expires}', async () => {
  const made = await cli('--json', 'token', 'create', 'ci-scanner', '--role', 'scanner', '--scope', '111/eu-west-1', '--scope', '222', '--service', '--expires', '2099-01-01');
  assert.is(made.code, 0, made.stderr);
  const t = made.json<{ name: string; role: string; scopes: string[]; token: string; expires: string; kind: string }>();
  assert.equal([t.name, t.role, t.scopes, t.expires, t.kind], ['ci-scanner', 'scanner', ['111/eu-west-1', '222'], '2099-01-01T00:00:00.000Z', 'service']);
  assert.match(t.token, /^sst_[0-9a-f]{16}_/);
  const human = await cli('token', 'create', 'alice', '--role', 'analyst');
  assert.is(human.code, 0, human.stderr);
  assert.match(human.stdout, /^token\s+sst_/m);
  assert.match(human.stderr, /shown this once/);
  const list = await cli('token', 'list');
  assert.not.ok(list.stdout.includes(t.token) || list.stdout.includes('sst_'), 'a list never shows a secret');
  assert.match(list.stdout, /^alice\s+[0-9a-f]{16}\s+analyst\s+person\s+-\s+active/m);
});

Access('token list --json shows every token with its status; revoke ends one, and again is an error', async () => {
  await cli('token', 'create', 'alice', '--role', 'analyst');
  await cli('token', 'create', 'bob', '--role', 'viewer', '--expires', '2099-01-01');
  const past = await cli('token', 'create', 'carl', '--role', 'viewer', '--expires', '2020-01-01');
  assert.equal([past.code, past.stderr.trim()], [1, 'stance-state: token carl would expire before it is created (2020-01-01T00:00:00.000Z)']);
  const revoked = await cli('--json', 'token', 'revoke', 'alice');
  assert.is(revoked.code, 0, revoked.stderr);
  assert.equal([revoked.json<Token>().name, revoked.json<Token>().status], ['alice', 'revoked']);
  const list = (await cli('--json', 'token', 'list')).json<Token[]>();
  assert.equal(list.map((k) => [k.name, k.status, k.expires]), [['alice', 'revoked', null], ['bob', 'active', '2099-01-01T00:00:00.000Z']]);
  assert.not.ok(JSON.stringify(list).includes('sst_') || JSON.stringify(list).includes('sha256'));
  const again = await cli('token', 'revoke', 'alice');
  assert.equal([again.code, again.stderr.trim()], [1, `stance-state: the token named alice (${revoked.json<Token>().token_id}) is already revoked`]);
  const unknown = await cli('token', 'revoke', 'carol');
  assert.equal([unknown.code, unknown.stderr.trim()], [1, 'stance-state: no token named carol']);
  // A name is reused once its token has ended.
  assert.is((await cli('token', 'create', 'alice', '--role', 'admin')).code, 0);
  const twice = await cli('token', 'create', 'alice', '--role', 'admin');
  assert.is(twice.code, 1);
  assert.match(twice.stderr, /a token named alice exists \([0-9a-f]{16}\); revoke it first/);
});

Access('bad token arguments exit 2 naming the argument, in one line', async () => {
  const cases: [string[], RegExp][] = [
    [['token', 'create', 'alice', '--role', 'root'], /invalid role: "root" \(expected Role/],
    [['token', 'create', 'alice smith', '--role', 'viewer'], /invalid name: "alice smith"/],
    [['token', 'create', 'alice', '--role', 'viewer', '--scope', 'a b'], /invalid scope\[0\]: "a b"/],
    [['token', 'create', 'alice', '--role', 'viewer', '--expires', 'soon'], /invalid expires: "soon"/],
    [['policy', 'set', '--suppression-max-days', '0'], /invalid suppression-max-days: "0"/],
    [['--as', 'a b', 'finding', 'note', 'f1', '--text', 'x'], /invalid as: "a b"/],
  ];
  for (const [args, message] of cases) {
    const run = await cli(...args);
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.ok(isOneLineError(run), run.stderr);
  }
  assert.equal((await cli('--json', 'token', 'list')).json(), [], 'nothing was made');
});

Access('the CLI acts as the operating-system user, or --as; --by is recorded as on behalf of', async () => {
  await cli('finding', 'track', 'f1', '--asset', 'a', '--rule', 'r');
  assert.is((await cli('finding', 'note', 'f1', '--text', 'mine')).code, 0);
  assert.is((await cli('--as', 'dana', 'finding', 'suppress', 'f1', '--reason', 'accepted', '--by', 'erin')).code, 0);
  const history = (await cli('--json', 'finding', 'history', 'f1')).json<Record<string, unknown>[]>();
  const me = userInfo().username;
  assert.equal(
    history.slice(1).map((h) => [h.actor, h.actor_role, h.actor_via, h.on_behalf_of]),
    [
      [me, 'admin', 'local', null],
      ['dana', 'admin', 'local', 'erin'],
    ],
  );
  const human = await cli('finding', 'history', 'f1');
  assert.match(human.stdout, /FindingSuppressed\s+suppressed\s+unknown\s+dana \(admin, for erin\)\s+accepted/);
  const log = (await cli('--json', 'log', 'tail', '-n', '1')).stdout;
  assert.match(log, new RegExp(`"localUser":\\s*"${me}"`), 'the OS account is kept beside --as');
});

Access('a suppression needs a reason; the policy bounds its end; both show in policy show and the audit', async () => {
  await cli('finding', 'track', 'f1', '--asset', 'a', '--rule', 'r');
  const noReason = await cli('finding', 'suppress', 'f1');
  assert.equal([noReason.code, noReason.stderr.trim()], [2, 'stance-state: invalid reason: nothing (expected a reason: a suppression is a risk acceptance)']);
  const set = await cli('--json', 'policy', 'set', '--suppression-max-days', '30');
  assert.equal([set.code, set.json().suppression_max_days], [0, 30]);
  assert.match((await cli('policy', 'show')).stdout, /^suppression-max-days {2}30 /);
  const open = await cli('finding', 'suppress', 'f1', '--reason', 'accepted');
  assert.is(open.code, 2);
  assert.match(open.stderr, /invalid until: nothing \(expected an end date at most 30 days ahead/);
  const far = await cli('finding', 'suppress', 'f1', '--reason', 'accepted', '--until', '2999-01-01');
  assert.is(far.code, 2);
  const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
  assert.is((await cli('finding', 'suppress', 'f1', '--reason', 'accepted', '--until', soon)).code, 0);
  assert.is((await cli('policy', 'set', '--suppression-max-days', 'none')).code, 0);
  assert.equal((await cli('--json', 'policy', 'show')).json(), { suppression_max_days: null });
  const audit = (await cli('--json', 'audit')).json<{ event: string; detail: string }[]>();
  assert.equal(audit.map((e) => [e.event, e.detail]), [
    ['suppression_policy_set', 'at most 30 days'],
    ['suppression_policy_set', 'no maximum'],
  ]);
});

Access('audit lists tokens made and revoked, oldest first, with --since and --limit', async () => {
  await cli('token', 'create', 'alice', '--role', 'analyst');
  await cli('token', 'create', 'bob', '--role', 'viewer', '--scope', '111');
  await cli('token', 'revoke', 'bob');
  const all = (await cli('--json', 'audit')).json<{ event: string; subject: string; detail: string; actor_via: string }[]>();
  assert.equal(all.map((e) => [e.event, e.subject]), [['token_created', 'alice'], ['token_created', 'bob'], ['token_revoked', 'bob']]);
  assert.match(all[1]?.detail ?? '', /^[0-9a-f]{16} role viewer \(person\), 111, never expires$/);
  assert.equal((await cli('--json', 'audit', '--limit', '1')).json<{ event: string }[]>().map((e) => e.event), ['token_revoked']);
  assert.equal((await cli('--json', 'audit', '--since', '2999-01-01')).json(), []);
  const human = await cli('audit');
  assert.match(human.stdout, /^AT\s+EVENT\s+ACTOR\s+SUBJECT/);
  assert.match(human.stdout, /token_revoked\s+\S+ \(admin\)\s+bob/);
});

Access.run();
