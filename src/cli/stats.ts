import type { Command } from 'commander';
import type { FindingStats } from '../engine/index.js';
import { out, printJson, type CliContext } from './context.js';

const severityOrder = ['critical', 'high', 'medium', 'low', 'informational', 'unknown'] as const;

export const statsText = (s: FindingStats): string =>
  [
    `total findings   ${s.total}`,
    `open             ${s.open} (new ${s.new}, recurring ${s.recurring}, reopened ${s.reopened})`,
    `resolved         ${s.resolved}`,
    `suppressed       ${s.suppressed}`,
    `false positive   ${s.false_positive}`,
    `sightings        ${s.sightings}`,
    `resolutions      ${s.resolutions}`,
    `mean time to resolve  ${s.mean_time_to_resolve_seconds === null ? '-' : `${(s.mean_time_to_resolve_seconds / 86_400).toFixed(2)} days`}`,
    `SLA breached     ${s.breached}`,
    '',
    'SEVERITY       TOTAL    OPEN  BREACHED',
    ...severityOrder.map((name) => {
      const v = s.by_severity[name];
      return `${name.padEnd(13)} ${String(v.total).padStart(6)} ${String(v.open).padStart(7)} ${String(v.breached).padStart(9)}`;
    }),
  ].join('\n');

export const registerStats = (stats: Command, ctx: CliContext): void => {
  stats.action(async (_o: object, cmd: Command) => {
      const stats = await (await ctx.engine(cmd)).getFindingStats();
      if (ctx.json(cmd)) printJson(stats);
      else out(statsText(stats));
    });
};
