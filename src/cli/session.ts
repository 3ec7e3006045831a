import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import * as t from 'io-ts';
import type { SessionCheckpointRecord, SessionRecord } from '../engine/index.js';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id } from '../events/index.js';
import { IntFromString, optional } from './args.js';
import { out, printJson, type CliContext } from './context.js';
import { record, table } from './format.js';
import { jsonFile } from './json-input.js';
import { printList, printRecord } from './output.js';

const Fence = IntFromString('a fencing number (0 or more)');
const LeaseSeconds = IntFromString('seconds (1-604800)', 1, 604_800);
const WriteArgs = t.strict({ id: Id, fence: optional(Fence) });

const sessionTable = (sessions: readonly SessionRecord[]) =>
  table(
    ['ID', 'STATUS', 'OWNER', 'FENCE', 'LEASE UNTIL', 'CHECKPOINTS', 'SIZE', 'STORED', 'UPDATED'],
    sessions.map((s) => [s.session_id, s.status, s.owner, s.fence, s.lease_until, s.checkpoints, s.size, s.stored, s.updated_at]),
  );

const checkpointTable = (checkpoints: readonly SessionCheckpointRecord[]) =>
  table(
    ['CHECKPOINT', 'SEQ', 'BRANCH', 'SIZE', 'STORED', 'CREATED'],
    checkpoints.map((c) => [c.checkpoint_id, c.seq, c.branch, c.size, c.stored, c.created_at]),
  );

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

