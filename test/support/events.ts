import { createHash } from 'node:crypto';
import type { NewEvent } from '../../src/events/index.js';

/** Day `n` of January 2026 as an Instant (`at(1)` is 2026-01-01T00:00:00.000Z). */
export const at = (day: number, hour = 0): string => new Date(Date.UTC(2026, 0, day, hour)).toISOString();

/** A valid small event for stream `finding-<id>`: a note whose text tells events apart. */
export const note = (findingId: string, text: string, id?: string): NewEvent => ({
  ...(id === undefined ? {} : { id }),
  type: 'FindingNoteAdded',
  data: { findingId, by: 'tester', text, at: at(1) },
});
export const findingStream = (id: string): string => `finding-${id}`;

/** A deterministic UUID (v4 layout) from a seed text, so a test can name ids before it writes them. */
export const uuidFrom = (seed: string): string => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
