import type { Command } from 'commander';
import * as t from 'io-ts';
import type { SlaPolicy } from '../domain/index.js';
import { slaPolicyRecord } from '../engine/index.js';
import { decodeOrThrow, IntFromString } from '../events/index.js';
import { optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';

const Days = IntFromString('whole days (1-3650)', 1, 3650);
const SetArgs = t.strict({
  critical: optional(Days),
  high: optional(Days),
  medium: optional(Days),
  low: optional(Days),
  restartOnReopen: optional(t.boolean),
});

const days = (n: number) => `${n} ${n === 1 ? 'day' : 'days'}`;
const text = (p: SlaPolicy) =>
  [
    `critical       ${days(p.critical)}`,
    `high           ${days(p.high)}`,
    `medium         ${days(p.medium)}`,
    `low            ${days(p.low)}`,
    'informational  no deadline',
    `clock          ${p.restartOnReopen ? 'restarts when a resolved finding reopens' : 'runs from the first sighting (reopening does not restart it)'}`,
  ].join('\n');

export const registerSla = (sla: Command, ctx: CliContext): void => {
  const policy = sla.command('policy').description('days to remediate per severity: each open finding is due that long after its clock starts');

  policy
    .command('show')
    .description('the SLA policy in force (defaults: 7, 30, 90, 120 days; no restart on reopen)')
    .action(async (_o: object, cmd: Command) => {
      const p = await (await ctx.engine(cmd)).sla.policy();
      if (ctx.json(cmd)) printJson(slaPolicyRecord(p));
      else out(text(p));
    });

  policy
    .command('set')
    .description('change the SLA policy (an event in the log, with who made it); severities not given keep their days')
    .option('--critical <days>', 'days to remediate a critical finding')
    .option('--high <days>', 'days to remediate a high finding')
    .option('--medium <days>', 'days to remediate a medium finding')
    .option('--low <days>', 'days to remediate a low finding')
    .option('--restart-on-reopen', 'a resolved finding seen again starts its clock again')
    .option('--no-restart-on-reopen', 'the clock runs from the first sighting, reopened or not')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(SetArgs, o);
      const p = await (await ctx.engine(cmd)).sla.setPolicy(a, ctx.actor(cmd));
      if (ctx.json(cmd)) printJson(slaPolicyRecord(p));
      else out(text(p));
    });
};
