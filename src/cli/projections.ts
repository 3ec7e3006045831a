import type { Command } from 'commander';
import * as t from 'io-ts';
import { decodeOrThrow, Id } from '../events/index.js';
import { optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { table } from './format.js';
import { printList } from './output.js';
import { startProgress, type Progress } from './progress.js';

export const registerProjections = (projections: Command, ctx: CliContext): void => {
  projections
    .command('status')
    .description('each projection: name, version, log position, rows')
    .action(async (_o: object, cmd: Command) => {
      const status = await (await ctx.engine(cmd)).projectionStatus();
      printList(ctx, cmd, status, (items) => table(['NAME', 'VERSION', 'POSITION', 'ROWS'], items.map((s) => [s.name, s.version, s.position, s.rows])));
    });

  projections
    .command('rebuild [name]')
    .description('rebuild one projection (or all) from the log into shadow tables, then swap them in')
    .action(async (name: string | undefined, _o: object, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ name: optional(Id) }), { name });
      const engine = (await ctx.engine(cmd));
      const bars = new Map<string, Progress>();
      const started = Date.now();
      const applied = await engine.rebuildProjections(a.name, (p, done, total) => {
        let bar = bars.get(p);
        if (bar === undefined) bars.set(p, (bar = startProgress(`rebuild ${p}`, total, !ctx.json(cmd))));
        bar.update(done, total);
      });
      for (const bar of bars.values()) bar.stop();
      const seconds = (Date.now() - started) / 1000;
      const rebuilt = a.name === undefined ? engine.projectionNames() : [a.name];
      if (ctx.json(cmd)) printJson({ rebuilt, events: applied, seconds });
      else out(`rebuilt ${rebuilt.join(', ')} from ${applied} events in ${seconds.toFixed(1)} s`);
    });
};
