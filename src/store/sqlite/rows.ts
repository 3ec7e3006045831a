import type { RecordedEvent } from '../../events/index.js';
import { recorded, toStored } from '../recorded.js';

export { toRecorded, toStored, type EventRow } from '../recorded.js';

export const eventColumns = 'position, id, stream, origin, revision, type, schema, data, meta, checksum';

/** A row as `.raw()` returns it, in `eventColumns` order. */
export type RawEventRow = [number, string, string, string, number, string, number, string, string, string];

/**
 * The same from a raw row. better-sqlite3 builds each row object column by column in C++, which costs more than the
 * query itself on a log read; arrays and one object literal here are several times cheaper.
 */
export const toRecordedRaw = (a: RawEventRow): RecordedEvent => recorded(a[0], a[1], a[2], a[4], a[5], a[6], a[7], a[8], a[9]);

/** The same, as stored (no upcast). */
export const toStoredRaw = (a: RawEventRow): RecordedEvent =>
  toStored({ position: a[0], id: a[1], stream: a[2], origin: a[3], revision: a[4], type: a[5], schema: a[6], data: a[7], meta: a[8], checksum: a[9] });
