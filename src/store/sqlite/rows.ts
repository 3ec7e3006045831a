import { currentSchema, isEventType, upcast, type EventMeta, type Json, type RecordedEvent } from '../../events/index.js';

export interface EventRow {
  position: number;
  id: string;
  stream: string;
  origin: string;
  revision: number;
  type: string;
  schema: number;
  data: string;
  meta: string;
  checksum: string;
}

export const eventColumns = 'position, id, stream, origin, revision, type, schema, data, meta, checksum';

/** A stored row as readers see it: data upcast to the type's current schema. */
export const toRecorded = (row: EventRow): RecordedEvent => {
  let data = JSON.parse(row.data) as Json;
  let schema = row.schema;
  if (isEventType(row.type) && schema < currentSchema(row.type)) {
    ({ schema, data } = upcast(row.type, schema, currentSchema(row.type), data));
  }
  return {
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    schema,
    data,
    meta: JSON.parse(row.meta) as EventMeta,
    checksum: row.checksum,
  };
};
