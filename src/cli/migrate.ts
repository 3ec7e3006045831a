import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import * as t from 'io-ts';
import { InvalidInput } from '../errors.js';
import { decodeOrThrow } from '../events/index.js';
import type { CopyProgress, CopyVerifyReport } from '../engine/migrate.js';
import { IntFromString } from './args.js';
import { ensureDirectory, out, printJson, printNdjson, type CliContext } from './context.js';
import { describeBad } from './log.js';
import { startProgress } from './progress.js';

const MigrateArgs = t.strict({ batchSize: IntFromString('a count of events per transaction (1-100000)', 1, 100_000) });

/** How often, at most, `--json` reports progress on stderr, and how often `--follow` looks at the source's head. */
const progressEveryMs = 250;
const pollMs = 100;

const verifyJson = (v: CopyVerifyReport) => ({
  ok: v.ok,
  position: v.position,
  chain: { ok: v.chain.ok, events: v.chain.events, streams: v.chain.streams, first_bad: v.chain.firstBad, bad_count: v.chain.badCount, problems: v.chain.problems },
  bodies: { ok: v.bodies.ok, referenced: v.bodies.referenced, present: v.bodies.present, purged: v.bodies.purged, missing: v.bodies.missing, altered: v.bodies.altered },
  counts: v.counts,
  entities: { ok: v.entities.ok, checked: v.entities.checked, differing: v.entities.differing, differing_count: v.entities.differingCount },
  access_audit: { ok: v.audit.ok, rows: v.audit.rows, differing: v.audit.differing, differing_count: v.audit.differingCount },
});

/**
 * `log migrate --to <url> [--follow]`: copies the whole log of the store (`--store` / `--data`) into another store,
 * row for row (ids, streams, revisions, positions, origins, recordedAt, schemas, data text, checksums: nothing is
 * upcast or re-signed), with what lives beside it (clock, bodies, consumers, conflict policy, write schemas, access
 * audit), builds the target's read models with its own projector, and verifies the copy. A run that was stopped or killed continues
 * where it stopped; with `--follow` it keeps copying what writers append until SIGINT or SIGTERM, then finishes.
 */
