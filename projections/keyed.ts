import type { EventMeta, RecordedEvent } from '../src/events/index.js';
import { applyBatch, keyOf, keyStartsWith, keyText, type TableChanges } from './batch.js';
import type { Cell, Projection, ProjectionContext, Row, RowAccess, TableSpec } from './projection.js';

/**
 * One event of a stream as a keyed rebuild reads it: where it sorts in fold order, and the event itself, decoded only
 * when a keyed projection handles its type (the others still count when deciding whether a replicated event
 * arrived late).
 */
export interface StreamEvent {
  readonly position: number;
  readonly origin: string;
  readonly revision: number;
  /** The instant it folds at: its batch's capped instant (`fold_at`) if it has one, else its `recordedAt`. */
  readonly foldAt: string;
  readonly event: RecordedEvent | null;
}

/**
 * A stored event for the keyed pass: decoded when a keyed projection handles its type; otherwise only where it sorts
 * in fold order, from its batch's capped instant or else the recordedAt of its meta.
 */
export const streamEvent = (
  stored: { readonly position: number; readonly origin: string; readonly revision: number; readonly foldAt: string | null; readonly meta: string },
  event: RecordedEvent | null,
): StreamEvent => ({
  position: stored.position,
  origin: stored.origin,
  revision: stored.revision,
  foldAt: stored.foldAt ?? (event === null ? (JSON.parse(stored.meta) as EventMeta).recordedAt : event.meta.recordedAt),
  event,
});

/** Fold order, (instant, origin, revision), compared by code unit as the databases compare them (binary, "C"). */
const foldOrder = (a: StreamEvent, b: StreamEvent): number =>
  a.foldAt < b.foldAt ? -1 : a.foldAt > b.foldAt ? 1 : a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.revision - b.revision;

/** One stream's rows, in memory while its events fold: a stream's entity starts with no rows (see `partition`). */
class StreamRows implements RowAccess {
  /** Per table, rows by key: the cell itself for a one-column key, the key's JSON text otherwise. */
  readonly tables = new Map<string, Map<Cell, Row>>();

  constructor(
    private readonly specs: ReadonlyMap<string, TableSpec>,
    private readonly counters: (table: string, key: string, delta: number) => void,
  ) {}

  private key(table: string, key: readonly Cell[]): Cell {
    return key.length === 1 && (this.specs.get(table) as TableSpec).key.length === 1 ? (key[0] ?? null) : keyText(key);
  }

  private table(name: string): Map<Cell, Row> {
    let t = this.tables.get(name);
    if (t === undefined) {
      if (!this.specs.has(name)) throw new Error(`no read-model table ${name}`);
      this.tables.set(name, (t = new Map()));
    }
    return t;
  }

  get(table: string, key: readonly Cell[]): Row | undefined {
    return this.table(table).get(this.key(table, key));
  }

  put(table: string, row: Row): void {
    this.table(table).set(this.key(table, keyOf(this.specs.get(table) as TableSpec, row)), row);
  }

  delete(table: string, key: readonly Cell[]): void {
    this.table(table).delete(this.key(table, key));
  }

  deletePrefix(table: string, prefix: readonly Cell[]): void {
    const t = this.table(table);
    if ((this.specs.get(table) as TableSpec).key.length === 1) {
      if (prefix.length === 0) t.clear();
      else t.delete(prefix[0] ?? null);
      return;
    }
    const under = keyStartsWith(prefix);
    for (const k of [...t.keys()]) if (typeof k === 'string' && under(k)) t.delete(k);
  }

  add(table: string, key: string, delta: number): void {
    this.counters(table, key, delta);
  }
}

/**
 * The fold of a keyed rebuild: projections whose rows belong to their stream's entity (`partition: 'stream'`), fed
 * one whole stream at a time. Each stream's events apply in log order, exactly as a batch applies them: a replicated
 * event that sorts, in fold order, before an event of its stream already applied folds the entity again from its
 * history (what the backend's query finds in the live path, found here in memory from the stream in hand). Its rows
 * are final when the stream ends, so each is written once; counters add up over all streams (sums do not depend on
 * the order streams come in). Memory: one stream per lane, the rows waiting to be written, and the counters.
 */
