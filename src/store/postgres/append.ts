import type pg from 'pg';
import {
  canonicalJson,
  checksumOf,
  genesisChecksum,
  type EventMeta,
  type ExpectedRevision,
  type Instant,
  type RecordedEvent,
} from '../../events/index.js';
import type { AppendResult } from '../contract.js';
import { DuplicateEventId, WrongExpectedRevision } from '../errors.js';
import type { PreparedEvent, PreparedWrite } from '../prepare.js';
import { toRecorded, type EventRow } from '../recorded.js';
import { eventColumns } from './rows.js';
import type { SchemaNames } from './schema.js';

/** A write that will insert events: where its stream stood when it was planned. */
export interface FreshWrite {
  /** Index of the write in the caller's batch. */
  readonly index: number;
  readonly stream: string;
  readonly firstRevision: number;
  readonly events: readonly PreparedEvent[];
}

/** What a batch of writes will do, decided from one read of the streams' tails and the ids it names. */
export interface Plan {
  /** Idempotent re-appends: the original result, by index of the write. */
  readonly replayed: ReadonlyMap<number, AppendResult>;
  readonly fresh: readonly FreshWrite[];
  /** Checksum each fresh stream's chain continues from. */
  readonly chainFrom: ReadonlyMap<string, string>;
  readonly eventCount: number;
  /** The hybrid clock as this read found it: the newest instant recorded (null before the first commit). */
  readonly clock: Instant | null;
  /** The origin name the schema holds now (another process may have renamed it since this one opened). */
  readonly storedOrigin: string | null;
  /** The write schemas as stored now (`schema write`), as text; null when none was ever set. */
  readonly storedWriteSchemas: string | null;
}

interface LookupRow {
  kind: 'tail' | 'id' | 'clock' | 'origin' | 'write_schemas';
  stream: string;
  revision: number;
  /** The checksum; the clock's value for the `clock` row. */
  checksum: string;
  id: string | null;
}

/**
 * Reads, in one round trip, the tail of every stream the batch writes (this origin's chain), any event of this
 * origin that already has an id the batch gives, and the hybrid clock; then decides each write in order as the embedded store does:
 * an idempotent re-append, a wrong expectation, a duplicate id, or events to insert. Runs outside the transaction
 * (or before the order lock): a writer that slips in between is caught by the unique constraints at insert, and the
 * commit starts over.
 */
