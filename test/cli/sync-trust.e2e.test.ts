import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isOneLineError, runCli } from '../support/cli.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

/**
 * The trust commands through the real binary: an organisation key, a credential per origin published by its own
 * sync, a replica that trusts only the organisation, revocation through the hub, and what `sync status` says.
 */
const Cli = suite('cli: sync trust, credentials and revocations, through the real binary');
let dir = '';
Cli.before.each(() => {
  dir = makeTempDir('cli-trust');
});
Cli.after.each(() => removeDir(dir));

const cli = async (data: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const run = await runCli(['--data', join(dir, data), ...args, '--json'], { env });
  return { ...run, json: run.stdout.trim() === '' ? null : (JSON.parse(run.stdout) as Record<string, unknown>) };
};

Cli('a fleet on an organisation key: issue, publish by syncing, pull what the credential allows, revoke through the hub', async () => {
  const keys = join(dir, 'keys');
  const hub = `file://${join(dir, 'hub')}`;
  const org = await cli('admin', ['sync', 'keygen', '--organisation', '--out', keys]);
  assert.is(org.code, 0, org.stderr);
  assert.is(statSync(join(keys, 'organisation.key')).mode & 0o777, 0o600);
  const spokeKeys = await cli('spoke', ['sync', 'keygen', '--out', keys], { STANCE_STATE_ORIGIN: 'spoke' });
  assert.is(spokeKeys.code, 0, spokeKeys.stderr);
  const credentialPath = join(dir, 'spoke.credential.json');
  const issued = await cli('admin', ['sync', 'credential', 'issue', '--org-key', join(keys, 'organisation.key'), '--origin', 'spoke', '--public-key', join(keys, 'spoke.pub'), '--report', '111111111111', '--report', '222222222222/eu-west-1', '--out', credentialPath]);
  assert.is(issued.code, 0, issued.stderr);
  assert.equal([issued.json?.origin, issued.json?.report, issued.json?.decide], ['spoke', ['111111111111', '222222222222/eu-west-1'], []]);

  // The spoke scans its account and syncs, publishing its credential and signing its batches.
  const spokeEnv = { STANCE_STATE_SIGNING_KEY: join(keys, 'spoke.key'), STANCE_STATE_CREDENTIAL: credentialPath };
  assert.is((await cli('spoke', ['scan', 'start', 's1', '--snapshot', 'snap-1', '--account', '111111111111', '--region', 'us-east-1'])).code, 0);
  assert.is((await cli('spoke', ['finding', 'track', 'f1', '--asset', 'a1', '--rule', 'r1', '--scan', 's1'])).code, 0);
  const pushed = await cli('spoke', ['sync', 'push', '--hub', hub], spokeEnv);
  assert.is(pushed.code, 0, pushed.stderr);

  // The replica trusts the organisation key alone.
  const trustFile = join(dir, 'trust.json');
  writeFileSync(trustFile, JSON.stringify({ organisation_keys: [readFileSync(join(keys, 'organisation.pub'), 'utf8')], max_clock_skew_seconds: 120 }));
  assert.is((await cli('replica', ['sync', 'trust', 'set', trustFile])).code, 0);
  const shown = await cli('replica', ['sync', 'trust', 'show']);
  assert.is(shown.json?.max_clock_skew_seconds, 120);
  const pulled = await cli('replica', ['sync', 'pull', '--hub', hub, '--origin', 'replica']);
  assert.equal([pulled.code, pulled.json?.trust, pulled.json?.records_synced], [0, 'configured', 2], pulled.stderr);
  const status = await cli('replica', ['sync', 'status']);
  const trust = status.json?.trust as { mode: string; origins: { origin: string; source: string; report: string[] }[]; max_clock_skew_seconds: number };
  assert.equal([trust.mode, trust.max_clock_skew_seconds], ['configured', 120]);
  assert.equal(trust.origins.map((o) => [o.origin, o.source, o.report]), [['spoke', 'credential', ['111111111111', '222222222222/eu-west-1']]]);

  // Revoked after what was pulled: the next batch is refused, naming the origin; the replica's own push still runs.
  const through = ((status.json?.hubs as { pulled: Record<string, { position: number }> }[])[0]?.pulled.spoke?.position ?? 0);
  const revoked = await cli('admin', ['sync', 'credential', 'revoke', '--org-key', join(keys, 'organisation.key'), '--origin', 'spoke', '--keep-through', String(through), '--hub', hub]);
  assert.is(revoked.code, 0, revoked.stderr);
  assert.is((await cli('spoke', ['finding', 'track', 'f2', '--asset', 'a2', '--rule', 'r1', '--scan', 's1'])).code, 0);
  assert.is((await cli('spoke', ['sync', 'push', '--hub', hub], spokeEnv)).code, 0);
  const refused = await cli('replica', ['sync', 'run', '--hub', hub]);
  assert.is(refused.code, 1, refused.stderr);
  assert.match((refused.json?.errors as string[]).join('\n'), /pull spoke: spoke is revoked after its position \d+/);
  assert.is((await cli('replica', ['finding', 'show', 'f2'])).code, 1);
  assert.is((await cli('replica', ['finding', 'show', 'f1'])).code, 0);
  const after = await cli('replica', ['sync', 'status']);
  const blocked = (after.json?.hubs as { pulled: Record<string, { blocked: { reason: string } | null }> }[])[0]?.pulled.spoke?.blocked;
  assert.match(blocked?.reason ?? '', /revoked/);
});

