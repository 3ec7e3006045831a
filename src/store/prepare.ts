import {
  assertExpectedRevision,
  assertStreamName,
  canonicalJson,
  currentSchema,
  defaultWriteSchema,
  downcast,
  eventTypes,
  isEventType,
  lowestWritable,
  metaFields,
  newEventId,
  UuidLike,
  validateEvent,
  type EventMeta,
  type ExpectedRevision,
  type Json,
  type NewEvent,
} from '../events/index.js';
import { InvalidInput } from '../errors.js';
import type { StreamWrite } from './contract.js';

/** A write checked and serialised before the transaction starts, so the lock is held only for I/O. */
export interface PreparedEvent {
  readonly id: string;
  readonly idGiven: boolean;
  readonly type: string;
  /** The schema the event is stored at (the configured write schema) and the text stored: what the checksum covers. */
  readonly storedSchema: number;
  readonly dataJson: string;
  /** What readers see: the data at the type's current schema. */
  readonly schema: number;
  readonly data: Json;
  readonly meta: Omit<EventMeta, 'recordedAt' | 'origin'>;
  /** Whether the caller gave any meta field (most appends give none). */
  readonly metaGiven: boolean;
}
const noWriteSchemas: WriteSchemas = new Map();

export interface PreparedWrite {
  readonly stream: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly PreparedEvent[];
}


/** Per event type, the schema a deployment told writers to store it at (else `defaultWriteSchema`). */
export type WriteSchemas = ReadonlyMap<string, number>;

/**
 * Validates every write of a batch (at the current schema); the first bad field is thrown as InvalidInput and
 * nothing is written. A type configured to be written at an older schema goes down to it here.
 */
export const prepareWrites = (writes: readonly StreamWrite[], now: number, writeSchemas: WriteSchemas = noWriteSchemas): PreparedWrite[] =>
  writes.map((write, w) => {
    const where = writes.length > 1 ? `writes[${w}].` : '';
    const stream = assertStreamName(write.stream);
    const expectedRevision = assertExpectedRevision(write.expectedRevision ?? 'any');
    if (!Array.isArray(write.events) || write.events.length === 0)
      throw new InvalidInput(`${where}events`, write.events, 'at least one event');
    const events = write.events.map((e: NewEvent, i): PreparedEvent => {
      const at = `${where}events[${i}]`;
      const { type, data } = validateEvent(stream, e.type, e.data, at);
      if (e.id !== undefined && !UuidLike.is(e.id)) throw new InvalidInput(`${at}.id`, e.id, UuidLike.name);
      const meta: Record<string, string> = {};
      let metaGiven = false;
      for (const key of metaFields) {
        const value = e.meta?.[key];
        if (value === undefined) continue;
        if (typeof value !== 'string' || value.length > 512)
          throw new InvalidInput(`${at}.meta.${key}`, value, 'text of at most 512 characters');
        meta[key] = value;
        metaGiven = true;
      }
      const schema = currentSchema(type);
      const storedSchema = writeSchemas.get(type) ?? defaultWriteSchema(type);
      let stored = data;
      if (storedSchema < schema) {
        try {
          stored = downcast(type, schema, storedSchema, data);
        } catch (error) {
          if (error instanceof InvalidInput) throw new InvalidInput(`${at}.data.${error.field}`, error.value, error.expected);
          throw error;
        }
      }
      return {
        id: e.id ?? newEventId(now),
        idGiven: e.id !== undefined,
        type,
        storedSchema,
        dataJson: canonicalJson(stored),
        schema,
        data,
        meta,
        metaGiven,
      };
    });
    return { stream, expectedRevision, events };
  });


/** The store_meta key holding the write schemas (a JSON object of type → schema). */
export const writeSchemasKey = 'write_schemas';

/** Reads the stored write schemas; what is not a known type at a schema it can be written at is ignored. */
export const parseWriteSchemas = (text: string | null | undefined): Map<string, number> => {
  const out = new Map<string, number>();
  if (text == null) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [type, schema] of Object.entries(parsed as Record<string, unknown>)) {
    if (!isEventType(type) || typeof schema !== 'number') continue;
    if (schema >= lowestWritable(type, currentSchema(type)) && schema <= currentSchema(type)) out.set(type, schema);
  }
  return out;
};

/**
 * Checks a write-schema setting and returns the stored text after it. A schema lower than any step can go down to,
 * or above the current one, is refused.
 */
export const withWriteSchema = (text: string | null | undefined, type: unknown, schema: unknown): string => {
  if (typeof type !== 'string' || !isEventType(type)) throw new InvalidInput('type', type, `an event type (${eventTypes.join(', ')})`);
  const current = currentSchema(type);
  const lowest = lowestWritable(type, current);
  if (typeof schema !== 'number' || !Number.isSafeInteger(schema) || schema < lowest || schema > current)
    throw new InvalidInput('schema', schema, lowest === current ? `${current}: this release writes ${type} only at schema ${current}` : `${lowest}-${current} for ${type}`);
  const next = Object.fromEntries(parseWriteSchemas(text));
  next[type] = schema;
  return JSON.stringify(next);
};
