import type { StateTypeRow } from '../../projections/index.js';
import { builtinTables, builtinTypes, fold, statusesOf, stateTypeDecider, stateTypeStreamOf, type Identity, type StateType } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import {
  asDomainEvent,
  decodeOrThrow,
  JsonRecord,
  StateTypeName,
  TransitionTable,
  type RecordedEvent,
  type TransitionTable as Table,
} from '../events/index.js';
import { metaOf } from './actor.js';
import { now, type Core } from './core.js';
import { decideFromLog } from './decide.js';
import { schemaSha256, validatorOf } from './schemas.js';

/** A type as listed and shown. */
export interface StateTypeRecord {
  readonly type: string;
  readonly builtin: boolean;
  readonly initial: string;
  readonly transitions: Table['transitions'];
  readonly statuses: readonly string[];
  readonly schema: JsonRecord | null;
  readonly schema_version: number;
  readonly schema_sha256: string | null;
  readonly defined_at: string | null;
}

const recordOf = (s: StateType): StateTypeRecord => ({
  type: s.type,
  builtin: s.builtin,
  initial: s.table.initial,
  transitions: s.table.transitions,
  statuses: statusesOf(s.table),
  schema: s.schema?.schema ?? null,
  schema_version: s.schema?.version ?? 0,
  schema_sha256: s.schema?.sha256 ?? null,
  defined_at: s.definedAt,
});

/**
 * A type as a decision needs it: folded from its stream in the log (a handful of events), so every process decides
 * with the table and schema version the log holds, whatever its read models say.
 */
export const loadStateType = async (core: Core, type: string): Promise<StateType | null> => {
  const events: RecordedEvent[] = [];
  for await (const e of core.backend.log.readStream(stateTypeStreamOf(type))) events.push(e);
  return fold(stateTypeDecider(type), events.map((e) => asDomainEvent(e) as Parameters<ReturnType<typeof stateTypeDecider>['evolve']>[1]));
};

export const requireStateType = async (core: Core, type: string): Promise<StateType> => {
  const loaded = await loadStateType(core, type);
  if (loaded === null) throw new DomainError('unknown_state_type', `no state type ${type} (built in: ${builtinTypes.join(', ')}; define others first)`);
  return loaded;
};

/** Only the six transitions besides create: a misspelt one (`suspnd`) is refused, not kept and never used. */
const checkTable = (table: { transitions: object }): void => {
  for (const [key, value] of Object.entries(table.transitions))
    if (!['update', 'activate', 'suspend', 'resume', 'expire', 'delete'].includes(key))
      throw new InvalidInput(`table.transitions.${key}`, value, 'one of update, activate, suspend, resume, expire, delete (create is `initial`)');
};

/** Defines (or redefines) a deployment's type by its transition table; a built-in type's table is fixed. */
export const defineStateType = async (core: Core, type: string, table: unknown, identity?: Identity): Promise<StateTypeRecord> => {
  const name = decodeOrThrow(StateTypeName, type, 'type');
  if (typeof table === 'object' && table !== null && typeof (table as { transitions?: unknown }).transitions === 'object')
    checkTable(table as { transitions: object });
  const t = decodeOrThrow(TransitionTable, table, 'table');
  const state = await decideFromLog(core, stateTypeStreamOf(name), stateTypeDecider(name), { type: 'DefineStateType', data: { type: name, table: t, at: now(core) } }, metaOf(identity));
  return recordOf(state as StateType);
};

/**
 * Sets the JSON Schema a type's data must satisfy from now on (null clears it). It is compiled first, so a schema
 * ajv refuses is bad input and nothing is recorded; the event carries the schema and its SHA-256, and every process
 * compiles each version once.
 */
export const setStateSchema = async (core: Core, type: string, schema: unknown, identity?: Identity): Promise<StateTypeRecord> => {
  const name = decodeOrThrow(StateTypeName, type, 'type');
  const s = schema === null ? null : decodeOrThrow(JsonRecord, schema, 'schema');
  const sha256 = s === null ? null : schemaSha256(s);
  if (s !== null) await validatorOf(s, sha256 as string);
  const state = await decideFromLog(core, stateTypeStreamOf(name), stateTypeDecider(name), { type: 'SetStateSchema', data: { type: name, schema: s, sha256, at: now(core) } }, metaOf(identity));
  return recordOf(state as StateType);
};

export const getStateType = async (core: Core, type: string): Promise<StateTypeRecord> => {
  const name = decodeOrThrow(StateTypeName, type, 'type');
  return recordOf(await requireStateType(core, name));
};

/** The built-in types and every defined one, by name, from the read model. */
export const listStateTypes = async (core: Core): Promise<StateTypeRecord[]> => {
  const rows = (await core.backend.models.rows({ table: 'state_types' })) as unknown as StateTypeRow[];
  const byName = new Map(rows.map((r) => [r.type, r]));
  const names = [...new Set([...builtinTypes, ...rows.filter((r) => r.table_json !== null).map((r) => r.type)])].sort();
  return names.map((type) => {
    const r = byName.get(type);
    const builtin = Object.hasOwn(builtinTables, type);
    const table = builtin ? builtinTables[type as keyof typeof builtinTables] : (JSON.parse(r?.table_json ?? 'null') as Table);
    const schema = r?.schema_json == null ? null : (JSON.parse(r.schema_json) as JsonRecord);
    return recordOf({
      type,
      builtin,
      table,
      schema: schema === null ? null : { version: r?.schema_version ?? 0, schema, sha256: r?.schema_sha256 ?? '' },
      schemaVersions: r?.schema_version ?? 0,
      definedAt: (r?.defined_at ?? null) as StateType['definedAt'],
    });
  });
};
