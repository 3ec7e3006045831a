import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const Cli = suite('cli: the demo main job and sync keygen, through the real binary');
let dir = '';
Cli.before(() => {
  dir = makeTempDir('cli-demo-keygen');
});
Cli.after(() => removeDir(dir));

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

Cli('demo fills an empty data dir, reports scans per scope, stats and a sound log, and refuses a non-empty one', async () => {
  const data = join(dir, 'demo');
  const run = await runCli(['--data', data, 'demo', '--days', '2', '--json']);
  assert.is(run.code, 0, run.stderr);
  const report = json(run.stdout) as {
    events: number;
    scans: { account_id: string; region: string; scans: number; completed: number }[];
    stats: Record<string, number>;
    history: { type: string }[];
    verify: { ok: boolean; events: number };
  };
  // 3 accounts x 2 regions, one scan a day each.
  assert.is(report.scans.length, 6);
  assert.is(new Set(report.scans.map((s) => `${s.account_id}/${s.region}`)).size, 6);
  for (const s of report.scans) assert.is(s.scans, 2);
  assert.ok(report.events > 0);
  assert.is(report.verify.ok, true);
  assert.is(report.verify.events, report.events);
  const stats = report.stats;
  const lifecycles = ['new', 'recurring', 'resolved', 'reopened', 'suppressed', 'false_positive'] as const;
  assert.is(lifecycles.reduce((n, l) => n + (stats[l] ?? 0), 0), stats.total);
  assert.is(report.history[0]?.type, 'FindingTracked');

  // The data dir now holds the demo: the same binary reads it back.
  const listed = await runCli(['--data', data, 'scan', 'list', '--limit', '100', '--json']);
  assert.is(listed.code, 0, listed.stderr);
  assert.is((JSON.parse(listed.stdout) as unknown[]).length, 12);
  const verify = await runCli(['--data', data, 'log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);

  const again = await runCli(['--data', data, 'demo', '--days', '2']);
  assert.is(again.code, 2);
  assert.ok(isOneLineError(again), again.stderr);
  assert.match(again.stderr, 'an empty data directory');
  const stats2 = json((await runCli(['--data', data, 'log', 'stats', '--json'])).stdout);
  assert.is(stats2.events, report.events);
});

Cli('demo refuses a bad --days, naming it, and writes nothing', async () => {
  const data = join(dir, 'demo-bad');
  for (const days of ['0', 'ten', '366']) {
    const run = await runCli(['--data', data, 'demo', '--days', days]);
    assert.is(run.code, 2, run.stderr);
    assert.ok(isOneLineError(run), run.stderr);
    assert.match(run.stderr, `invalid days: "${days}"`);
  }
  assert.not.ok(existsSync(data));
});

Cli('sync keygen writes a private key (mode 600) and a public key that signed pushes are checked against', async () => {
  const keys = join(dir, 'keys');
  const spoke = join(dir, 'spoke');
  const made = await runCli(['--data', spoke, 'sync', 'keygen', '--out', keys, '--json'], {
    env: { STANCE_STATE_ORIGIN: 'spoke-a' },
  });
  assert.is(made.code, 0, made.stderr);
  const out = json(made.stdout) as { origin: string; private_key: string; public_key: string; trusted_entry: Record<string, string> };
  assert.is(out.origin, 'spoke-a');
  assert.equal(readdirSync(keys).sort(), ['spoke-a.key', 'spoke-a.pub']);
  assert.is(statSync(out.private_key).mode & 0o777, 0o600);
  const pub = readFileSync(out.public_key, 'utf8');
  assert.match(pub, /^-----BEGIN PUBLIC KEY-----/);
  assert.equal(out.trusted_entry, { 'spoke-a': pub });

  // A second keygen never overwrites the keys.
  const twice = await runCli(['--data', spoke, 'sync', 'keygen', '--out', keys]);
  assert.is(twice.code, 1);
  assert.ok(isOneLineError(twice), twice.stderr);
  assert.is(readFileSync(out.public_key, 'utf8'), pub);

  // The spoke signs what it pushes; a replica trusting this key pulls it, one trusting another key refuses it.
  const track = await runCli(['--data', spoke, 'finding', 'track', 'f-1', '--asset', 'a-1', '--rule', 'r-1']);
  assert.is(track.code, 0, track.stderr);
  const hub = `file://${join(dir, 'hub')}`;
  const push = await runCli(['--data', spoke, 'sync', 'push', '--hub', hub, '--json'], {
    env: { STANCE_STATE_SIGNING_KEY: out.private_key },
  });
  assert.is(push.code, 0, push.stderr);
  const trustedFile = join(dir, 'trusted.json');
  writeFileSync(trustedFile, JSON.stringify(out.trusted_entry));
  const pulled = await runCli(['--data', join(dir, 'replica'), 'sync', 'pull', '--hub', hub, '--origin', 'replica', '--json'], {
    env: { STANCE_STATE_TRUSTED_KEYS: trustedFile },
  });
  assert.is(pulled.code, 0, pulled.stderr);
  assert.is(json(pulled.stdout).success, true);
  const shown = await runCli(['--data', join(dir, 'replica'), 'finding', 'show', 'f-1', '--json']);
  assert.is(shown.code, 0, shown.stderr);

  const otherKeys = join(dir, 'other-keys');
  const other = await runCli(['--data', join(dir, 'other'), 'sync', 'keygen', '--out', otherKeys, '--json'], {
    env: { STANCE_STATE_ORIGIN: 'other' },
  });
  assert.is(other.code, 0, other.stderr);
  const wrongFile = join(dir, 'wrong-trusted.json');
  writeFileSync(wrongFile, JSON.stringify({ 'spoke-a': (json(other.stdout) as { trusted_entry: Record<string, string> }).trusted_entry.other }));
  const refused = await runCli(['--data', join(dir, 'doubter'), 'sync', 'pull', '--hub', hub, '--origin', 'doubter', '--json'], {
    env: { STANCE_STATE_TRUSTED_KEYS: wrongFile },
  });
  assert.is.not(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, 'Ed25519 signature by spoke-a');
  const missing = await runCli(['--data', join(dir, 'doubter'), 'finding', 'show', 'f-1']);
  assert.is(missing.code, 1, missing.stderr);
});

Cli('sync keygen refuses an --out that cannot be a directory, naming it, before opening the data dir', async () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const data = join(dir, 'never');
  const run = await runCli(['--data', data, 'sync', 'keygen', '--out', join(file, 'keys')]);
  assert.is(run.code, 2, run.stderr);
  assert.ok(isOneLineError(run), run.stderr);
  assert.match(run.stderr, 'invalid --out');
  assert.not.ok(existsSync(data));
});

Cli.run();
