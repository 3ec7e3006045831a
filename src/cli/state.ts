import type { Command } from 'commander';
import * as t from 'io-ts';
import { StateManager, type StateChangeRecord, type StateHistoryEntry, type StateRecord, type StateTypeRecord } from '../engine/index.js';
import { DomainError } from '../errors.js';
import { decodeOrThrow, Id, Instant, JsonRecord, StateTypeName, StatusName, Text, Transition } from '../events/index.js';
import { IntFromString, optional } from './args.js';
import { out, printJson, printNdjson, type CliContext } from './context.js';
import { record, table } from './format.js';
import { jsonArgument, jsonFile } from './json-input.js';
import { printList, printRecord } from './output.js';

const Change = t.union([Transition, t.literal('rollback')], 'a transition (create, update, activate, suspend, resume, expire, delete) or rollback');
const Limit = IntFromString('a limit (1-10000)', 1, 10_000);
const RegisterArgs = t.strict({ stateId: Id, type: StateTypeName, name: optional(Text), metadata: optional(JsonRecord) });
const ListArgs = t.strict({ type: StateTypeName, status: optional(StatusName), includeDeleted: optional(t.boolean), limit: optional(Limit), after: optional(Id) });
const SearchArgs = t.strict({ type: StateTypeName, where: optional(t.array(t.string)), status: optional(StatusName), limit: optional(Limit), after: optional(Id) });
const ChangesArgs = t.strict({ transition: optional(Change), limit: optional(Limit), state: optional(Id) });
const WatchArgs = t.strict({ from: optional(IntFromString('a log position (0 or more)')), limit: optional(IntFromString('a count (1 or more)', 1)) });

const stateTable = (states: readonly StateRecord[]) =>
  table(
    ['ID', 'TYPE', 'STATUS', 'NAME', 'REVISION', 'UPDATED', 'DATA'],
    states.map((s) => [s.state_id, s.type, s.status, s.name, s.revision, s.updated_at, JSON.stringify(s.data)]),
  );

const historyTable = (entries: readonly StateHistoryEntry[]) =>
  table(
    ['REV', 'AT', 'TRANSITION', 'FROM', 'TO', 'BY', 'DATA'],
    entries.map((h) => [h.revision, h.at, h.transition === 'rollback' ? `rollback to ${h.to_revision}` : h.transition, h.from_status, h.status, h.by, JSON.stringify(h.new_data)]),
  );

const changesTable = (changes: readonly StateChangeRecord[]) =>
  table(
    ['POSITION', 'AT', 'STATE', 'TYPE', 'TRANSITION', 'FROM', 'TO', 'BY'],
    changes.map((c) => [c.position, c.at, c.state_id, c.type, c.transition, c.from_status, c.status, c.by]),
  );

const typeTable = (types: readonly StateTypeRecord[]) =>
  table(
    ['TYPE', 'BUILTIN', 'INITIAL', 'STATUSES', 'SCHEMA'],
    types.map((s) => [s.type, s.builtin ? 'yes' : 'no', s.initial, s.statuses, s.schema_version === 0 || s.schema === null ? '-' : `v${s.schema_version}`]),
  );

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The page's states, and under --json the cursor of the next page. */
const printPage = (ctx: CliContext, cmd: Command, page: { states: StateRecord[]; next: string | null }) => {
  if (ctx.json(cmd)) printJson(page);
  else {
    out(page.states.length === 0 ? '(none)' : stateTable(page.states));
    if (page.next !== null) process.stderr.write(`more: --after ${page.next}\n`);
  }
};

