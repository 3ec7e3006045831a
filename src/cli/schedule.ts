import type { Command } from 'commander';
import * as t from 'io-ts';
import { DateTime } from 'luxon';
import { InstantFromIso, type JobRecord, type RunRecord } from '../engine/index.js';
import { decodeOrThrow, Id, ScopeName, Text, type Instant } from '../events/index.js';
import { DomainError } from '../errors.js';
import { nextRuns, ScanScheduler, shellExecutor, type SchedulerEvent } from '../schedule/index.js';
import { IntFromString } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { record, table } from './format.js';
import { printList, printRecord } from './output.js';

// Optional, named after the codec alone: a message says what may be typed, not `... | undefined`.
const optional = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined], codec.name);
// Codecs named by what the user may type, so a message reads: invalid misfire: "often" (expected skip, ...).
const Misfire = t.keyof({ skip: null, fire_once: null, fire_all: null }, 'skip, fire_once or fire_all');
const Overlap = t.keyof({ skip: null, allow: null }, 'skip or allow');
const ShellCommand = t.refinement(Text, (s) => s.trim().length > 0, 'a shell command');
const JobIdArg = t.strict({ jobId: Id });
const AddArgs = t.strict({
  name: Id,
  expr: t.string,
  tz: optional(Id),
  config: optional(Id),
  command: optional(ShellCommand),
  misfire: optional(Misfire),
  overlap: optional(Overlap),
  timeout: optional(IntFromString('seconds (0 = no limit)', 0, 31_536_000)),
  account: optional(ScopeName),
  region: optional(ScopeName),
  disabled: optional(t.boolean),
});
const NextArgs = t.strict({
  expr: t.string,
  tz: optional(Id),
  after: optional(InstantFromIso),
  count: optional(IntFromString('a count (1-1000)', 1, 1000)),
});
const RunArgs = t.strict({
  once: optional(t.boolean),
  grace: optional(IntFromString('seconds (0 or more)', 0, 86_400)),
});

const jobTable = (jobs: readonly JobRecord[]) =>
  table(
    ['ID', 'NAME', 'SCHEDULE', 'ZONE', 'ENABLED', 'NEXT RUN', 'LAST RUN', 'RUNS', 'LAST RESULT'],
    jobs.map((j) => [j.id, j.name, j.schedule_expression, j.timezone, j.enabled ? 'yes' : 'no', j.next_run, j.last_run,
      j.run_count, j.running.length > 0 ? 'running' : j.last_result?.result]),
  );

const runText = (r: RunRecord | null): string | null =>
  r === null ? null : `${r.result ?? 'running'} ${r.started_at} scan ${r.scan_id}${r.error ? `: ${r.error}` : ''}`;

/** A job for people: runs summarised on one line each. */
const jobText = (j: JobRecord): string =>
  record({
    ...j,
    running: j.running.map((r) => `${r.run_id} since ${r.started_at}`),
    last_result: runText(j.last_result),
  });

/**
 * Commands see the data dir and the store this scheduler runs on, so `stance-state finding track --scan
 * $STANCE_SCAN_ID` in a job records into the same store, PostgreSQL included.
 */
const shellFor = (ctx: CliContext, cmd: Command) =>
  shellExecutor({ env: { STANCE_STATE_DIR: ctx.dataDir(cmd), STANCE_STATE_STORE: ctx.storeUrl(cmd) } });

const show = (ctx: CliContext, cmd: Command, j: JobRecord): void => (ctx.json(cmd) ? printJson(j) : out(jobText(j)));

const known = (j: JobRecord | null, jobId: string): JobRecord => {
  if (j === null) throw new DomainError('unknown_job', `job ${jobId} is not known`);
  return j;
};

/** `<instant> <level> <what> key=value ...`, values quoted when they hold spaces. */
export const logLine = (e: SchedulerEvent): string =>
  [e.at, e.level, e.what, ...Object.entries(e.fields).map(([k, v]) =>
    `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`)].join(' ');

/** An instant as ISO-8601 with the zone's offset at that instant (`2026-03-08T03:00:00-04:00`). */
const inZone = (d: Date, tz: string): string =>
  DateTime.fromJSDate(d, { zone: tz }).toISO({ suppressMilliseconds: true }) ?? d.toISOString();

