import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import * as t from 'io-ts';
import { ConflictPolicy, decodeOrThrow, Id } from '../events/index.js';
import {
  encryptionKeyFrom,
  generateSigningKeys,
  hubState,
  knownHubs,
  loadPrivateKey,
  loadTrustedKeys,
  openHub,
  ownOrigin,
  centralOrigin,
  sync,
  unpushed,
  type BatchSecurity,
  type SyncDirection,
  type SyncResult,
} from '../sync/index.js';
import { IntFromString, optional } from './args.js';
import { ensureDirectory, out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { startProgress } from './progress.js';

const Direction = t.keyof({ push: null, pull: null, bidirectional: null }, 'push, pull or bidirectional');
const SyncArgs = t.strict({
  hub: t.string,
  direction: optional(Direction),
  conflict: optional(ConflictPolicy),
  batchSize: optional(IntFromString('a batch size (1-100000)', 1, 100_000)),
  origin: optional(Id),
  central: optional(t.boolean),
  signingKey: optional(t.string),
  trustedKeys: optional(t.string),
});

const security = (args: { signingKey?: string | undefined; trustedKeys?: string | undefined }, env: NodeJS.ProcessEnv): BatchSecurity => {
  const signing = args.signingKey ?? env.STANCE_STATE_SIGNING_KEY;
  const trusted = args.trustedKeys ?? env.STANCE_STATE_TRUSTED_KEYS;
  return {
    encryptionKey: encryptionKeyFrom(env),
    signingKey: signing ? loadPrivateKey(signing, args.signingKey ? 'signing-key' : 'STANCE_STATE_SIGNING_KEY') : null,
    trusted: trusted ? loadTrustedKeys(trusted, args.trustedKeys ? 'trusted-keys' : 'STANCE_STATE_TRUSTED_KEYS') : null,
  };
};

const resultText = (r: SyncResult): string =>
  [
    `${r.success ? 'synced' : 'sync failed'}: ${r.sync_direction} with ${r.hub} as ${r.origin}`,
    `  records synced ${r.records_synced}, skipped ${r.records_skipped}, conflicts ${r.conflicts_resolved}, batches pushed ${r.batches_pushed}, pulled ${r.batches_pulled}, ${r.duration_seconds} s`,
    ...r.errors.map((e) => `  error: ${e}`),
  ].join('\n');

export const registerSync = (group: Command, ctx: CliContext): void => {
  const env = ctx.env;

  const addRun = (name: string, fixed: SyncDirection | null, description: string) => {
    const cmd = group
      .command(name)
      .description(description)
      .requiredOption('--hub <url>', 'file:///<dir> or azblob://<container>/<prefix> (AZURE_STORAGE_CONNECTION_STRING)');
    if (fixed === null) cmd.option('--direction <d>', 'push, pull or bidirectional (default)');
    cmd
      .option('--conflict <policy>', 'latest_wins (default), central_wins, local_wins or merge')
      .option('--batch-size <n>', 'events per pushed batch (default 1000)')
      .option('--origin <name>', 'on the first sync: this data dir’s origin name (default: host name and a random suffix)')
      .option('--central', 'on the first sync: this data dir is the hub’s central origin (for central_wins)')
      .option('--signing-key <file>', 'sign pushed batches with this Ed25519 key (or STANCE_STATE_SIGNING_KEY)')
      .option('--trusted-keys <file>', 'accept only batches signed by these origins (or STANCE_STATE_TRUSTED_KEYS)')
      .action(async (o: Record<string, unknown>, c: Command) => {
        const a = decodeOrThrow(SyncArgs, o);
        const direction = fixed ?? a.direction ?? 'bidirectional';
        const hub = openHub(a.hub, env);
        const engine = ctx.engine(c);
        const progress = startProgress(`sync ${direction}`, 0, !ctx.json(c));
        let done = 0;
        const result = await sync(engine, hub, {
          direction,
          policy: a.conflict ?? 'latest_wins',
          batchSize: a.batchSize ?? 1000,
          security: security(a, env),
          origin: a.origin,
          central: a.central,
          onBatch: (n) => progress.update((done += n), done),
        });
        progress.stop();
        if (ctx.json(c)) printJson(result);
        else out(resultText(result));
        if (!result.success) ctx.exitCode = result.rejected_batches > 0 ? 2 : 1;
      });
  };
  addRun('push', 'push', 'push this origin’s new events to the hub');
  addRun('pull', 'pull', 'pull and apply other origins’ new events from the hub');
  addRun('run', null, 'pull then push (or one direction with --direction)');

  group
    .command('status')
    .description('per hub: pushed position and lag; per origin: pulled position; conflicts')
    .option('--hub <url>', 'only this hub')
    .action(async (o: { hub?: string }, c: Command) => {
      const engine = ctx.engine(c);
      const store = engine.store;
      const hubs = o.hub === undefined ? knownHubs(store) : [openHub(o.hub, env).url];
      const named = ownOrigin(engine);
      const status = {
        origin: store.origin,
        named: named !== null,
        central: named?.central ?? false,
        central_origin: centralOrigin(engine),
        hubs: hubs.map((url) => {
          const s = hubState(store, url);
          return {
            hub: url,
            pushed_position: s.pushed,
            pushed_batches: s.pushedBatches,
            lag: unpushed(store, s.pushed),
            pulled: Object.fromEntries([...s.pulled].sort(([x], [y]) => x.localeCompare(y))),
            pulled_batches: s.pulledBatches,
            conflicts: s.conflicts,
            last_sync_at: s.lastSyncAt,
          };
        }),
      };
      if (ctx.json(c)) printJson(status);
      else {
        out(`origin ${status.origin}${status.central ? ' (central)' : ''}${status.named ? '' : ' (not synced yet)'}; central origin ${status.central_origin ?? '-'}`);
        if (status.hubs.length === 0) out('no hub synced yet');
        for (const h of status.hubs) {
          out(`\n${h.hub}: pushed to ${h.pushed_position} (${h.pushed_batches} batches), ${h.lag} events to push, ${h.conflicts} conflicts, last sync ${h.last_sync_at ?? '-'}`);
          const rows = Object.entries(h.pulled);
          if (rows.length > 0) out(table(['ORIGIN', 'PULLED TO'], rows));
        }
      }
    });

  group
    .command('keygen')
    .description('make an Ed25519 key pair for signing this origin’s batches')
    .requiredOption('--out <dir>', 'where to write <origin>.key (private, mode 600) and <origin>.pub')
    .action(async (o: { out: string }, c: Command) => {
      ensureDirectory('--out', resolve(o.out));
      const origin = ctx.engine(c).store.origin;
      const { privateKeyPem, publicKeyPem } = generateSigningKeys();
      const privatePath = join(o.out, `${origin}.key`);
      const publicPath = join(o.out, `${origin}.pub`);
      writeFileSync(privatePath, privateKeyPem, { mode: 0o600, flag: 'wx' });
      chmodSync(privatePath, 0o600);
      writeFileSync(publicPath, publicKeyPem, { flag: 'wx' });
      const trusted = { [origin]: publicKeyPem };
      if (ctx.json(c)) printJson({ origin, private_key: privatePath, public_key: publicPath, trusted_entry: trusted });
      else out(`wrote ${privatePath} (keep it here) and ${publicPath}\nadd to every replica's trusted keys file:\n${JSON.stringify(trusted, null, 2)}`);
    });
};