export const planWrites = async (
  client: pg.ClientBase,
  n: SchemaNames,
  origin: string,
  writes: readonly PreparedWrite[],
): Promise<Plan> => {
  const given: string[] = [];
  const seen = new Set<string>();
  for (const w of writes)
    for (const e of w.events) {
      if (seen.has(e.id)) throw new DuplicateEventId(e.id, w.stream, 'the id is already in the log (or twice in this batch)');
      seen.add(e.id);
      if (e.idGiven) given.push(e.id);
    }
  const streams = [...new Set(writes.map((w) => w.stream))];
  const { rows } = await client.query<LookupRow>(
    `SELECT 'tail' AS kind, k.stream, t.revision, t.checksum, NULL::text AS id
       FROM unnest($2::text[]) AS k(stream)
       CROSS JOIN LATERAL (SELECT revision, checksum FROM ${n.events} e
                           WHERE e.stream = k.stream AND e.origin = $1 ORDER BY revision DESC LIMIT 1) t
     UNION ALL
     SELECT 'id', stream, revision, checksum, id::text FROM ${n.events} WHERE origin = $1 AND id = ANY($3::uuid[])
     UNION ALL
     SELECT key, '', 0, value, NULL FROM ${n.meta} WHERE key IN ('clock', 'origin', 'write_schemas')`,
    [origin, streams, given],
  );
  const tails = new Map<string, { revision: number; checksum: string }>();
  const existing = new Map<string, LookupRow>();
  let clock: Instant | null = null;
  let storedOrigin: string | null = null;
  let storedWriteSchemas: string | null = null;
  for (const row of rows) {
    if (row.kind === 'tail') tails.set(row.stream, row);
    else if (row.kind === 'id' && row.id !== null) existing.set(row.id, row);
    else if (row.kind === 'clock') clock = row.checksum as Instant;
    else if (row.kind === 'origin') storedOrigin = row.checksum;
    else if (row.kind === 'write_schemas') storedWriteSchemas = row.checksum;
  }

  const replays: { index: number; write: PreparedWrite; at: LookupRow }[] = [];
  const fresh: FreshWrite[] = [];
  const chainFrom = new Map<string, string>();
  const revisionNow = new Map<string, number | null>();
  let eventCount = 0;
  writes.forEach((write, index) => {
    const first = write.events[0] as PreparedEvent;
    const prior = first.idGiven ? existing.get(first.id) : undefined;
    if (prior !== undefined) {
      if (prior.stream !== write.stream)
        throw new DuplicateEventId(first.id, write.stream, `already written to stream ${prior.stream}`);
      replays.push({ index, write, at: prior });
      return;
    }
    const last = revisionNow.has(write.stream) ? (revisionNow.get(write.stream) ?? null) : (tails.get(write.stream)?.revision ?? null);
    checkExpected(write.stream, write.expectedRevision, last);
    for (const e of write.events)
      if (e.idGiven && existing.has(e.id))
        throw new DuplicateEventId(e.id, write.stream, 'the id is already in the log (or twice in this batch)');
    if (!chainFrom.has(write.stream)) chainFrom.set(write.stream, tails.get(write.stream)?.checksum ?? genesisChecksum);
    const firstRevision = last === null ? 0 : last + 1;
    revisionNow.set(write.stream, firstRevision + write.events.length - 1);
    fresh.push({ index, stream: write.stream, firstRevision, events: write.events });
    eventCount += write.events.length;
  });
  const replayed = replays.length === 0 ? new Map<number, AppendResult>() : await replay(client, n, origin, replays);
  return { replayed, fresh, chainFrom, eventCount, clock, storedOrigin, storedWriteSchemas };
};

/** Same ids, same content, same place: the original results (one query for every re-appended write). */
const replay = async (
  client: pg.ClientBase,
  n: SchemaNames,
  origin: string,
  replays: readonly { index: number; write: PreparedWrite; at: LookupRow }[],
): Promise<Map<number, AppendResult>> => {
  const { rows } = await client.query<EventRow & { w: number }>(
    `SELECT k.w, e.* FROM unnest($2::text[], $3::bigint[], $4::int[], $5::int[]) AS k(stream, revision, n, w)
       CROSS JOIN LATERAL (SELECT ${eventColumns} FROM ${n.events} e
                           WHERE e.stream = k.stream AND e.origin = $1 AND e.revision >= k.revision
                           ORDER BY e.revision LIMIT k.n) e
     ORDER BY k.w, e.revision`,
    [origin, replays.map((r) => r.write.stream), replays.map((r) => r.at.revision), replays.map((r) => r.write.events.length), replays.map((r) => r.index)],
  );
  const results = new Map<number, AppendResult>();
  for (const { index, write } of replays) {
    const found = rows.filter((r) => r.w === index);
    const first = write.events[0] as PreparedEvent;
    const fail = (reason: string) => new DuplicateEventId(first.id, write.stream, reason);
    if (found.length !== write.events.length) throw fail('only part of this batch was written before');
    write.events.forEach((e, i) => {
      const row = found[i] as EventRow;
      if (row.id !== e.id) throw fail(`event ${i} of the batch was written with another id (${row.id})`);
      if (row.type !== e.type || row.data !== e.dataJson) throw fail('already written with other content');
    });
    const events = found.map(toRecorded);
    const tail = events[events.length - 1] as RecordedEvent;
    results.set(index, { stream: write.stream, revision: tail.revision, position: tail.position, events });
  }
  return results;
};

const checkExpected = (stream: string, expected: ExpectedRevision, last: number | null): void => {
  const actual = last === null ? 'no_stream' : last;
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && last === null) ||
    (expected === 'stream_exists' && last !== null) ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevision(stream, expected, actual);
};

