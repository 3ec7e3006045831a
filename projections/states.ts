import { changeKindOf, fieldsOf, isStateEvent, isStateTypeEvent, stateTypes, type TypedState } from '../src/domain/index.js';
import { asDomainEvent, canonicalJson, type Instant, type JsonRecord } from '../src/events/index.js';
import { columns, type Projection, type Row, type RowAccess } from './projection.js';

/** A row of the states table: the seed's state structure, and where it stands in its stream. */
export interface StateRow {
  state_id: string;
  name: string;
  type: string;
  status: string;
  /** Canonical JSON. */
  data: string;
  metadata: string;
  created_at: string;
  updated_at: string;
  deleted: number;
  /** Revision of the state's stream after the event the row reflects: the expected revision of the next write. */
  revision: number;
  position: number;
  created_by: string | null;
  updated_by: string | null;
}

export const stateFromRow = (r: StateRow): TypedState => ({
  stateId: r.state_id,
  name: r.name,
  type: r.type,
  status: r.status,
  data: JSON.parse(r.data) as JsonRecord,
  metadata: JSON.parse(r.metadata) as JsonRecord,
  createdAt: r.created_at as Instant,
  updatedAt: r.updated_at as Instant,
  deleted: r.deleted === 1,
});

/** A row of state_types: a deployment's type (or a built-in one with a schema) as its stream leaves it. */
export interface StateTypeRow {
  type: string;
  /** JSON of the transition table; null for a built-in type (its table is in the code). */
  table_json: string | null;
  schema_json: string | null;
  schema_version: number;
  schema_sha256: string | null;
  defined_at: string | null;
  updated_at: string;
}

const counters = 'state_stats';
const live = (r: StateRow | undefined): boolean => r !== undefined && r.deleted === 0;

/** The index rows of a state's data (see src/domain/state-query.ts): dropped and written anew when its data changes. */
const writeFields = (rows: RowAccess, r: StateRow, before: StateRow | undefined): void => {
  if (before !== undefined && before.data === r.data && live(before) === live(r)) return;
  rows.deletePrefix('state_fields', [r.state_id]);
  if (!live(r)) return;
  for (const f of fieldsOf(JSON.parse(r.data) as JsonRecord)) rows.put('state_fields', { state_id: r.state_id, path: f.path, type: r.type, str: f.str, num: f.num, lit: f.lit });
};

const count = (rows: RowAccess, r: StateRow | undefined, delta: number): void => {
  if (!live(r) || r === undefined) return;
  rows.add(counters, 'states', delta);
  rows.add(counters, `type:${r.type}`, delta);
  rows.add(counters, `status:${r.type}:${r.status}`, delta);
};

/**
 * Typed states (seed 003): one row per state; `state_fields`, one row per scalar field of its data, which search
 * answers from (equality and range through indexes on (type, path, value, state_id), keyset-paged by state_id);
 * `state_changes`, one row per change, for recent changes and changes by transition; `state_types`; and counters
 * (`states`, `type:<t>`, `status:<t>:<s>`) for health, each moved by the event that changes it. Only this data dir's
 * own events count: states never replicate.
 */