export class StreamFold {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly waiting = new Map<string, Row[]>();
  private held = 0;
  /** Per lane, the stream being added and its events so far. */
  private lanes: { stream: string | undefined; group: StreamEvent[] }[] = [];

  constructor(
    private readonly specs: ReadonlyMap<string, TableSpec>,
    private readonly projections: readonly Projection[],
    private readonly context: ProjectionContext,
  ) {
    for (const p of projections)
      if (p.partition !== 'stream') throw new Error(`projection ${p.name} is not partitioned by stream: it cannot fold stream by stream`);
  }

  /**
   * The next event of a lane in stream order (within a lane, a stream's events all together; streams in any order):
   * a new stream folds the lane's stream before it whole. Lanes let several readers, each over its own streams, feed
   * one fold page by page; a stream belongs to one lane.
   */
  add(stream: string, event: StreamEvent, lane = 0): void {
    let l = this.lanes[lane];
    if (l === undefined) this.lanes[lane] = l = { stream, group: [] };
    else if (stream !== l.stream) {
      this.fold(l.group);
      l.group = [];
      l.stream = stream;
    }
    l.group.push(event);
  }

  /** Folds each lane's last stream: every event has been added. */
  finish(): void {
    for (const l of this.lanes) if (l !== undefined) this.fold(l.group);
    this.lanes = [];
  }

  /** Folds one stream: every event it has up to the rebuild's head, in any order. */
  private fold(stream: readonly StreamEvent[]): void {
    if (stream.length === 0) return;
    const sorted = [...stream].sort((a, b) => a.position - b.position);
    const local = this.context.merge().local;
    const events: RecordedEvent[] = [];
    const refolds = new Map<number, RecordedEvent[]>();
    let last: StreamEvent | undefined; // the event of the stream so far that sorts last in fold order
    for (const [i, s] of sorted.entries()) {
      if (s.event !== null) {
        events.push(s.event);
        if (s.origin !== local && last !== undefined && foldOrder(last, s) > 0)
          refolds.set(
            s.position,
            sorted
              .slice(0, i + 1)
              .sort(foldOrder)
              .flatMap((x) => (x.event === null ? [] : [x.event])),
          );
      }
      if (last === undefined || foldOrder(s, last) > 0) last = s;
    }
    if (events.length === 0) return;
    const rows = new StreamRows(this.specs, (table, key, delta) => this.count(table, key, delta));
    applyBatch(this.projections, rows, events, refolds, this.context);
    for (const [table, byKey] of rows.tables) {
      if (byKey.size === 0) continue;
      let list = this.waiting.get(table);
      if (list === undefined) this.waiting.set(table, (list = []));
      const keys = [...byKey.keys()];
      if (keys.length > 1) keys.sort(compareCells);
      for (const k of keys) list.push(byKey.get(k) as Row);
      this.held += keys.length;
    }
  }

  private count(table: string, key: string, delta: number): void {
    let t = this.counters.get(table);
    if (t === undefined) this.counters.set(table, (t = new Map()));
    t.set(key, (t.get(key) ?? 0) + delta);
  }

  /** Rows folded and not yet taken. */
  get waitingRows(): number {
    return this.held;
  }

  /** The rows folded so far, to insert (the shadow tables hold none of them yet), in the order the streams came. */
  takeRows(): TableChanges[] {
    const out: TableChanges[] = [];
    for (const [table, rows] of this.waiting)
      out.push({ spec: this.specs.get(table) as TableSpec, prefixDeletes: [], puts: rows.map((after) => ({ before: undefined, after })), deletes: [], counters: new Map() });
    this.waiting.clear();
    this.held = 0;
    return out;
  }

  /** The counters, summed over every stream: written once, at the end (a counter at zero has no row). */
  takeCounters(): TableChanges[] {
    const out: TableChanges[] = [];
    for (const [table, counters] of this.counters) {
      const nonZero = new Map([...counters].filter(([, v]) => v !== 0));
      if (nonZero.size > 0) out.push({ spec: this.specs.get(table) as TableSpec, prefixDeletes: [], puts: [], deletes: [], counters: nonZero });
    }
    this.counters.clear();
    return out;
  }
}

/** Keys in the order the databases keep them (nulls, then numbers, then text by code unit): rows are written in it. */
const compareCells = (a: Cell, b: Cell): number => {
  if (a === b) return 0;
  if (a === null || b === null) return a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : 1;
};