Cli('a bad object under one origin: exit 2 naming it, the other origins still pulled, the local push still run', async () => {
  const hub = `file://${join(dir, 'hub')}`;
  assert.is((await cli('good', ['finding', 'track', 'g1', '--asset', 'a', '--rule', 'r'], { STANCE_STATE_ORIGIN: 'good' })).code, 0);
  assert.is((await cli('good', ['sync', 'push', '--hub', hub])).code, 0);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'hub', 'bad', '0000000000'), { recursive: true });
  writeFileSync(join(dir, 'hub', 'bad', '0000000000', '0000000000000001-0000000000000001.ndjson.gz'), 'not a hub object');
  assert.is((await cli('replica', ['finding', 'track', 'mine', '--asset', 'a', '--rule', 'r'], { STANCE_STATE_ORIGIN: 'replica' })).code, 0);
  const run = await cli('replica', ['sync', 'run', '--hub', hub]);
  assert.is(run.code, 2, run.stderr);
  assert.match((run.json?.errors as string[]).join('\n'), /pull bad: hub \S+: object "bad\/0000000000\/0000000000000001-0000000000000001\.ndjson\.gz" is corrupt/);
  assert.is(run.json?.batches_pushed, 1);
  assert.is((await cli('replica', ['finding', 'show', 'g1'])).code, 0);
  const text = await runCli(['--data', join(dir, 'replica'), 'sync', 'status']);
  assert.match(text.stdout, /trust: open: no trust configuration: single-team mode/);
  assert.match(text.stdout, /bad\s+0\s+blocked: hub \S+: object "bad\//);
});

Cli('bad trust input is refused in one line naming the field, and nothing is recorded', async () => {
  const file = join(dir, 'trust.json');
  writeFileSync(file, JSON.stringify({ organisaton_keys: [] }));
  const misspelt = await runCli(['--data', join(dir, 'r'), 'sync', 'trust', 'set', file]);
  assert.is(misspelt.code, 2);
  assert.ok(isOneLineError(misspelt), misspelt.stderr);
  assert.match(misspelt.stderr, /invalid trust\.organisaton_keys: "organisaton_keys" \(expected one of organisation_keys, origins/);
  writeFileSync(file, JSON.stringify({ origins: { spoke: { public_key: 'not a key' } } }));
  const badKey = await runCli(['--data', join(dir, 'r'), 'sync', 'trust', 'set', file]);
  assert.is(badKey.code, 2);
  assert.match(badKey.stderr, /invalid trust\.origins\.spoke: "not a key" \(expected an Ed25519 public key in PEM\)/);
  writeFileSync(file, `${'['.repeat(5000)}${']'.repeat(5000)}`);
  const deep = await runCli(['--data', join(dir, 'r'), 'sync', 'trust', 'set', file]);
  assert.is(deep.code, 2);
  assert.ok(isOneLineError(deep), deep.stderr);
  const keys = join(dir, 'keys');
  assert.is((await runCli(['--data', join(dir, 'r'), 'sync', 'keygen', '--organisation', '--out', keys])).code, 0);
  const scope = await runCli(['--data', join(dir, 'r'), 'sync', 'credential', 'issue', '--org-key', join(keys, 'organisation.key'), '--origin', 'x', '--public-key', join(keys, 'organisation.pub'), '--report', '1/2/3', '--out', join(dir, 'c.json')]);
  assert.is(scope.code, 2);
  assert.match(scope.stderr, /invalid credential\.report\[0\]: "1\/2\/3" \(expected scope pattern/);
  const shown = await runCli(['--data', join(dir, 'r'), 'sync', 'trust', 'show']);
  assert.match(shown.stdout, /no trust configuration: single-team mode/);
});

Cli.run();
