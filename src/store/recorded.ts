import { NewerSchema } from '../errors.js';
import { release } from '../release.js';
import { currentSchema, isEventType, upcast, type EventMeta, type Json, type RecordedEvent } from '../events/index.js';

/** A stored event as every backend keeps it: data and meta as the canonical JSON text the checksum covers. */
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

/** A stored row as readers see it: data upcast to the type's current schema. */
export const toRecorded = (row: EventRow): RecordedEvent =>
  recorded(row.position, row.id, row.stream, row.revision, row.type, row.schema, row.data, row.meta, row.checksum);

/** A stored row exactly as stored: data and schema as written (what checksums and signatures cover). */
export const toStored = (row: EventRow): RecordedEvent => ({
  id: row.id,
  stream: row.stream,
  revision: row.revision,
  position: row.position,
  type: row.type,
  schema: row.schema,
  data: JSON.parse(row.data) as Json,
  meta: JSON.parse(row.meta) as EventMeta,
  checksum: row.checksum,
});

export const recorded = (
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  storedSchema: number,
  dataJson: string,
  metaJson: string,
  checksum: string,
): RecordedEvent => {
  let data = JSON.parse(dataJson) as Json;
  let schema = storedSchema;
  if (isEventType(type) && schema !== currentSchema(type)) {
    if (schema > currentSchema(type))
      throw new NewerSchema(type, schema, currentSchema(type), `event ${id} at position ${position} (stream ${stream})`, release);
    ({ schema, data } = upcast(type, schema, currentSchema(type), data));
  }
  return { id, stream, revision, position, type, schema, data, meta: JSON.parse(metaJson) as EventMeta, checksum };
};
