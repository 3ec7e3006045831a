import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openLog } from '../../src/open.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { cliStores, isOneLineError, runCli, startCli } from '../support/cli.js';
import { onBackend } from '../support/engine.js';
import { collect } from '../support/events.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const E2e = suite(onBackend('sync: two spokes and a central through the CLI, directory and Azure hubs, kills and outages'));
let dir = '';
let azurite: Azurite;
const stores = cliStores();
E2e.before(async () => {
  dir = makeTempDir('sync-e2e');
  azurite = await startAzurite();
});
E2e.after(async () => {
  await azurite.stop();
  await stores.drop();
  removeDir(dir);
});

const data = (name: string) => join(dir, name);
/** The CLI on replica `name`'s data dir and its store on the test backend. */
const cli = async (name: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  const run = await runCli(['--data', data(name), ...args, '--json'], { env: { ...(await stores.env(data(name))), ...env } });
  return { ...run, json: run.stdout.trim() === '' ? null : (JSON.parse(run.stdout) as Record<string, unknown>) };
};
const findingsFile = (name: string, ids: string[]) => {
  const path = join(dir, `${name}.ndjson`);
  writeFileSync(path, ids.map((id) => JSON.stringify({ finding_id: id, asset_id: `asset-${id}`, rule_id: 'rule' })).join('\n'));
  return path;
};
/** The ids of the events in replica `name`'s log (of one origin, and not its sync records, when asked), sorted. */
const eventIds = async (name: string, options: { origin?: string; replicatedOnly?: boolean } = {}): Promise<string[]> => {
  const log = await openLog(await stores.url(data(name)));
  try {
    return (await collect(log.readAll()))
      .filter((e) => (options.origin === undefined || e.meta.origin === options.origin) && !(options.replicatedOnly === true && e.stream.startsWith('sync-')))
      .map((e) => e.id)
      .sort();
  } finally {
    await log.close();
  }
};

const walkThrough = async (prefix: string, hub: string, env: NodeJS.ProcessEnv) => {
  const [a, b, c] = [`${prefix}-a`, `${prefix}-b`, `${prefix}-central`];
  assert.is((await cli(a, ['finding', 'import', findingsFile(a, ['f1', 'f2', 'f3'])], { ...env, STANCE_STATE_ORIGIN: a })).code, 0);
  const pushed = await cli(a, ['sync', 'run', '--hub', hub], env);
  assert.equal([pushed.code, pushed.json?.success, pushed.json?.sync_direction], [0, true, 'bidirectional'], pushed.stderr);
  const central = await cli(c, ['sync', 'run', '--hub', hub, '--origin', c, '--central'], env);
  assert.is(central.code, 0, central.stderr);
  assert.is((await cli(c, ['finding', 'suppress', 'f2', '--by', 'secops', '--reason', 'accepted'])).code, 0);
  assert.is((await cli(c, ['sync', 'push', '--hub', hub], env)).code, 0);
  const pulled = await cli(b, ['sync', 'pull', '--hub', hub, '--origin', b], env);
  assert.equal([pulled.code, pulled.json?.success], [0, true], pulled.stderr);
  // Which origin is central is each replica's own configuration, never a batch's claim.
  const trustFile = join(dir, `${prefix}-trust.json`);
  writeFileSync(trustFile, JSON.stringify({ central: c }));
  assert.is((await cli(b, ['sync', 'trust', 'set', trustFile])).code, 0);
  const f2 = await cli(b, ['finding', 'show', 'f2']);
  assert.equal([f2.json?.lifecycle, f2.json?.suppressed_by], ['suppressed', 'secops']);
  const status = await cli(b, ['sync', 'status']);
  const hubs = status.json?.hubs as { hub: string; pulled: Record<string, { position: number }>; lag: number }[];
  assert.equal(Object.keys(hubs[0]?.pulled ?? {}).sort(), [a, c].sort());
  assert.is((status.json?.trust as { central_origin: string }).central_origin, c);
};

E2e('two spokes and a central exchange findings and decisions through a directory hub', async () => {
  await walkThrough('dir', `file://${join(dir, 'hub')}`, {});
});

E2e('the same walk-through through Azure Blob Storage (Azurite)', async () => {
  await walkThrough('az', 'azblob://stance/hub', { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString });
});

E2e('an unreachable hub fails in one line naming it, within bounded retries, and loses nothing', async () => {
  await cli('offline', ['finding', 'track', 'f1', '--asset', 'a', '--rule', 'r'], { STANCE_STATE_ORIGIN: 'offline' });
  const before = await eventIds('offline');
  const started = Date.now();
  const run = await runCli(['--data', data('offline'), 'sync', 'push', '--hub', 'azblob://stance/hub'], {
    env: { ...(await stores.env(data('offline'))), AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('k').toString('base64')};BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;` },
  });
  assert.is(run.code, 1);
  assert.ok(Date.now() - started < 60_000);
  assert.match(run.stdout + run.stderr, /hub azblob:\/\/stance\/hub/);
  assert.not.match(run.stdout + run.stderr, /AccountKey|\bk\b=/);
  const after = await eventIds('offline');
  assert.ok(before.every((id) => after.includes(id)));
  const bad = await runCli(['--data', data('offline'), 'sync', 'push', '--hub', 'ftp://x'], { env: await stores.env(data('offline')) });
  assert.is(bad.code, 2);
  assert.ok(isOneLineError(bad));
  assert.match(bad.stderr, /invalid hub: "ftp:\/\/x"/);
});

const killDuring = async (name: string, args: string[], marker: RegExp) => {
  const child = startCli(['--data', data(name), ...args], await stores.env(data(name)));
  let seen = '';
  await new Promise<void>((resolve) => {
    const check = (d: Buffer) => {
      seen += d.toString();
      if (marker.test(seen)) resolve();
    };
    child.stderr?.on('data', check);
    child.on('exit', () => resolve());
    setTimeout(resolve, 300 + Math.floor(Math.random() * 700));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
};

E2e('SIGKILL in the middle of a push and of a pull, then a re-run: nothing lost, nothing doubled', async () => {
  const hub = `file://${join(dir, 'hub-kill')}`;
  const ids = Array.from({ length: 4000 }, (_, i) => `k${i}`);
  for (let i = 0; i < ids.length; i += 500)
    await cli('kill-src', ['finding', 'import', findingsFile(`kill-${i}`, ids.slice(i, i + 500))], { STANCE_STATE_ORIGIN: 'kill-src' });
  await killDuring('kill-src', ['sync', 'push', '--hub', hub, '--batch-size', '40'], /never/);
  const again = await cli('kill-src', ['sync', 'push', '--hub', hub, '--batch-size', '40']);
  assert.is(again.code, 0, again.stderr);
  await killDuring('kill-dst', ['sync', 'pull', '--hub', hub, '--origin', 'kill-dst'], /never/);
  const rerun = await cli('kill-dst', ['sync', 'pull', '--hub', hub]);
  assert.is(rerun.code, 0, rerun.stderr);
  const source = (await eventIds('kill-src', { origin: 'kill-src' })).filter(Boolean);
  const copied = await eventIds('kill-dst', { origin: 'kill-src' });
  // Everything but the source's own sync records arrived, once (ids are unique in the log by construction).
  const replicated = await eventIds('kill-src', { origin: 'kill-src', replicatedOnly: true });
  assert.equal(copied, replicated);
  assert.ok(source.length > replicated.length);
  const verify = await cli('kill-dst', ['log', 'verify']);
  assert.is(verify.code, 0);
  const stats = await cli('kill-dst', ['stats']);
  assert.is(stats.json?.total, ids.length);
});

E2e.run();