export const registerSession = (session: Command, ctx: CliContext): void => {
  /** Who holds a session the CLI claims: the acting person on this host (a CLI process itself ends at once). */
  const ownerOf = (cmd: Command, given: unknown) => (given === undefined ? `${ctx.actor(cmd).name}@${hostname()}` : decodeOrThrow(Id, given, 'owner'));
  const leaseMs = (given: unknown) => (given === undefined ? undefined : decodeOrThrow(LeaseSeconds, given, 'lease-seconds') * 1000);

  session
    .command('save <id> <file>')
    .description('save a session’s whole JSON document (<file> or - for stdin); --fence while you hold it')
    .option('--fence <n>', 'your fencing number (from session claim or resume)')
    .action(async (id: string, file: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(WriteArgs, { id, fence: o.fence });
      const document = await jsonFile(file, 'document');
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).sessions.save(a.id, document, { fence: a.fence, identity: ctx.actor(cmd) }));
    });

  session
    .command('load <id>')
    .description('print a session’s current document (or write it to --output)')
    .option('--output <file>', 'write the document here instead of stdout')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const sid = decodeOrThrow(Id, id, 'id');
      const loaded = await (await ctx.engine(cmd)).sessions.load(sid);
      if (loaded === null) throw new DomainError('unknown_session', `no session ${sid}`);
      const text = `${JSON.stringify(loaded.document, null, ctx.json(cmd) ? 0 : 2)}\n`;
      if (typeof o.output === 'string') await writeFile(o.output, text, { mode: 0o600 });
      else out(text);
    });

  session
    .command('show <id>')
    .description('one session: status, holder, fence, checkpoints, sizes')
    .action(async (id: string, _o: object, cmd: Command) => {
      const sid = decodeOrThrow(Id, id, 'id');
      const found = await (await ctx.engine(cmd)).sessions.get(sid);
      if (found === null) throw new DomainError('unknown_session', `no session ${sid}`);
      printRecord(ctx, cmd, found);
    });

  session
    .command('list')
    .description('sessions, most recently changed first')
    .option('--status <status>', 'active or paused')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const status = o.status === undefined ? undefined : decodeOrThrow(t.keyof({ active: null, paused: null }, 'active or paused'), o.status, 'status');
      printList(ctx, cmd, await (await ctx.engine(cmd)).sessions.list({ status }), sessionTable);
    });

  const checkpoint = session.command('checkpoint').description('checkpoints of a session: create, restore, list, cleanup');
  checkpoint
    .command('create <session> <file>')
    .description('checkpoint a document (<file> or -); prints the checkpoint id')
    .option('--branch <branch>', 'the branch it belongs to')
    .option('--fence <n>', 'your fencing number, while you hold the session')
    .action(async (sessionId: string, file: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ id: Id, fence: optional(Fence), branch: optional(Id) }), { id: sessionId, fence: o.fence, branch: o.branch });
      const document = await jsonFile(file, 'document');
      const created = await (await ctx.engine(cmd)).sessions.createCheckpoint(a.id, document, { branch: a.branch, fence: a.fence, identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(created);
      else out(created.checkpoint_id);
    });
  checkpoint
    .command('restore <checkpointId>')
    .description('make a checkpoint’s document the session’s current one (recorded as an event)')
    .option('--fence <n>', 'your fencing number, while you hold the session')
    .action(async (checkpointId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ id: Id, fence: optional(Fence) }), { id: checkpointId, fence: o.fence });
      const restored = await (await ctx.engine(cmd)).sessions.restoreCheckpoint(a.id, { fence: a.fence, identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(restored);
      else out(record({ ...restored.session, restored_checkpoint: restored.checkpoint.checkpoint_id }));
    });
  checkpoint
    .command('list <session>')
    .description('a session’s checkpoints, newest first')
    .action(async (sessionId: string, _o: object, cmd: Command) => {
      printList(ctx, cmd, await (await ctx.engine(cmd)).sessions.listCheckpoints(decodeOrThrow(Id, sessionId, 'session')), checkpointTable);
    });
  checkpoint
    .command('cleanup <session>')
    .description('keep the newest N checkpoints; bodies nothing else names are purged (each purge an event)')
    .requiredOption('--keep-last <n>', 'how many to keep (0 or more)')
    .action(async (sessionId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ id: Id, keepLast: IntFromString('a count (0 or more)') }), { id: sessionId, keepLast: o.keepLast });
      const result = await (await ctx.engine(cmd)).sessions.cleanupCheckpoints(a.id, a.keepLast, ctx.actor(cmd));
      if (ctx.json(cmd)) printJson(result);
      else out(`removed ${result.removed.length} checkpoints, purged ${result.purged.length} bodies`);
    });

  session
    .command('pause <id>')
    .description('pause: checkpoint the current document (or --file, saved first), status paused, hold released')
    .option('--file <file>', 'save this document first (- for stdin)')
    .option('--fence <n>', 'your fencing number, while you hold the session')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(WriteArgs, { id, fence: o.fence });
      const document = typeof o.file === 'string' ? await jsonFile(o.file, 'file') : undefined;
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).sessions.pause(a.id, { fence: a.fence, identity: ctx.actor(cmd), ...(document === undefined ? {} : { document }) }));
    });

  session
    .command('resume <id>')
    .description('resume a paused session from its latest checkpoint, held by you: prints the fence your writes carry')
    .option('--owner <name>', 'who holds it (default: you@this host)')
    .option('--lease-seconds <s>', 'how long the hold lasts unless renewed (default 60)')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const sid = decodeOrThrow(Id, id, 'id');
      const resumed = await (await ctx.engine(cmd)).sessions.resume(sid, { owner: ownerOf(cmd, o.owner), leaseMs: leaseMs(o.leaseSeconds), identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(resumed);
      else out(record({ ...resumed.session, document: resumed.document === null ? null : `${JSON.stringify(resumed.document).length} bytes (session load ${sid})` }));
    });

  session
    .command('claim <id>')
    .description('hold a session (nobody else writes to it until released or its lease runs out): prints your fence')
    .option('--owner <name>', 'who holds it (default: you@this host)')
    .option('--lease-seconds <s>', 'how long the hold lasts unless renewed (default 60)')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const held = await (await ctx.engine(cmd)).sessions.claim(decodeOrThrow(Id, id, 'id'), { owner: ownerOf(cmd, o.owner), leaseMs: leaseMs(o.leaseSeconds), identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(held);
      else out(record({ session_id: held.session.session_id, owner: held.session.owner, fence: held.fence, lease_until: held.lease_until }));
    });

  session
    .command('renew <id>')
    .description('extend your hold')
    .requiredOption('--fence <n>', 'your fencing number')
    .option('--lease-seconds <s>', 'from now (default 60)')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ id: Id, fence: Fence }), { id, fence: o.fence });
      const held = await (await ctx.engine(cmd)).sessions.renew(a.id, a.fence, { leaseMs: leaseMs(o.leaseSeconds), identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(held);
      else out(record({ session_id: held.session.session_id, fence: held.fence, lease_until: held.lease_until }));
    });

  session
    .command('release <id>')
    .description('let go of your hold')
    .requiredOption('--fence <n>', 'your fencing number')
    .action(async (id: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ id: Id, fence: Fence }), { id, fence: o.fence });
      printRecord(ctx, cmd, await (await ctx.engine(cmd)).sessions.release(a.id, a.fence, ctx.actor(cmd)));
    });

  session
    .command('recover')
    .description('sessions whose holder’s lease ran out (a dead process): restored to their latest checkpoint, paused, old holder fenced')
    .action(async (_o: object, cmd: Command) => {
      const recovered = await (await ctx.engine(cmd)).sessions.recover(ctx.actor(cmd));
      if (ctx.json(cmd)) printJson(recovered);
      else out(recovered.length === 0 ? 'nothing to recover' : sessionTable(recovered));
    });

  session
    .command('cleanup')
    .description('delete sessions untouched for some days (keeping the newest --keep-last and any held); purge their bodies')
    .requiredOption('--older-than-days <d>', 'days without a change')
    .option('--keep-last <n>', 'keep this many of the most recently changed, whatever their age (default 0)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ olderThanDays: IntFromString('days (0-36500)', 0, 36_500), keepLast: optional(IntFromString('a count (0 or more)')) }), o);
      const result = await (await ctx.engine(cmd)).sessions.cleanupOld({ olderThanDays: a.olderThanDays, keepLast: a.keepLast, identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(result);
      else out(`deleted ${result.deleted.length} sessions, purged ${result.purged.length} bodies`);
    });

  session
    .command('stats')
    .description('sessions, checkpoints, bytes as JSON and as stored, the blob store and the file')
    .action(async (_o: object, cmd: Command) => {
      const stats = await (await ctx.engine(cmd)).sessions.stats();
      if (ctx.json(cmd)) printJson(stats);
      else
        out(
          record({
            sessions: stats.session_count,
            checkpoints: stats.checkpoint_count,
            bytes_raw: bytes(stats.bytes_raw),
            bytes_stored: bytes(stats.bytes_stored),
            blobs: `${stats.blobs.count} (${bytes(stats.blobs.bytes)})`,
            store: stats.store_bytes === null ? null : bytes(stats.store_bytes),
          }),
        );
    });
};

/** `store vacuum`: unreferenced bodies purged (each by an event), then the storage's free space given back. */
export const registerStore = (store: Command, ctx: CliContext): void => {
  store
    .command('vacuum')
    .description('purge bodies nothing names (older than --grace-minutes, default 15) and give free space back to the system')
    .option('--grace-minutes <m>', 'leave younger unreferenced bodies alone (a write elsewhere may not have committed yet)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const grace = o.graceMinutes === undefined ? undefined : decodeOrThrow(IntFromString('minutes (0-100000)', 0, 100_000), o.graceMinutes, 'grace-minutes') * 60_000;
      const report = await (await ctx.engine(cmd)).sessions.vacuum({ graceMs: grace, identity: ctx.actor(cmd) });
      if (ctx.json(cmd)) printJson(report);
      else out(`purged ${report.purged.length} unreferenced bodies; store ${bytes(report.before)} -> ${bytes(report.after)}`);
    });
};


