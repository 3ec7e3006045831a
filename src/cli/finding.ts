import type { Command } from 'commander';
import * as t from 'io-ts';
import { InstantFromIso, SlaFilter, type FindingRecord, type HistoryEntry } from '../engine/index.js';
import { decodeOrThrow, Id, Lifecycle, Severity, SightingSeverity, Text } from '../events/index.js';
import { DomainError } from '../errors.js';
import { IntFromString, optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList, printRecord } from './output.js';
import { startProgress, type Progress } from './progress.js';

const TrackArgs = t.strict({ findingId: Id, asset: Id, rule: Id, scan: optional(Id), collector: optional(Id), severity: optional(Severity) });
const ListArgs = t.strict({
  asset: optional(Id),
  lifecycle: optional(Lifecycle),
  rule: optional(Id),
  severity: optional(SightingSeverity),
  sla: optional(SlaFilter),
  limit: optional(IntFromString('a count (1-10000)', 1, 10_000)),
  cursor: optional(Id),
});
const FindingId = t.strict({ findingId: Id });

const findingTable = (items: readonly FindingRecord[]) =>
  table(
    ['FINDING', 'LIFECYCLE', 'SEVERITY', 'SLA DUE', 'ASSET', 'RULE', 'FIRST SEEN', 'LAST SEEN', 'SCANS'],
    items.map((f) => [
      f.finding_id,
      f.lifecycle,
      f.severity,
      f.sla_due_at === null ? '-' : `${f.sla_due_at}${f.sla_breached ? ' BREACHED' : ''}`,
      f.asset_id,
      f.rule_id,
      f.first_seen,
      f.last_seen,
      f.scan_count,
    ]),
  );

/** `svc-jira (service, for alice)`: who authenticated, and the person they acted for when they named one. */
const actorText = (h: HistoryEntry): string => {
  const how = [h.actor_role, h.on_behalf_of === null ? null : `for ${h.on_behalf_of}`].filter((x) => x !== null);
  return how.length === 0 ? h.actor : `${h.actor} (${how.join(', ')})`;
};

export const historyTable = (items: readonly HistoryEntry[]) =>
  table(
    ['RECORDED AT', 'EVENT', 'LIFECYCLE', 'SEVERITY', 'ACTOR', 'REASON', 'SCAN'],
    items.map((h) => [h.recorded_at, h.type, h.lifecycle, h.severity, actorText(h), h.reason, h.scan_id]),
  );

// `--by` on a decision names the person the local user acts for (the local identity is an admin); it is recorded
// as on behalf of, beside the actor (the OS user or --as).
const byHelp = 'the person this decision is made for (recorded as on behalf of; default: the actor)';

