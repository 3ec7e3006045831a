import { checksumOf, currentSchema, genesisChecksum, isEventType, upcast, validateEvent, type Json } from '../events/index.js';
import type { EventRow } from './recorded.js';

const short = (checksum: string) => `${checksum.slice(0, 12)}…`;

/** What is wrong with one row given the previous row of its stream, or null when it is sound. */
export const problemOf = (row: EventRow, prev: EventRow | null): string | null => {
  const expectedRevision = prev === null ? 0 : prev.revision + 1;
  if (row.revision !== expectedRevision) return `revision: expected ${expectedRevision}, found ${row.revision}`;
  if (prev !== null && row.position <= prev.position)
    return `position: ${row.position} is not after revision ${prev.revision} at ${prev.position}`;
  const computed = checksumOf({ ...row, dataJson: row.data, metaJson: row.meta }, prev?.checksum ?? genesisChecksum);
  if (computed !== row.checksum) return `checksum: stored ${short(row.checksum)}, computed ${short(computed)}`;
  let data: Json;
  let meta: { origin?: unknown; recordedAt?: unknown };
  try {
    data = JSON.parse(row.data) as Json;
    meta = JSON.parse(row.meta) as typeof meta;
  } catch {
    return 'data or meta is not JSON';
  }
  if (meta.origin !== row.origin) return `meta.origin: ${String(meta.origin)} differs from the row's origin ${row.origin}`;
  if (prev !== null && String(meta.recordedAt) < String((JSON.parse(prev.meta) as typeof meta).recordedAt))
    return `meta.recordedAt: ${String(meta.recordedAt)} is before the previous event's`;
  if (!isEventType(row.type)) return `type: unknown event type ${row.type}`;
  try {
    const up = upcast(row.type, row.schema, currentSchema(row.type), data);
    validateEvent(row.stream, row.type, up.data);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
};