export const statesProjection: Projection = {
  name: 'states',
  version: 1,
  handles: [...stateTypes, 'StateTypeDefined', 'StateSchemaSet'],
  tables: [
    {
      name: 'states',
      columns: columns(`state_id:text! name:text type:text status:text data:text metadata:text created_at:text updated_at:text
        deleted:integer revision:integer position:integer created_by:text? updated_by:text?`),
      key: ['state_id'],
      indexes: [
        { name: 'states_by_type', columns: ['type', 'deleted', 'state_id'] },
        { name: 'states_by_status', columns: ['type', 'status', 'state_id'] },
      ],
    },
    {
      name: 'state_fields',
      columns: columns('state_id:text! path:text! type:text str:text!? num:real? lit:text?'),
      key: ['state_id', 'path'],
      indexes: [
        { name: 'state_fields_by_path', columns: ['type', 'path', 'state_id'] },
        { name: 'state_fields_by_text', columns: ['type', 'path', 'str', 'state_id'] },
        { name: 'state_fields_by_number', columns: ['type', 'path', 'num', 'state_id'] },
        { name: 'state_fields_by_literal', columns: ['type', 'path', 'lit', 'state_id'] },
      ],
    },
    {
      name: 'state_changes',
      columns: columns('position:integer state_id:text type:text change:text revision:integer from_status:text? status:text at:text actor:text?'),
      key: ['position'],
      indexes: [
        { name: 'state_changes_by_change', columns: ['change', 'position'] },
        { name: 'state_changes_by_state', columns: ['state_id', 'position'] },
      ],
    },
    {
      name: 'state_types',
      columns: columns('type:text table_json:text? schema_json:text? schema_version:integer schema_sha256:text? defined_at:text? updated_at:text'),
      key: ['type'],
    },
    { name: counters, columns: columns('key:text value:real'), key: ['key'], counters: true },
  ],
  reads(event) {
    if (isStateEvent(event)) return [{ table: 'states', key: [(event.data as { stateId: string }).stateId] }];
    if (isStateTypeEvent(event)) return [{ table: 'state_types', key: [(event.data as { type: string }).type] }];
    return [];
  },
  apply(rows, event, context) {
    if (event.meta.origin !== context.merge().local) return;
    const e = asDomainEvent(event);
    if (isStateTypeEvent(e)) {
      const before = rows.get('state_types', [e.data.type]) as StateTypeRow | undefined;
      const row: StateTypeRow =
        e.type === 'StateTypeDefined'
          ? {
              type: e.data.type,
              table_json: canonicalJson(e.data.table),
              schema_json: before?.schema_json ?? null,
              schema_version: before?.schema_version ?? 0,
              schema_sha256: before?.schema_sha256 ?? null,
              defined_at: e.data.at,
              updated_at: e.data.at,
            }
          : {
              type: e.data.type,
              table_json: before?.table_json ?? null,
              schema_json: e.data.schema === null ? null : canonicalJson(e.data.schema),
              schema_version: e.data.version,
              schema_sha256: e.data.sha256,
              defined_at: before?.defined_at ?? null,
              updated_at: e.data.at,
            };
      rows.put('state_types', row as unknown as Row);
      return;
    }
    if (!isStateEvent(e)) return;
    const before = rows.get('states', [e.data.stateId]) as StateRow | undefined;
    const by = event.meta.actor ?? null;
    const d = e.data;
    let row: StateRow;
    if (e.type === 'StateRegistered')
      row = {
        state_id: d.stateId,
        name: e.data.name,
        type: e.data.type,
        status: d.status,
        data: canonicalJson(d.data),
        metadata: canonicalJson(d.metadata),
        created_at: d.at,
        updated_at: d.at,
        deleted: 0,
        revision: event.revision,
        position: event.position,
        created_by: by,
        updated_by: by,
      };
    else {
      if (before === undefined) return;
      row = {
        ...before,
        status: d.status,
        data: canonicalJson(d.data),
        metadata: canonicalJson(d.metadata),
        updated_at: d.at,
        deleted: e.type === 'StateChanged' ? (e.data.transition === 'delete' ? 1 : 0) : before.deleted,
        revision: event.revision,
        position: event.position,
        updated_by: by,
      };
    }
    count(rows, before, -1);
    count(rows, row, 1);
    rows.put('states', row as unknown as Row);
    writeFields(rows, row, before);
    rows.put('state_changes', {
      position: event.position,
      state_id: row.state_id,
      type: row.type,
      change: changeKindOf(e),
      revision: event.revision,
      from_status: before?.status ?? null,
      status: row.status,
      at: d.at,
      actor: by,
    });
  },
};