export const registerMigrate = (log: Command, ctx: CliContext): void => {
  log
    .command('migrate')
    .description('copy the whole log verbatim into another store (SQLite or PostgreSQL), then verify the copy; resumable; --follow keeps copying until SIGINT/SIGTERM')
    .option('--to <store-url>', 'the store to copy into: sqlite:<path> or postgres://user@host:port/db?schema=name; empty, or a partial copy of this one')
    .option('-f, --follow', 'after catching up, keep copying what is appended until SIGINT/SIGTERM, then finish and verify')
    .option('--batch-size <events>', 'events copied per transaction', '2000')
    .action(async (options: { to?: string; follow?: boolean; batchSize: string }, cmd: Command) => {
      const { batchSize } = decodeOrThrow(MigrateArgs, { batchSize: options.batchSize });
      const json = ctx.json(cmd);
      const sourceUrl = ctx.storeUrl(cmd);
      const sourceField = ctx.globals(cmd).store !== undefined || ctx.env.STANCE_STATE_STORE ? '--store' : '--data';
      const { openLogCopy, openMigrationEnd, storeIdentity } = await import('../open.js');
      if (options.to === undefined || options.to === '') throw new InvalidInput('--to', options.to, 'the store to copy into: sqlite:<path> or postgres://user@host:port/db?schema=name');
      const targetId = storeIdentity('--to', options.to, ctx.env);
      const sourceId = storeIdentity(sourceField, sourceUrl, ctx.env);
      if (targetId === sourceId) throw new InvalidInput('--to', targetId, `another store than the one copied from (${sourceField})`);
      // Opening a file that does not exist would create an empty log to copy from: a typo, not a migration.
      if (sourceId.startsWith('sqlite:') && !existsSync(sourceId.slice('sqlite:'.length)))
        throw new InvalidInput(sourceField, sourceId.slice('sqlite:'.length), 'an existing log to copy from');
      if (targetId.startsWith('sqlite:')) ensureDirectory('--to', dirname(targetId.slice('sqlite:'.length)));
      const migrate = await import('../engine/migrate.js');
      const started = Date.now();
      const source = await openMigrationEnd(sourceUrl, { env: ctx.env });
      try {
        const origin = source.backend.origin;
        // The target is checked through its log alone (nothing projected or rebuilt) before anything is written.
        const raw = await openLogCopy(options.to, { env: ctx.env, origin });
        let resumedFrom: number;
        try {
          if (await migrate.sameStore(source.copy, raw.copy))
            throw new InvalidInput('--to', targetId, `another store than the one copied from (${sourceField} names this same store by another address)`);
          resumedFrom = await migrate.checkTarget(source.copy, origin, raw.copy, raw.origin);
        } finally {
          await raw.close();
        }
        const target = await openMigrationEnd(options.to, { env: ctx.env, origin });
        try {
          // An empty store made under another name takes the source's (nothing was written under its own).
          if (target.backend.origin !== origin) await target.backend.renameOrigin(origin);
          const copyStarted = Date.now();
          const bar = startProgress('migrate', await source.copy.headPosition(), !json);
          let lastReport = 0;
          const onProgress = (p: CopyProgress) => {
            bar.update(p.position, Math.max(p.head, p.position));
            if (json && (lastReport === 0 || Date.now() - lastReport >= progressEveryMs)) {
              lastReport = Date.now();
              process.stderr.write(`${JSON.stringify({ kind: 'progress', copied: p.copied, position: p.position, head: p.head })}\n`);
            }
          };
          let { position, copied } = await migrate.copyPass(source.copy, target.copy, resumedFrom, 0, { batchSize, onProgress });
          let beside = await migrate.copyBeside(source, target);
          let refusals = beside.refusals;
          bar.stop();
          if (options.follow === true) {
            let stopping = false;
            let wake: (() => void) | null = null;
            const stop = () => {
              stopping = true;
              wake?.();
            };
            process.once('SIGINT', stop);
            process.once('SIGTERM', stop);
            const caughtUp = () =>
              json
                ? printNdjson({ kind: 'caught_up', position, copied, at: new Date().toISOString() })
                : out(`${new Date().toISOString()} info caught up position=${position} copied=${copied}`);
            // The target's read models follow each catch-up, so what is left to project after the stop is the tail.
            await migrate.project(source, target);
            caughtUp();
            try {
              while (!stopping) {
                await new Promise<void>((resolve) => {
                  const timer = setTimeout(resolve, pollMs);
                  wake = () => {
                    clearTimeout(timer);
                    resolve();
                  };
                });
                wake = null;
                if (stopping || (await source.copy.headPosition()) <= position) continue;
                ({ position, copied } = await migrate.copyPass(source.copy, target.copy, position, copied, { batchSize, onProgress }));
                beside = await migrate.copyBeside(source, target);
                refusals += beside.refusals;
                await migrate.project(source, target);
                caughtUp();
              }
            } finally {
              process.off('SIGINT', stop);
              process.off('SIGTERM', stop);
            }
            // What writers appended between the last pass and the stop.
            ({ position, copied } = await migrate.copyPass(source.copy, target.copy, position, copied, { batchSize, onProgress }));
            beside = await migrate.copyBeside(source, target);
            refusals += beside.refusals;
          }
          // The copy alone (passes and what lives beside the log), without opening the stores, projecting or verifying.
          const copySeconds = (Date.now() - copyStarted) / 1000;
          await migrate.project(source, target);
          const verify = await migrate.verifyCopy(source, target, position, beside.auditUpTo);
          const seconds = (Date.now() - started) / 1000;
          const summary = {
            source: source.backend.description,
            target: target.backend.description,
            origin,
            events_copied: copied,
            resumed_after: resumedFrom,
            position,
            events: verify.counts.events,
            streams: verify.counts.streams,
            bodies_copied: beside.bodies,
            consumers: beside.consumers,
            access_audit_copied: refusals,
            seconds,
            copy_seconds: copySeconds,
            events_per_second: copySeconds > 0 ? Math.round(copied / copySeconds) : null,
            verify: verifyJson(verify),
          };
          if (json && options.follow === true) printNdjson({ kind: 'summary', ...summary });
          else if (json) printJson(summary);
          else {
            out(
              `copied ${copied} events${resumedFrom > 0 ? ` (resumed after position ${resumedFrom})` : ''} from ${summary.source} into ${summary.target} in ${seconds.toFixed(1)} s; ` +
                `${verify.counts.events} events in ${verify.counts.streams} streams up to position ${position}`,
            );
            if (verify.ok)
              out(
                `verified: chain sound, counts per stream equal, ${verify.entities.checked} entities equal to the source's folds, ` +
                  `${verify.bodies.present} bodies present, ${verify.audit.rows} access-audit rows equal`,
              );
          }
          if (!verify.ok) {
            if (!json) {
              for (const problem of verify.chain.problems) process.stderr.write(`stance-state: log migrate: target: ${problem}\n`);
              if (verify.chain.firstBad !== null) process.stderr.write(`stance-state: log migrate: target's first bad event: ${describeBad(verify.chain.firstBad)}\n`);
              for (const m of verify.bodies.missing) process.stderr.write(`stance-state: log migrate: target lacks body ${m.sha256} named by ${m.stream}@${m.revision}\n`);
              for (const d of verify.counts.differing) process.stderr.write(`stance-state: log migrate: events differ: ${d}\n`);
              for (const s of verify.entities.differing) process.stderr.write(`stance-state: log migrate: state differs from the source's fold: ${s}\n`);
              for (const seq of verify.audit.differing) process.stderr.write(`stance-state: log migrate: access-audit row ${seq} differs from the source's\n`);
            }
            ctx.exitCode = 1;
          }
        } finally {
          await target.backend.close();
        }
      } finally {
        await source.backend.close();
      }
    });
};
