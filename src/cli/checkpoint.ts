import type { Command } from 'commander';
import * as t from 'io-ts';
import type { CheckpointRecord } from '../engine/index.js';
import { decodeOrThrow, Id, ScopeName, Text } from '../events/index.js';
import { DomainError } from '../errors.js';
import { optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList, printRecord } from './output.js';

const Key = { collector: Id, account: ScopeName, region: ScopeName };
const SetArgs = t.strict({ ...Key, scan: Id, cursor: optional(Text), force: optional(t.boolean) });
const KeyArgs = t.strict(Key);

const checkpointTable = (items: readonly CheckpointRecord[]) =>
  table(
    ['COLLECTOR', 'ACCOUNT', 'REGION', 'LAST SCAN', 'SCAN TIME', 'CURSOR'],
    items.map((c) => [c.collector_name, c.account_id, c.region, c.last_scan_id, c.last_scan_time, c.cursor]),
  );

export const registerCheckpoint = (checkpoint: Command, ctx: CliContext): void => {
  checkpoint
    .command('set <collector> <account> <region>')
    .description('move a checkpoint to a scan (forward in scan time only, unless --force)')
    .requiredOption('--scan <scanId>', 'the scan the checkpoint now stands at')
    .option('--cursor <text>', 'opaque continuation cursor')
    .option('--force', 'allow moving the checkpoint back to an older scan')
    .action(async (collector: string, account: string, region: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(SetArgs, { collector, account, region, ...o });
      const record = await (await ctx.engine(cmd)).updateCheckpoint({
        collector: a.collector,
        accountId: a.account,
        region: a.region,
        scanId: a.scan,
        cursor: a.cursor,
        force: a.force,
      }, ctx.actor(cmd));
      printRecord(ctx, cmd, record);
    });

  checkpoint
    .command('get <collector> <account> <region>')
    .description('one checkpoint')
    .action(async (collector: string, account: string, region: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(KeyArgs, { collector, account, region });
      const record = await (await ctx.engine(cmd)).getCheckpoint(a.collector, a.account, a.region);
      if (record === null) throw new DomainError('unknown_checkpoint', `no checkpoint for ${a.collector}/${a.account}/${a.region}`);
      printRecord(ctx, cmd, record);
    });

  checkpoint
    .command('delete <collector> <account> <region>')
    .description('delete a checkpoint (the next scan starts from scratch)')
    .action(async (collector: string, account: string, region: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(KeyArgs, { collector, account, region });
      const deleted = await (await ctx.engine(cmd)).deleteCheckpoint(a.collector, a.account, a.region, ctx.actor(cmd));
      if (!deleted) throw new DomainError('unknown_checkpoint', `no checkpoint for ${a.collector}/${a.account}/${a.region}`);
      if (ctx.json(cmd)) printJson({ deleted: true, collector_name: a.collector, account_id: a.account, region: a.region });
      else out(`deleted checkpoint ${a.collector}/${a.account}/${a.region}`);
    });

  checkpoint
    .command('list')
    .description('all checkpoints')
    .option('--collector <name>', 'only this collector')
    .option('--account <id>', 'only this account')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ collector: optional(Id), account: optional(ScopeName) }), o);
      printList(ctx, cmd, await (await ctx.engine(cmd)).listCheckpoints({ collector: a.collector, accountId: a.account }), checkpointTable);
    });
};
