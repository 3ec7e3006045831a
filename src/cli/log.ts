import type { Command } from 'commander';
import * as t from 'io-ts';
import { decodeOrThrow, type RecordedEvent } from '../events/index.js';
import type { BadEvent } from '../ports/log.js';
import { IntFromString } from './args.js';
import { out, printJson, printNdjson, type CliContext } from './context.js';
import { registerMigrate } from './migrate.js';
import { startProgress } from './progress.js';

const TailArgs = t.strict({ lines: IntFromString('a count of events (0-100000)', 0, 100_000) });

const eventLine = (e: RecordedEvent): string => {
  const data = JSON.stringify(e.data);
  return `${String(e.position).padStart(8)}  ${e.meta.recordedAt}  ${e.stream}@${e.revision}  ${e.type}  ${
    data.length > 120 ? `${data.slice(0, 117)}...` : data
  }`;
};

export const describeBad = (bad: BadEvent): string =>
  `stream ${bad.stream} (origin ${bad.origin}) revision ${bad.revision} at position ${bad.position}: ${bad.problem}`;

export const registerLog = (log: Command, ctx: CliContext): void => {
  log
    .command('stats')
    .description('count events and streams; head position and bytes on disk')
    .action(async (_options: object, cmd: Command) => {
      const log = await ctx.log(cmd);
      const stats = await log.stats();
      if (ctx.json(cmd))
        printJson({ events: stats.events, streams: stats.streams, head_position: stats.headPosition, bytes: stats.bytes, origin: log.origin, store: log.describe() });
      else
        out(
          [
            `events         ${stats.events}`,
            `streams        ${stats.streams}`,
            `head position  ${stats.headPosition}`,
            `bytes          ${stats.bytes}`,
            `origin         ${log.origin}`,
            `store          ${log.describe()}`,
          ].join('\n'),
        );
    });

  log
    .command('tail')
    .description('print the last events (NDJSON under --json); --follow keeps printing new ones')
    .option('-n, --lines <count>', 'how many events', '10')
    .option('-f, --follow', 'wait for new events (from any process) until interrupted')
    .action(async (options: { lines: string; follow?: boolean }, cmd: Command) => {
      const { lines } = decodeOrThrow(TailArgs, { lines: options.lines });
      const store = await ctx.log(cmd);
      const json = ctx.json(cmd);
      const print = (e: RecordedEvent) => (json ? printNdjson(e) : out(eventLine(e)));
      const head = await store.headPosition();
      const from = Math.max(0, head - lines);
      if (!options.follow) {
        for await (const e of store.readAll({ fromPosition: from })) print(e);
        return;
      }
      const subscription = store.subscribe({ fromPosition: from });
      const stop = () => void subscription.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      for await (const item of subscription) if (item.kind === 'event') print(item.event);
    });

  log
    .command('verify')
    .description('walk every stream: contiguous revisions, checksum chain, event schemas; then the bodies the log names (present and intact, or purged by an event); exit 1 naming the first bad event or body')
    .action(async (_options: object, cmd: Command) => {
      const store = await ctx.log(cmd);
      const json = ctx.json(cmd);
      const progress = startProgress('verify', (await store.stats()).events, !json);
      const log = await store.verify({ onProgress: (done, total) => progress.update(done, total) });
      progress.stop();
      const { verifyBodies } = await import('../engine/verify-bodies.js');
      const bodies = store.blobs === undefined ? null : await verifyBodies(store, store.blobs);
      const report = { ...log, ok: log.ok && (bodies?.ok ?? true), bodies };
      if (json) printJson(report);
      else if (report.ok)
        out(
          `log sound: ${report.events} events in ${report.streams} streams` +
            (bodies === null || bodies.referenced === 0 ? '' : `; bodies: ${bodies.referenced} named, ${bodies.present} present, ${bodies.purged} purged by events`),
        );
      else {
        for (const problem of report.problems) process.stderr.write(`stance-state: log verify: ${problem}\n`);
        if (report.firstBad !== null)
          process.stderr.write(
            `stance-state: log verify: first bad event: ${describeBad(report.firstBad)}` +
              `${report.badCount > 1 ? ` (${report.badCount} bad events in all)` : ''}\n`,
          );
        for (const m of bodies?.missing ?? [])
          process.stderr.write(`stance-state: log verify: body ${m.sha256} named by ${m.stream}@${m.revision} (position ${m.position}) is missing and no purge event accounts for it: tampering\n`);
        for (const sha of bodies?.altered ?? []) process.stderr.write(`stance-state: log verify: body ${sha} no longer hashes to its address: tampering\n`);
      }
      if (!report.ok) ctx.exitCode = 1;
    });

  registerMigrate(log, ctx);
};
