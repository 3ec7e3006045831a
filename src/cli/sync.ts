import type { Command } from 'commander';
import * as t from 'io-ts';
import { ConflictPolicy, decodeOrThrow, Id } from '../events/index.js';
import {
  encryptionKeyFrom,
  hubState,
  knownHubs,
  loadPrivateKey,
  loadTrustedKeys,
  openHub,
  ownOrigin,
  resolveTrust,
  sync,
  unpushed,
  type BatchSecurity,
  type SyncDirection,
  type SyncResult,
} from '../sync/index.js';
import { readCredentialFile, registerSyncTrust } from './sync-trust.js';
import { IntFromString, optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
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
  credential: optional(t.string),
});

export const security = (args: { signingKey?: string | undefined; trustedKeys?: string | undefined }, env: NodeJS.ProcessEnv): BatchSecurity => {
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
    ...r.warnings.map((w) => `  warning: ${w}`),
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
      .option('--credential <file>', 'publish this origin’s organisation-signed credential on the hub (or STANCE_STATE_CREDENTIAL)')
      .action(async (o: Record<string, unknown>, c: Command) => {
        const a = decodeOrThrow(SyncArgs, o);
        const direction = fixed ?? a.direction ?? 'bidirectional';
        const hub = openHub(a.hub, env);
        const engine = (await ctx.engine(c));
        const progress = startProgress(`sync ${direction}`, 0, !ctx.json(c));
        let done = 0;
        const credentialPath = a.credential ?? env.STANCE_STATE_CREDENTIAL;
        const credential = credentialPath ? readCredentialFile(credentialPath, a.credential ? 'credential' : 'STANCE_STATE_CREDENTIAL') : undefined;
        const result = await sync(engine, hub, {
          credential,
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
    .description('trust (mode, central, origins and their rights); per hub: pushed position and lag, per origin: pulled position, blocked or capped')
    .option('--hub <url>', 'only this hub')
    .action(async (o: { hub?: string }, c: Command) => {
      const engine = (await ctx.engine(c));
      const log = engine.backend.log;
      const hubs = o.hub === undefined ? await knownHubs(log) : [openHub(o.hub, env).url];
      const named = await ownOrigin(engine);
      const trust = await resolveTrust(engine, null, security({}, env), Date.now(), false);
      const status = {
        origin: engine.origin,
        named: named !== null,
        central: named?.central ?? false,
        trust: {
          mode: trust.mode,
          summary:
            trust.mode === 'open'
              ? 'no trust configuration: single-team mode, any origin may report and decide for any account (caps, chains and clock bounds still hold)'
              : `${trust.origins.size} trusted origins; others' batches are not read`,
          central_origin: trust.central,
          encryption_required: trust.encryptionKey !== null,
          max_clock_skew_seconds: trust.maxClockSkewMs / 1000,
          origins: [...trust.origins.values()].map((t) => ({
            origin: t.origin,
            source: t.source,
            serial: t.serial,
            report: t.rights.report,
            decide: t.rights.decide,
            central: t.central,
            revoked_after: t.keepThrough,
          })),
          warnings: trust.warnings,
        },
        hubs: await Promise.all(hubs.map(async (url) => {
          const s = await hubState(log, url);
          return {
            hub: url,
            pushed_position: s.pushed,
            pushed_batches: s.pushedBatches,
            lag: await unpushed(log, s.pushed),
            pulled: Object.fromEntries(
              [...s.origins]
                .sort(([x], [y]) => x.localeCompare(y))
                .map(([origin, p]) => [origin, { position: p.position, batches: p.batches, blocked: p.blocked, capped_events: p.capped }]),
            ),
            pulled_batches: s.pulledBatches,
            conflicts: s.conflicts,
            last_sync_at: s.lastSyncAt,
          };
        })),
      };
      if (ctx.json(c)) printJson(status);
      else {
        out(`origin ${status.origin}${status.central ? ' (central)' : ''}${status.named ? '' : ' (not synced yet)'}`);
        out(`trust: ${status.trust.mode}: ${status.trust.summary}; central origin ${status.trust.central_origin ?? '-'}; encryption ${status.trust.encryption_required ? 'required' : 'off'}; clock skew bound ${status.trust.max_clock_skew_seconds} s`);
        if (status.trust.origins.length > 0)
          out(table(['ORIGIN', 'SOURCE', 'REPORT', 'DECIDE', 'CENTRAL', 'REVOKED AFTER'], status.trust.origins.map((t) => [t.origin, t.source, t.report.join(' ') || '-', t.decide.join(' ') || '-', t.central ? 'yes' : '', t.revoked_after === null ? '' : String(t.revoked_after)])));
        for (const w of status.trust.warnings) out(`warning: ${w}`);
        if (status.hubs.length === 0) out('no hub synced yet');
        for (const h of status.hubs) {
          out(`\n${h.hub}: pushed to ${h.pushed_position} (${h.pushed_batches} batches), ${h.lag} events to push, ${h.conflicts} conflicts, last sync ${h.last_sync_at ?? '-'}`);
          const rows = Object.entries(h.pulled).map(([origin, p]) => [origin, String(p.position), p.blocked === null ? 'ok' : `blocked: ${p.blocked.reason}`, p.capped_events > 0 ? String(p.capped_events) : '']);
          if (rows.length > 0) out(table(['ORIGIN', 'PULLED TO', 'STATE', 'CAPPED'], rows));
        }
      }
    });

  registerSyncTrust(group, ctx);
};
