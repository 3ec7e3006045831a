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

/** A row as `.raw()` returns it, in `eventColumns` order. */
export type RawEventRow = [number, string, string, string, number, string, number, string, string, string];

/** A stored row as readers see it: data upcast to the type's current schema. */
export const toRecorded = (row: EventRow): RecordedEvent =>
  recorded(row.position, row.id, row.stream, row.revision, row.type, row.schema, row.data, row.meta, row.checksum);

/**
 * The same from a raw row. better-sqlite3 builds each row object column by column in C++, which costs more than the
 * query itself on a log read; arrays and one object literal here are several times cheaper.
 */
export const toRecordedRaw = (a: RawEventRow): RecordedEvent => recorded(a[0], a[1], a[2], a[4], a[5], a[6], a[7], a[8], a[9]);

const recorded = (
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
  if (isEventType(type) && schema < currentSchema(type)) {
    ({ schema, data } = upcast(type, schema, currentSchema(type), data));
  }
  return { id, stream, revision, position, type, schema, data, meta: JSON.parse(metaJson) as EventMeta, checksum };
};