/**
 * Column arrays for one multi-row `INSERT … SELECT FROM unnest(…)`. Positions are kept apart: a commit learns them
 * only from the insert itself, an import before it.
 */
export class RowBatch {
  readonly positions: number[] = [];
  /** Imports only: each row's capped fold instant (null: it folds at its recordedAt). */
  readonly foldAts: (string | null)[] = [];
  readonly ids: string[] = [];
  readonly streams: string[] = [];
  readonly origins: string[] = [];
  readonly revisions: number[] = [];
  readonly types: string[] = [];
  readonly schemas: number[] = [];
  readonly data: string[] = [];
  readonly meta: string[] = [];
  readonly checksums: string[] = [];

  push(row: Omit<EventRow, 'position'>): void {
    this.ids.push(row.id);
    this.streams.push(row.stream);
    this.origins.push(row.origin);
    this.revisions.push(row.revision);
    this.types.push(row.type);
    this.schemas.push(row.schema);
    this.data.push(row.data);
    this.meta.push(row.meta);
    this.checksums.push(row.checksum);
  }

  get length(): number {
    return this.ids.length;
  }

  /** The nine columns after the position, as parameters $1 … $9. */
  columns(): unknown[] {
    return [this.ids, this.streams, this.origins, this.revisions, this.types, this.schemas, this.data, this.meta, this.checksums];
  }
}

/** `u` holds the rows, `u.ord` their 1-based place in the batch. */
export const unnestRows = `unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::integer[], $7::json[], $8::json[],
  $9::text[]) WITH ORDINALITY AS u(id, stream, origin, revision, type, schema, data, meta, checksum, ord)`;

export const eventTargets = '(position, id, stream, origin, revision, type, schema, data, meta, checksum)';

/**
 * Gives the planned events their recordedAt, meta and checksums and adds their rows to `batch` (checksums do not
 * cover positions, so this runs before the order lock). Returns how to finish the results once the positions,
 * one per row in batch order, are known.
 */
export const materialize = (
  plan: Plan,
  origin: string,
  recordedAt: Instant,
  batch: RowBatch,
): ((positions: readonly number[]) => { results: Map<number, AppendResult>; fresh: RecordedEvent[] }) => {
  const chain = new Map(plan.chainFrom);
  const bare: EventMeta = Object.freeze({ origin, recordedAt });
  const bareJson = canonicalJson(bare);
  const start = batch.length;
  const pending: { index: number; events: Omit<RecordedEvent, 'position'>[] }[] = [];
  for (const w of plan.fresh) {
    let prev = chain.get(w.stream) ?? genesisChecksum;
    const events: Omit<RecordedEvent, 'position'>[] = [];
    w.events.forEach((e, i) => {
      const revision = w.firstRevision + i;
      const meta: EventMeta = e.metaGiven ? { ...e.meta, origin, recordedAt } : bare;
      const metaJson = e.metaGiven ? canonicalJson(meta) : bareJson;
      const checksum = checksumOf({ id: e.id, stream: w.stream, revision, type: e.type, schema: e.storedSchema, dataJson: e.dataJson, metaJson }, prev);
      batch.push({ id: e.id, stream: w.stream, origin, revision, type: e.type, schema: e.storedSchema, data: e.dataJson, meta: metaJson, checksum });
      events.push({ id: e.id, stream: w.stream, revision, type: e.type, schema: e.schema, data: e.data, meta, checksum });
      prev = checksum;
    });
    chain.set(w.stream, prev);
    pending.push({ index: w.index, events });
  }
  return (positions) => {
    const results = new Map<number, AppendResult>();
    const fresh: RecordedEvent[] = [];
    let p = start;
    for (const { index, events } of pending) {
      const placed = events.map((e) => ({ ...e, position: positions[p++] as number }));
      const tail = placed[placed.length - 1] as RecordedEvent;
      results.set(index, { stream: tail.stream, revision: tail.revision, position: tail.position, events: placed });
      fresh.push(...placed);
    }
    return { results, fresh };
  };
};
