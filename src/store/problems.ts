import { release } from '../release.js';
import { checksumOf, currentSchema, genesisChecksum, isEventType, upcast, validateEvent, type Json } from '../events/index.js';
import type { BadEvent, VerifyReport } from './contract.js';
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
  if (row.schema > currentSchema(row.type))
    return `schema: ${row.type} schema ${row.schema} is newer than this stance-state (${release}) reads (up to ${currentSchema(row.type)}): verify it with a release that reads it`;
  try {
    const up = upcast(row.type, row.schema, currentSchema(row.type), data);
    if (up.schema !== currentSchema(row.type)) return `schema: no upcaster takes ${row.type} from schema ${up.schema}`;
    validateEvent(row.stream, row.type, up.data);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
};


/**
 * `log verify`'s walk over every chain, fed page by page in (stream, origin, revision) order by either store: each
 * event is checked against the one before it in its chain, streams are counted, and the bad event with the lowest
 * position is kept.
 */
export class ChainWalk {
  private events = 0;
  private streams = 0;
  private badCount = 0;
  private firstBad: BadEvent | null = null;
  private prev: EventRow | null = null;

  /** Checks one page; returns its last row (where the next page starts), or undefined for an empty page. */
  add(rows: readonly EventRow[]): EventRow | undefined {
    for (const row of rows) {
      const sameStream = this.prev !== null && this.prev.stream === row.stream && this.prev.origin === row.origin;
      if (!sameStream) this.streams += 1;
      const problem = problemOf(row, sameStream ? this.prev : null);
      if (problem !== null) {
        this.badCount += 1;
        if (this.firstBad === null || row.position < this.firstBad.position)
          this.firstBad = { stream: row.stream, origin: row.origin, revision: row.revision, position: row.position, problem };
      }
      this.prev = row;
      this.events += 1;
    }
    return rows[rows.length - 1];
  }

  get walked(): number {
    return this.events;
  }

  /** The report, given how many events the table holds and the store's own problems (its triggers). */
  report(total: number, problems: string[]): VerifyReport {
    if (this.events !== total) problems.push(`index walk saw ${this.events} events, the table holds ${total}`);
    const { events, streams, firstBad, badCount } = this;
    return { ok: firstBad === null && problems.length === 0, events, streams, firstBad, badCount, problems };
  }
}