export const registerFinding = (finding: Command, ctx: CliContext): void => {
  finding
    .command('track <findingId>')
    .description('record that a scan saw this finding')
    .requiredOption('--asset <id>', 'asset the finding is on')
    .requiredOption('--rule <id>', 'policy rule that produced it')
    .option('--scan <scanId>', 'the running scan that saw it')
    .option('--collector <name>', 'collector that saw it (default: the scan’s only collector)')
    .option('--severity <level>', 'critical, high, medium, low or informational (needs `schema write FindingTracked 2`)')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(TrackArgs, { findingId, ...o });
      printRecord(
        ctx,
        cmd,
        await (await ctx.engine(cmd)).trackFinding(
          { findingId: a.findingId, assetId: a.asset, ruleId: a.rule, scanId: a.scan, collector: a.collector, severity: a.severity },
          ctx.actor(cmd),
        ),
      );
    });

  finding
    .command('import <file>')
    .description('track every finding of a file (NDJSON or a JSON array of {finding_id, asset_id, rule_id[, collector, severity]}; - for stdin)')
    .option('--scan <scanId>', 'the running scan that saw them')
    .action(async (file: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ scan: optional(Id) }), o);
      const engine = (await ctx.engine(cmd));
      const { importRecords, openImportFile } = await import('./import.js'); // stream-json and the readers: imports only
      const source = await openImportFile(file);
      const bars = !ctx.json(cmd);
      const checking = startProgress('check', source.size, bars);
      const appending: { bar?: Progress } = {};
      let pass = 0;
      let totals;
      try {
        totals = await engine.importFindings(
          () => {
            pass += 1;
            return importRecords(source, file, pass === 1 ? (n) => checking.update(n) : () => undefined);
          },
          {
            identity: ctx.actor(cmd),
            scanId: a.scan,
            onProgress: (done, total) => {
              checking.stop();
              (appending.bar ??= startProgress('import', total, bars)).update(done);
            },
          },
        );
      } finally {
        checking.stop();
        appending.bar?.stop();
        source.close();
      }
      if (ctx.json(cmd)) printJson(totals);
      else
        out(
          `tracked ${totals.tracked}: ${totals.new} new, ${totals.recurring} recurring, ${totals.reopened} reopened, ` +
            `${totals.still_suppressed} suppressed or false positive${totals.suppressions_expired ? `, ${totals.suppressions_expired} suppressions expired` : ''}` +
            `${totals.already_seen ? `; ${totals.already_seen} already seen in this scan` : ''}`,
        );
    });

  finding
    .command('resolve <findingId>')
    .description('mark a finding resolved')
    .option('--by <user>', byHelp)
    .option('--reason <text>', 'why')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, by: optional(Text), reason: optional(Text) }), { findingId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).resolveFinding(a.findingId, { by: a.by, reason: a.reason }, ctx.actor(cmd)));
    });

  finding
    .command('suppress <findingId>')
    .description('accept the risk of a finding: suppressed (kept so when seen again) until --until')
    .option('--by <user>', byHelp)
    .option('--reason <text>', 'why the risk is accepted (required)')
    .option('--until <iso>', 'when the acceptance ends (required, and bounded, when `policy set --suppression-max-days` is)')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, by: optional(Id), reason: optional(Text), until: optional(InstantFromIso) }), { findingId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).suppressFinding(a.findingId, { by: a.by, reason: a.reason, until: a.until }, ctx.actor(cmd)));
    });

  finding
    .command('unsuppress <findingId>')
    .description('lift a suppression')
    .option('--by <user>', byHelp)
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, by: optional(Id) }), { findingId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).unsuppressFinding(a.findingId, a.by, ctx.actor(cmd)));
    });

  finding
    .command('false-positive <findingId>')
    .description('mark a finding a false positive (it stays so when seen again)')
    .option('--by <user>', byHelp)
    .option('--reason <text>', 'why')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, by: optional(Id), reason: optional(Text) }), { findingId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).markFalsePositive(a.findingId, { by: a.by, reason: a.reason }, ctx.actor(cmd)));
    });

  finding
    .command('note <findingId>')
    .description('add a note to a finding')
    .option('--by <user>', byHelp)
    .requiredOption('--text <text>', 'the note')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, by: optional(Id), text: Text }), { findingId, ...o });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).addFindingNote(a.findingId, { by: a.by, text: a.text }, ctx.actor(cmd)));
    });

  finding
    .command('show <findingId>')
    .description('a finding’s state; with --as-of, as it stood at that instant (replayed from its events)')
    .option('--as-of <iso>', 'an instant in the past')
    .action(async (findingId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ findingId: Id, asOf: optional(InstantFromIso) }), { findingId, ...o });
      const engine = (await ctx.engine(cmd));
      const record = a.asOf === undefined ? await engine.getFindingState(a.findingId) : await engine.getFindingAsOf(a.findingId, a.asOf);
      if (record === null)
        throw new DomainError('unknown_finding', `finding ${a.findingId} is not tracked${a.asOf === undefined ? '' : ` as of ${a.asOf}`}`);
      printRecord(ctx, cmd, record);
    });

  finding
    .command('list')
    .description('finding states, by id; --cursor continues after a page')
    .option('--asset <id>', 'only this asset')
    .option('--lifecycle <name>', 'new, recurring, resolved, reopened, suppressed or false_positive')
    .option('--rule <id>', 'only this rule')
    .option('--severity <level>', 'critical, high, medium, low, informational or unknown')
    .option('--sla <which>', 'breached (open and past the deadline) or due-within=<n>d / <n>h (open, due within that, not breached)')
    .option('--limit <n>', 'page size (default 1000)')
    .option('--cursor <findingId>', 'continue after this finding id (the previous page’s next_cursor)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(ListArgs, o);
      const page = await (await ctx.engine(cmd)).listFindingStates({
        assetId: a.asset,
        lifecycle: a.lifecycle,
        ruleId: a.rule,
        severity: a.severity,
        sla: a.sla,
        limit: a.limit,
        cursor: a.cursor,
      });
      if (ctx.json(cmd)) printJson(page);
      else {
        printList(ctx, cmd, page.findings, findingTable);
        if (page.next_cursor !== null) out(`more: --cursor ${page.next_cursor}`);
      }
    });

  finding
    .command('history <findingId>')
    .description('every event of a finding: time, type, lifecycle and severity after it, actor (role, and for whom), reason, scan')
    .action(async (findingId: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(FindingId, { findingId });
      const history = await (await ctx.engine(cmd)).getFindingHistory(a.findingId);
      if (history.length === 0) throw new DomainError('unknown_finding', `finding ${a.findingId} is not tracked`);
      printList(ctx, cmd, history, historyTable);
    });
};