export const registerState = (state: Command, ctx: CliContext): void => {
  const manager = async (cmd: Command) => {
    const engine = await ctx.engine(cmd);
    return { engine, identity: ctx.actor(cmd), manager: new StateManager(engine) };
  };

  state
    .command('register <id> <data>')
    .description('register a state of a type in the status its table starts in (<data>: JSON, @file or - for stdin)')
    .requiredOption('--type <type>', 'user, transaction, subscription, feature, session, or a type defined with `state type set`')
    .option('--name <name>', 'a descriptive name')
    .option('--metadata <json>', 'a JSON object kept beside the data')
    .action(async (stateId: string, data: string, o: Record<string, unknown>, cmd: Command) => {
      const metadata = o.metadata === undefined ? undefined : await jsonArgument(o.metadata as string, 'metadata');
      const a = decodeOrThrow(RegisterArgs, { stateId, type: o.type, name: o.name, metadata });
      const d = decodeOrThrow(JsonRecord, await jsonArgument(data, 'data'), 'data');
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.register({ stateId: a.stateId, type: a.type, name: a.name, data: d, metadata: a.metadata }, { identity }));
    });

  state
    .command('get <id>')
    .description('one state (--as-of: as it stood at an instant, replayed from its events)')
    .option('--as-of <instant>', 'an ISO-8601 UTC instant with milliseconds')
    .action(async (stateId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ stateId: Id, asOf: optional(Instant) }), { stateId, asOf: o.asOf });
      const { engine } = await manager(cmd);
      const found = a.asOf === undefined ? await engine.states.get(a.stateId) : await engine.states.asOf(a.stateId, a.asOf);
      if (found === null) throw new DomainError('unknown_state', a.asOf === undefined ? `no state ${a.stateId}` : `no state ${a.stateId} as of ${a.asOf}`);
      printRecord(ctx, cmd, found);
    });

  state
    .command('update <id> [data]')
    .description('change a state by a transition its table allows (default update); <data> (JSON, @file or -) replaces its data')
    .option('--transition <transition>', 'update, activate, suspend, resume, expire or delete')
    .option('--metadata <json>', 'replaces the metadata')
    .action(async (stateId: string, data: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ stateId: Id, transition: optional(Transition) }), { stateId, transition: o.transition });
      const d = data === undefined ? undefined : decodeOrThrow(JsonRecord, await jsonArgument(data, 'data'), 'data');
      const m = o.metadata === undefined ? undefined : decodeOrThrow(JsonRecord, await jsonArgument(o.metadata as string, 'metadata'), 'metadata');
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.change(a.stateId, { transition: a.transition, data: d, metadata: m }, { identity }));
    });

  state
    .command('list')
    .description('states of a type, by id (deleted ones with --include-deleted)')
    .requiredOption('--type <type>', 'the type')
    .option('--status <status>', 'only states in this status')
    .option('--include-deleted', 'list deleted states too')
    .option('--limit <n>', 'page size (default 100)')
    .option('--after <id>', 'continue after this state id (the last of the previous page)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(ListArgs, o);
      const { engine } = await manager(cmd);
      printPage(ctx, cmd, await engine.states.list({ type: a.type, status: a.status, includeDeleted: a.includeDeleted, limit: a.limit, after: a.after }));
    });

  state
    .command('search')
    .description('states of a type whose data meets every --where: data.<path><op><value>, op one of = != < <= > >=')
    .requiredOption('--type <type>', 'the type')
    .option('--where <condition>', 'data.status=active, data.amount>100, data.owner.team!="a b" (repeat: all must hold)', collect)
    .option('--status <status>', 'only states in this status')
    .option('--limit <n>', 'page size (default 100)')
    .option('--after <id>', 'continue after this state id')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(SearchArgs, o);
      const { engine } = await manager(cmd);
      printPage(ctx, cmd, await engine.states.search({ type: a.type, where: a.where, status: a.status, limit: a.limit, after: a.after }));
    });

  state
    .command('history <id>')
    .description('every change of a state, oldest first: when, transition, who, data before and after (from the log)')
    .action(async (stateId: string, _o: object, cmd: Command) => {
      const id = decodeOrThrow(Id, stateId, 'id');
      const { engine } = await manager(cmd);
      printList(ctx, cmd, await engine.states.history(id), historyTable);
    });

  state
    .command('changes')
    .description('recent changes across states, newest first')
    .option('--transition <transition>', 'only this transition (or rollback)')
    .option('--state <id>', 'only this state')
    .option('--limit <n>', 'how many (default 20)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(ChangesArgs, o);
      const { engine } = await manager(cmd);
      printList(ctx, cmd, await engine.states.changes({ transition: a.transition, stateId: a.state, limit: a.limit }), changesTable);
    });

  state
    .command('rollback <id>')
    .description('restore the data a state had at an earlier revision, by a new event (the status stays)')
    .requiredOption('--to <revision>', 'the revision (see `state history`)')
    .action(async (stateId: string, o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(t.strict({ stateId: Id, to: IntFromString('a revision (0 or more)') }), { stateId, to: o.to });
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.rollback(a.stateId, a.to, { identity }));
    });

  const schema = state.command('schema').description('the JSON Schema a type’s data must satisfy (recorded as events: every process enforces it)');
  schema
    .command('set <type> <file>')
    .description('set the type’s JSON Schema from a file (- for stdin); checked by ajv first')
    .action(async (type: string, file: string, _o: object, cmd: Command) => {
      const name = decodeOrThrow(StateTypeName, type, 'type');
      const body = await jsonFile(file, 'schema', 64);
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.setSchema(name, body, identity));
    });
  schema
    .command('clear <type>')
    .description('remove the type’s JSON Schema (a new version with none)')
    .action(async (type: string, _o: object, cmd: Command) => {
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.setSchema(decodeOrThrow(StateTypeName, type, 'type'), null, identity));
    });
  schema
    .command('get <type>')
    .description('the type’s JSON Schema and its version')
    .action(async (type: string, _o: object, cmd: Command) => {
      const { engine } = await manager(cmd);
      const found = await engine.states.getType(decodeOrThrow(StateTypeName, type, 'type'));
      if (ctx.json(cmd)) printJson({ type: found.type, version: found.schema_version, schema: found.schema });
      else out(found.schema === null ? `${found.type}: no schema` : `${found.type} schema v${found.schema_version}\n${JSON.stringify(found.schema, null, 2)}`);
    });

  const type = state.command('type').description('state types: the five built in, and the deployment’s own');
  type
    .command('set <type> <file>')
    .description('define (or redefine) a type by its transition table: {"initial": s, "transitions": {"activate": {from: to}, …}}')
    .action(async (name: string, file: string, _o: object, cmd: Command) => {
      const table = await jsonFile(file, 'table', 16);
      const { engine, identity } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.defineType(decodeOrThrow(StateTypeName, name, 'type'), table, identity));
    });
  type
    .command('list')
    .description('every type')
    .action(async (_o: object, cmd: Command) => {
      const { engine } = await manager(cmd);
      printList(ctx, cmd, await engine.states.listTypes(), typeTable);
    });
  type
    .command('get <type>')
    .description('one type: its table, statuses and schema')
    .action(async (name: string, _o: object, cmd: Command) => {
      const { engine } = await manager(cmd);
      printRecord(ctx, cmd, await engine.states.getType(decodeOrThrow(StateTypeName, name, 'type')));
    });

  state
    .command('watch')
    .description('stream changes as NDJSON, live, from now (or --from a log position) until interrupted (or --limit)')
    .option('--from <position>', 'start after this log position (0: from the first change)')
    .option('--limit <n>', 'stop after this many changes')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const a = decodeOrThrow(WatchArgs, o);
      const { engine } = await manager(cmd);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let n = 0;
      try {
        const from = a.from ?? (await engine.backend.log.headPosition());
        for await (const change of engine.watchStates({ fromPosition: from, signal: stop.signal })) {
          printNdjson(change);
          n += 1;
          if (a.limit !== undefined && n >= a.limit) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  state
    .command('health')
    .description('status, state count, projection lag, consumers (exit 1 when degraded)')
    .action(async (_o: object, cmd: Command) => {
      const { manager: m } = await manager(cmd);
      const health = await m.getHealthStatus();
      if (ctx.json(cmd)) printJson(health);
      else {
        const { consumers, states_by_type, reasons, ...rest } = health;
        out(record({ ...rest, states_by_type: Object.entries(states_by_type).map(([k, v]) => `${k}=${v}`), reasons }));
        if (consumers.length > 0)
          out(`\n${table(['CONSUMER', 'HOLDER', 'FENCE', 'POSITION', 'LAG', 'DEAD'], consumers.map((c) => [c.name, c.holder, c.fence, c.position, c.lag, c.dead_letters]))}`);
      }
      if (health.status !== 'healthy') ctx.exitCode = 1;
    });
};