export const registerSchedule = (schedule: Command, ctx: CliContext): void => {
  schedule
    .command('add <name> <expr>')
    .description('add a job: five-field cron, cron(...) (AWS), rate(...) or at(...)')
    .option('--tz <zone>', 'IANA time zone the expression is read in (default UTC)')
    .option('--config <name>', 'scan configuration name (default: default)')
    .option('--command <cmd>', 'shell command a run executes (STANCE_SCAN_ID, STANCE_JOB_ID, STANCE_CONFIG_NAME set)')
    .option('--misfire <policy>', 'missed fire times: skip, fire_once (default) or fire_all')
    .option('--overlap <policy>', 'a fire time while a run is in progress: skip (default) or allow')
    .option('--timeout <seconds>', 'a run longer than this fails as timeout (default 3600, 0 = no limit)')
    .option('--account <id>', 'account the scans cover')
    .option('--region <name>', 'region the scans cover')
    .option('--disabled', 'add it disabled')
    .action(async (name: string, expr: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(AddArgs, { name, expr, ...o });
      const job = await (await ctx.engine(cmd)).jobs.add({
        name: a.name,
        schedule: a.expr,
        timezone: a.tz,
        configName: a.config,
        command: a.command,
        misfire: a.misfire,
        overlap: a.overlap,
        timeoutSeconds: a.timeout,
        accountId: a.account,
        region: a.region,
        enabled: a.disabled === true ? false : undefined,
      });
      show(ctx, cmd, job);
    });

  schedule
    .command('list')
    .description('jobs, by name')
    .action(async (_o: object, cmd: Command) => printList(ctx, cmd, await (await ctx.engine(cmd)).jobs.list(), jobTable));

  schedule
    .command('show <jobId>')
    .description('one job: schedule, next and last run, runs in progress')
    .action(async (jobId: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(JobIdArg, { jobId });
      show(ctx, cmd, known(await (await ctx.engine(cmd)).jobs.get(a.jobId), a.jobId));
    });

  schedule
    .command('remove <jobId>')
    .description('remove a job (its events stay for audit)')
    .action(async (jobId: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(JobIdArg, { jobId });
      if (!(await (await ctx.engine(cmd)).jobs.remove(a.jobId))) known(null, a.jobId);
      if (ctx.json(cmd)) printJson({ removed: true, id: a.jobId });
      else out(`removed job ${a.jobId}`);
    });

  const toggles = [
    ['enable', 'fire times from now on run'],
    ['disable', 'no fire time runs until enabled'],
  ] as const;
  for (const [verb, what] of toggles)
    schedule
      .command(`${verb} <jobId>`)
      .description(`${verb} a job: ${what}`)
      .action(async (jobId: string, _o: object, cmd: Command) => {
        const a = decodeOrThrow(JobIdArg, { jobId });
        const jobs = (await ctx.engine(cmd)).jobs;
        show(ctx, cmd, verb === 'enable' ? await jobs.enable(a.jobId) : await jobs.disable(a.jobId));
      });

  schedule
    .command('run-now <jobId>')
    .description('run a job now, here, and wait for it (exit 1 if the run fails)')
    .action(async (jobId: string, _o: object, cmd: Command) => {
      const a = decodeOrThrow(JobIdArg, { jobId });
      const scheduler = new ScanScheduler({ engine: (await ctx.engine(cmd)), shell: shellFor(ctx, cmd) });
      const run = await scheduler.runJobNow(a.jobId);
      if (run === null) return void known(null, a.jobId);
      printRecord(ctx, cmd, run);
      if (run.success !== true) ctx.exitCode = 1;
    });

  schedule
    .command('next <expr>')
    .description('the next fire times of an expression, in its zone (one per line)')
    .option('--tz <zone>', 'IANA time zone (default UTC)')
    .option('--after <iso>', 'exclusive start, and a rate’s anchor (default now)')
    .option('--count <n>', 'how many (default 5)')
    .action(async (expr: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(NextArgs, { expr, ...o });
      const tz = a.tz ?? 'UTC';
      const after = a.after ?? (new Date().toISOString() as Instant);
      const runs = nextRuns(expr, { after, tz, anchor: after, count: a.count ?? 5 }).map((d) => inZone(d, tz));
      if (ctx.json(cmd)) printJson(runs);
      else if (runs.length === 0) process.stderr.write(`stance-state: ${expr} has no fire time after ${after}\n`);
      else out(runs.join('\n'));
    });

};

export const registerScheduler = (scheduler: Command, ctx: CliContext): void => {
  scheduler
    .command('run')
    .description('fire due jobs until interrupted, one log line per event on stderr')
    .option('--once', 'fire what is due now, wait for those runs, exit')
    .option('--grace <seconds>', 'a fire time found later than this is missed: its misfire policy decides (default 60)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(RunArgs, o);
      const json = ctx.json(cmd);
      const scheduler = new ScanScheduler({
        engine: (await ctx.engine(cmd)),
        shell: shellFor(ctx, cmd),
        ...(a.grace === undefined ? {} : { graceMs: a.grace * 1000 }),
        onEvent: (e) => {
          const line = json ? JSON.stringify({ at: e.at, level: e.level, what: e.what, ...e.fields }) : logLine(e);
          process.stderr.write(`${line}\n`);
        },
      });
      if (a.once === true) {
        const report = await scheduler.runOnce();
        const summary = {
          at: report.at,
          started: report.started.length,
          skipped: report.skipped.reduce((n, s) => n + s.count, 0),
          abandoned: report.abandoned.length,
        };
        if (json) printJson({ ...summary, runs: report.started.map((r) => r.run_id) });
        else {
          const { started, skipped, abandoned } = summary;
          out(`started ${started} run(s), skipped ${skipped} fire time(s), abandoned ${abandoned} run(s)`);
        }
        return;
      }
      scheduler.start();
      await new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = () => {
          signals += 1;
          // The first signal lets runs in progress finish; a second ends them (recorded failed: stopped).
          void scheduler.stop({ abort: signals > 1 }).then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
};
