import type { Command } from 'commander';
import * as t from 'io-ts';
import { InstantFromIso } from '../engine/index.js';
import { decodeOrThrow, Id, ScanStatus, ScopeName, Text } from '../events/index.js';
import type { ScanRecord } from '../engine/index.js';
import { DomainError } from '../errors.js';
import { IntFromString, optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList, printRecord } from './output.js';

const StartArgs = t.strict({
  scanId: Id,
  snapshot: Id,
  config: optional(Id),
  account: optional(ScopeName),
  region: optional(ScopeName),
  collector: optional(t.array(Id)),
  fullScope: optional(t.boolean),
});
const CompleteArgs = t.strict({
  scanId: Id,
  assets: IntFromString('a count (0 or more)'),
  findings: IntFromString('a count (0 or more)'),
  error: optional(Text),
});
const ListArgs = t.strict({
  status: optional(ScanStatus),
  since: optional(InstantFromIso),
  account: optional(ScopeName),
  region: optional(ScopeName),
  limit: optional(IntFromString('a count (1-10000)', 1, 10_000)),
});
const CleanupArgs = t.strict({ days: IntFromString('a number of days (0 or more)', 0, 100_000) });

const scanTable = (scans: readonly ScanRecord[]) =>
  table(
    ['SCAN', 'STATUS', 'ACCOUNT', 'REGION', 'STARTED', 'SECONDS', 'ASSETS', 'FINDINGS'],
    scans.map((s) => [s.scan_id, s.status, s.account_id, s.region, s.started_at, s.duration_seconds, s.asset_count, s.finding_count]),
  );

export const registerScan = (scan: Command, ctx: CliContext): void => {
  scan
    .command('start <scanId>')
    .description('record that a scan started')
    .requiredOption('--snapshot <id>', 'snapshot the scan writes')
    .option('--config <name>', 'configuration name (default: default)')
    .option('--account <id>', 'account scanned')
    .option('--region <name>', 'region scanned')
    .option('--collector <name>', 'collector run (repeat for several)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--full-scope', 'the scan covers every resource of its account, region and collectors: completing it resolves open findings it did not see')
    .action(async (scanId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(StartArgs, { scanId, ...o });
      const record = await (await ctx.engine(cmd)).startScan({
        scanId: a.scanId,
        snapshotId: a.snapshot,
        configName: a.config,
        accountId: a.account,
        region: a.region,
        collectors: a.collector,
        fullScope: a.fullScope,
      }, ctx.actor(cmd));
      printRecord(ctx, cmd, record);
    });

  scan
    .command('complete <scanId>')
    .description('record that a scan finished; with --error it is failed')
    .requiredOption('--assets <n>', 'assets discovered')
    .requiredOption('--findings <n>', 'findings generated')
    .option('--error <message>', 'the scan failed with this message')
    .action(async (scanId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(CompleteArgs, { scanId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).completeScan(a.scanId, { assetCount: a.assets, findingCount: a.findings, errorMessage: a.error }, ctx.actor(cmd)));
    });

  scan
    .command('cancel <scanId>')
    .description('record that a running scan was cancelled')
    .option('--by <user>', 'the person it is cancelled for (recorded as on behalf of; default: the actor)', '')
    .option('--reason <text>', 'why', '')
    .action(async (scanId: string, o: { by: string; reason: string }, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ scanId: Id, by: Text, reason: Text }), { scanId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).cancelScan(a.scanId, a.by, a.reason, ctx.actor(cmd)));
    });

  scan
    .command('show <scanId>')
    .description('one scan record')
    .action(async (scanId: string, _o: object, cmd: Command) => {
      const id = decodeOrThrow(t.strict({ scanId: Id }), { scanId }).scanId;
      const record = await (await ctx.engine(cmd)).getScan(id);
      if (record === null) throw new DomainError('unknown_scan', `scan ${id} is not known`);
      printRecord(ctx, cmd, record);
    });

  scan
    .command('list')
    .description('scans, newest first')
    .option('--status <status>', 'pending, running, completed, failed or cancelled')
    .option('--since <iso>', 'started at or after this instant')
    .option('--account <id>', 'only this account')
    .option('--region <name>', 'only this region')
    .option('--limit <n>', 'at most this many (default 100)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(ListArgs, o);
      const scans = await (await ctx.engine(cmd)).listScans({ status: a.status, since: a.since, accountId: a.account, region: a.region, limit: a.limit });
      printList(ctx, cmd, scans, scanTable);
    });

  scan
    .command('last')
    .description('the newest completed scan (of an account and region)')
    .option('--account <id>', 'only this account')
    .option('--region <name>', 'only this region')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ account: optional(ScopeName), region: optional(ScopeName) }), o);
      const record = await (await ctx.engine(cmd)).getLastScan(a.account ?? '', a.region ?? '');
      if (record === null) {
        if (ctx.json(cmd)) printJson(null);
        else out('no completed scan');
        return;
      }
      printRecord(ctx, cmd, record);
    });

  scan
    .command('cleanup')
    .description('archive finished scans that started more than N days ago (their events stay for audit)')
    .requiredOption('--days <n>', 'retention in days')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(CleanupArgs, o);
      const archived = await (await ctx.engine(cmd)).cleanupOldScans(a.days);
      if (ctx.json(cmd)) printJson({ archived, days: a.days });
      else out(`archived ${archived} scan${archived === 1 ? '' : 's'} older than ${a.days} days`);
    });
};
