import {
  assertExpectedRevision,
  assertStreamName,
  canonicalJson,
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
  readonly schema: number;
  readonly data: Json;
  readonly dataJson: string;
  readonly meta: Omit<EventMeta, 'recordedAt' | 'origin'>;
  /** Whether the caller gave any meta field (most appends give none). */
  readonly metaGiven: boolean;
}
export interface PreparedWrite {
  readonly stream: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly PreparedEvent[];
}


/** Validates every write of a batch; the first bad field is thrown as InvalidInput and nothing is written. */
export const prepareWrites = (writes: readonly StreamWrite[], now: number): PreparedWrite[] =>
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
      return {
        id: e.id ?? newEventId(now),
        idGiven: e.id !== undefined,
        type,
        schema: 1,
        data,
        dataJson: canonicalJson(data),
        meta,
        metaGiven,
      };
    });
    return { stream, expectedRevision, events };
  });

