import type { Command } from 'commander';
import * as t from 'io-ts';
import { decodeOrThrow, IntFromString } from '../events/index.js';
import { out, printJson, type CliContext } from './context.js';

const MaxDays = t.union([t.literal('none'), IntFromString('a number of days (1-3650) or none', 1, 3650)], 'a number of days (1-3650) or none');

const text = (maxDays: number | null) =>
  `suppression-max-days  ${maxDays === null ? 'none (a reason is required; an end date is optional)' : `${maxDays} (a reason and an end date at most ${maxDays} days ahead are required)`}`;

export const registerPolicy = (policy: Command, ctx: CliContext): void => {

  policy
    .command('show')
    .description('the policies in force')
    .action(async (_o: object, cmd: Command) => {
      const p = await (await ctx.engine(cmd)).access.suppressionPolicy();
      if (ctx.json(cmd)) printJson({ suppression_max_days: p.maxDays });
      else out(text(p.maxDays));
    });

  policy
    .command('set')
    .description('change a policy; the change is an event in the log, with who made it')
    .requiredOption('--suppression-max-days <n|none>', 'the longest a risk may be accepted for; none: no limit')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const days = decodeOrThrow(MaxDays, o.suppressionMaxDays, 'suppression-max-days');
      const p = await (await ctx.engine(cmd)).access.setSuppressionPolicy(days === 'none' ? null : days, ctx.actor(cmd));
      if (ctx.json(cmd)) printJson({ suppression_max_days: p.maxDays });
      else out(text(p.maxDays));
    });
};
