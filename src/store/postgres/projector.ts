import type pg from 'pg';
import {
  applyBatch,
  RowCache,
  StreamFold,
  streamEvent,
  refuseIfUpgraded,
  rowsToLoad,
  tableSpecs,
  type Projection,
  type ProjectionContext,
  type TableChanges,
  type TableSpec,
} from '../../../projections/index.js';
import type { RecordedEvent } from '../../events/index.js';
import type { ProjectionStatus } from '../../ports/read-models.js';
import { postgresIn, type Dialect } from '../sql/dialect.js';
import { indexDdls, tableDdl, type Namer } from '../sql/ddl.js';
import { recorded, toRecorded, type EventRow } from '../recorded.js';
import { insertRows, loadRows, lowestOn, saveChanges } from './models.js';
import { eventColumns } from './rows.js';
import { foldKey, headOn, type Queryable } from './read.js';
import type { Committed, PostgresEventStore } from './store.js';

export interface StateRow {
  name: string;
  version: number;
  position: number;
  generation: number;
}

/** projection_state and the stored merge key, read together at the start of every projecting transaction. */
export interface ProjectorState {
  readonly states: ReadonlyMap<string, StateRow>;
  readonly mergeKey: string | null;
}

const identity: Namer = (name) => name;
const chunkSize = 5000;
/**
 * How many ranges of streams a keyed rebuild reads at once, each on a connection of the pool, and the page each reads:
 * together a chunk in flight, as one reader had (measured at 1M events: 24 s with one reader, 18–20 s with two).
 */
const readLanes = 2;
const lanePage = chunkSize / readLanes;

/**
 * Streams at which to cut the events up to `head` into `lanes` ranges of about as many events (fewer when a long
 * stream spans a cut): read off the stream index, where the positions up to the head stand for the count.
 */
const streamCuts = async (db: Queryable, events: string, head: number, lanes: number): Promise<string[]> => {
  const cuts: string[] = [];
  for (let i = 1; i < lanes; i += 1) {
    const { rows } = await db.query<{ stream: string }>(`SELECT stream FROM ${events} ORDER BY stream, origin, revision OFFSET $1 LIMIT 1`, [
      Math.floor((head * i) / lanes),
    ]);
    const stream = rows[0]?.stream;
    if (stream !== undefined && stream !== cuts[cuts.length - 1]) cuts.push(stream);
  }
  return cuts;
};

export interface ProjectorHooks {
  /** Called in each projecting transaction with the stored merge key, before any event is applied. */
  readonly beforeApply: (db: Queryable, storedMergeKey: string | null) => Promise<void>;
}

export interface RebuildOptions {
  /** Only the chosen projections whose stored version still differs (checked under the rebuild lock). */
  readonly staleOnly?: boolean;
  /** Skip the rebuild if, under the rebuild lock, the stored merge key is already this one. */
  readonly unlessMergeKey?: string;
  /** Runs in the swap's transaction (the merge key that the rebuilt tables were folded under). */
  readonly inSwap?: (client: pg.PoolClient) => Promise<void>;
}

/**
 * Keeps the projections' read models in the log's schema: applies every commit's events in the commit's own
 * transaction (the store's commit hook, run under the order lock, so projecting writers apply one after another in
 * log order), catches up on events other writers appended without projecting them, and rebuilds into shadow tables
 * that replace the live ones in one transaction while other writers keep writing.
 */
export class PostgresProjector {
  readonly specs: ReadonlyMap<string, TableSpec>;
  readonly dialect: Dialect;
  readonly stateTable: string;
  readonly settingsTable: string;
  readonly names: readonly string[];

  constructor(
    private readonly store: PostgresEventStore,
    private readonly list: readonly Projection[],
    readonly context: ProjectionContext,
    private readonly hooks: ProjectorHooks,
  ) {
    this.specs = tableSpecs(list);
    this.dialect = postgresIn(store.schema);
    this.stateTable = this.dialect.table('projection_state');
    this.settingsTable = this.dialect.table('settings');
    this.names = list.map((p) => p.name);
  }

  /**
   * Inside the caller's transaction (under the DDL lock): forgets projections this version no longer has, creates
   * the tables of new ones (at position 0: a catch-up fills them), refuses read models built by a newer version,
   * and returns the projections whose version changed (to rebuild).
   */
  async install(client: pg.ClientBase): Promise<Projection[]> {
    const { rows } = await client.query<StateRow>(`SELECT * FROM ${this.stateTable}`);
    const stored = new Map(rows.map((r) => [r.name, r]));
    const gone = rows.map((r) => r.name).filter((name) => !this.names.includes(name));
    if (gone.length > 0) await client.query(`DELETE FROM ${this.stateTable} WHERE name = ANY($1::text[])`, [gone]);
    const stale: Projection[] = [];
    for (const p of this.list) {
      const row = stored.get(p.name);
      if (row !== undefined && row.version > p.version)
        throw new Error(`read model ${p.name} was built by a newer stance-state (version ${row.version}; this one has ${p.version})`);
      if (row === undefined) {
        for (const spec of p.tables) {
          await client.query(`DROP TABLE IF EXISTS ${this.dialect.table(spec.name)}`);
          await client.query(tableDdl(this.dialect, spec, spec.name));
          for (const ddl of indexDdls(this.dialect, spec, spec.name, 1)) await client.query(ddl);
        }
        await client.query(`INSERT INTO ${this.stateTable} (name, version, position, generation) VALUES ($1, $2, 0, 1)`, [p.name, p.version]);
      } else if (row.version !== p.version) stale.push(p);
    }
    return stale;
  }

  async readState(db: Queryable): Promise<ProjectorState> {
    const { rows } = await db.query<StateRow & { merge_key: string | null }>(
      `SELECT s.*, (SELECT value FROM ${this.settingsTable} WHERE key = 'merge_context') AS merge_key
       FROM (SELECT 1) one LEFT JOIN ${this.stateTable} s ON true`,
    );
    const states = new Map(rows.filter((r) => r.name !== null).map((r) => [r.name, { name: r.name, version: r.version, position: r.position, generation: r.generation }]));
    return { states, mergeKey: rows[0]?.merge_key ?? null };
  }

  /**
   * Which projections this process applies: those whose stored version is its own. Another version's tables (a
   * newer process rebuilt them during a rolling upgrade) are left to processes of that version, which catch up on
   * what this one appended.
   */
  private mine(states: ReadonlyMap<string, StateRow>): Projection[] {
    return this.list.filter((p) => states.get(p.name)?.version === p.version);
  }

  /** The store's commit hook: in the commit's transaction, after its events are inserted, under the order lock. */
  async onCommit(client: pg.PoolClient, committed: Committed): Promise<void> {
    const events = [...committed.imported, ...committed.appended].sort((a, b) => a.position - b.position);
    const first = events[0];
    const last = events[events.length - 1];
    if (first === undefined || last === undefined) return;
    const { states, mergeKey } = await this.readState(client);
    await this.hooks.beforeApply(client, mergeKey);
    refuseIfUpgraded(this.list, new Map([...states].map(([name, s]) => [name, s.version])));
    const mine = this.mine(states);
    if (mine.length === 0) return;
    await this.catchUp(client, mine, states, first.position - 1);
    await this.applyTo(client, mine, identity, events, committed.imported.length > 0);
    await client.query(`UPDATE ${this.stateTable} SET position = $1 WHERE name = ANY($2::text[])`, [last.position, mine.map((p) => p.name)]);
  }

  /**
   * Events of the batch replicated from another origin that sort, in fold order, before an event of their stream
   * already applied (a lower position): each maps to its stream's events in fold order up to it, to fold again.
   * Two queries for the whole batch: which events, then their streams' histories.
   */
  private async refolds(db: Queryable, events: readonly RecordedEvent[]): Promise<Map<number, RecordedEvent[]>> {
    const refolds = new Map<number, RecordedEvent[]>();
    const local = this.context.merge().local;
    const candidates = events.filter((e) => e.meta.origin !== local).map((e) => e.position);
    if (candidates.length === 0) return refolds;
    const n = this.store.names;
    const { rows: late } = await db.query<{ position: number }>(
      `SELECT e.position FROM ${n.events} e WHERE e.position = ANY($1::bigint[]) AND EXISTS (
         SELECT 1 FROM ${n.events} x WHERE x.stream = e.stream AND x.position < e.position AND (${foldKey('x')}) > (${foldKey('e')}))`,
      [candidates],
    );
    if (late.length === 0) return refolds;
    const positions = new Set(late.map((r) => r.position));
    const lateEvents = events.filter((e) => positions.has(e.position));
    const { rows } = await db.query<EventRow>(
      `SELECT ${eventColumns} FROM ${n.events} e WHERE stream = ANY($1::text[]) AND position <= $2 ORDER BY stream, ${foldKey('e')}`,
      [[...new Set(lateEvents.map((e) => e.stream))], Math.max(...positions)],
    );
    const byStream = new Map<string, RecordedEvent[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream) ?? [];
      list.push(toRecorded(row));
      byStream.set(row.stream, list);
    }
    for (const e of lateEvents) refolds.set(e.position, (byStream.get(e.stream) ?? []).filter((x) => x.position <= e.position));
    return refolds;
  }

  /** Applies events to `projections` (tables named by `namer`): one load per table, apply in memory, one save per table. */
  private async applyTo(db: Queryable, projections: readonly Projection[], namer: Namer, events: readonly RecordedEvent[], imported: boolean): Promise<void> {
    if (events.length === 0 || projections.length === 0) return;
    const refolds = imported ? await this.refolds(db, events) : new Map<number, RecordedEvent[]>();
    const cache = new RowCache(this.specs);
    for (const [table, keys] of rowsToLoad(projections, events, refolds)) {
      const spec = this.specs.get(table) as TableSpec;
      await loadRows(db, this.dialect, spec, namer(table), keys, (key, row) => cache.loaded(table, key, row));
    }
    applyBatch(projections, cache, events, refolds, this.context);
    for (const changes of cache.changes()) await saveChanges(db, this.dialect, changes, namer(changes.spec.name));
  }

  /** Events after `after` up to `upTo`, at most `limit`, in position order (only of `types`, when given). */
  private async range(db: Queryable, after: number, upTo: number, limit = chunkSize, types?: readonly string[]): Promise<RecordedEvent[]> {
    const { rows } = await db.query<EventRow>(
      `SELECT ${eventColumns} FROM ${this.store.names.events} WHERE position > $1 AND position <= $2
         ${types === undefined ? '' : 'AND type = ANY($4::text[])'} ORDER BY position LIMIT $3`,
      types === undefined ? [after, upTo, limit] : [after, upTo, limit, [...types]],
    );
    return rows.map(toRecorded);
  }

  /**
   * The keyed part of a rebuild: every event up to `head` in stream order (keyset pages over the stream-revision
   * index), each stream folded whole in memory and its rows written once into the empty shadow tables.
   */
  private async foldByStream(
    client: pg.PoolClient,
    keyed: readonly Projection[],
    head: number,
    namer: Namer,
    read: (n: number) => void,
  ): Promise<void> {
    const fold = new StreamFold(this.specs, keyed, this.context);
    // Rows go in as they fold, one INSERT per table (a statement is atomic alone, and the shadow tables are nobody's
    // until the swap), one batch in flight on this client while pages are read on other connections of the pool:
    // the server inserts and reads while this process folds.
    let inserting: Promise<void> = Promise.resolve();
    const insert = async (changes: readonly TableChanges[]) => {
      await inserting;
      inserting = (async () => {
        // Folded rows are new keys in the shadow tables: inserted, never upserted.
        for (const c of changes) await insertRows(client, this.dialect, c.puts.map((put) => put.after), namer(c.spec.name));
      })();
      inserting.catch(() => undefined); // awaited before the next batch and at the end
    };
    // The pool itself, never a client pinned for reads: the lanes' pages run at once, each on a connection.
    const pool = this.store.pool;
    const types = new Set(keyed.flatMap((p) => p.handles));
    const events = this.store.names.events;
    type Stored = [number, string, string, string, number, string, number, string, string, string, string | null];
    // Lanes: the streams cut into ranges at quantiles of the stream index, each read by its own keyset pages on its
    // own connection, one page ahead, so the server fetches (heap pages in stream order) for several ranges at once
    // while this process folds. A range ends at its successor's first stream; the comparisons are the server's own.
    const cuts = await streamCuts(pool, events, head, readLanes);
    interface Lane {
      readonly index: number;
      readonly below: string | null;
      next: Promise<pg.QueryResult<Stored>>;
    }
    // Rows as arrays, in `eventColumns` order and then fold_at: cheaper to build than objects, a page at a time.
    const page = (after: readonly [string, string, number], below: string | null) =>
      pool.query<Stored>({
        text: `SELECT ${eventColumns}, fold_at FROM ${events}
          WHERE position <= $1 AND (stream, origin, revision) > ($2, $3, $4)${below === null ? '' : ' AND stream < $6'}
          ORDER BY stream, origin, revision LIMIT $5`,
        values: below === null ? [head, ...after, lanePage] : [head, ...after, lanePage, below],
        rowMode: 'array',
      });
    const asked = (next: Promise<pg.QueryResult<Stored>>) => {
      next.catch(() => undefined); // awaited in turn; a write failing first must not leave it unhandled
      return next;
    };
    const lanes: Lane[] = [null, ...cuts].map((from, index) => {
      const below = cuts[index] ?? null;
      return { index, below, next: asked(page([from ?? '', '', -1], below)) };
    });
    let n = 0;
    // Each lane's page in turn: the next page of a lane is asked for before this one folds.
    for (let turn = 0; lanes.length > 0; turn += 1) {
      const at = turn % lanes.length;
      const lane = lanes[at] as Lane;
      const { rows } = await lane.next;
      const last = rows[rows.length - 1];
      if (last !== undefined && rows.length === lanePage) lane.next = asked(page([last[2], last[3], last[4]], lane.below));
      else lanes.splice(at, 1);
      for (const r of rows) {
        const event = types.has(r[5]) ? recorded(r[0], r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9]) : null;
        fold.add(r[2], streamEvent({ position: r[0], origin: r[3], revision: r[4], foldAt: r[10], meta: r[8] }, event), lane.index);
      }
      if (fold.waitingRows >= chunkSize) await insert(fold.takeRows());
      n += rows.length;
      read(n);
    }
    fold.finish();
    await insert(fold.takeRows());
    await inserting;
    // The counters, summed over every stream, are moved as in any batch.
    for (const c of fold.takeCounters()) await saveChanges(client, this.dialect, c, namer(c.spec.name));
  }

  /**
   * Applies, per projection, the events up to `upTo` it has not applied (appended by a writer without it), lowest
   * projections first so that projections at one position read each chunk once. Stops after about `budget` events.
   * Returns the positions reached; the caller stores them.
   */
  private async catchUp(
    db: Queryable,
    mine: readonly Projection[],
    states: ReadonlyMap<string, StateRow>,
    upTo: number,
    budget = Number.POSITIVE_INFINITY,
  ): Promise<Map<string, number>> {
    const at = new Map(mine.map((p) => [p.name, states.get(p.name)?.position ?? 0]));
    const pos = (p: Projection) => at.get(p.name) ?? 0;
    let spent = 0;
    while (spent < budget) {
      const behind = mine.filter((p) => pos(p) < upTo);
      if (behind.length === 0) break;
      const from = Math.min(...behind.map(pos));
      const group = behind.filter((p) => pos(p) === from);
      const until = Math.min(upTo, ...behind.filter((p) => pos(p) > from).map(pos));
      const events = await this.range(db, from, until);
      const reached = events.length < chunkSize ? until : (events[events.length - 1] as RecordedEvent).position;
      await this.applyTo(db, group, identity, events, true);
      for (const p of group) at.set(p.name, reached);
      spent += events.length;
    }
    return at;
  }

  /** Brings every read model up to the log's head, in chunks each in its own transaction under the order lock. */
  async refresh(): Promise<void> {
    for (;;) {
      const head = await headOn(this.store.db(), this.store.names);
      if ((await this.lowest()) >= head) return;
      const moved = await this.store.underOrderLock(async (client) => {
        const { states, mergeKey } = await this.readState(client);
        await this.hooks.beforeApply(client, mergeKey);
        const mine = this.mine(states);
        const target = await headOn(client, this.store.names);
        const reached = await this.catchUp(client, mine, states, target, chunkSize);
        const changed = [...reached].filter(([name, p]) => p !== states.get(name)?.position);
        if (changed.length > 0)
          await client.query(
            `UPDATE ${this.stateTable} s SET position = v.position FROM unnest($1::text[], $2::bigint[]) AS v(name, position) WHERE s.name = v.name`,
            [changed.map(([name]) => name), changed.map(([, p]) => p)],
          );
        return changed.length > 0;
      });
      // Projections of another version (left to their own processes) cannot be moved from here.
      if (!moved) return;
    }
  }

  async lowest(db: Queryable = this.store.db()): Promise<number> {
    return lowestOn(db, { stateTable: this.stateTable, names: this.names });
  }

  async status(): Promise<ProjectionStatus[]> {
    const db = this.store.db();
    const { states } = await this.readState(db);
    const out: ProjectionStatus[] = [];
    for (const p of this.list) {
      const row = states.get(p.name);
      const table = p.tables[0]?.name ?? p.name;
      const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${this.dialect.table(table)}`);
      out.push({ name: p.name, version: row?.version ?? p.version, position: row?.position ?? 0, rows: rows[0]?.n ?? 0 });
    }
    return out;
  }

  /**
   * Rebuilds projections side by side in one pass over the log into shadow tables (`findings__g4`), while other
   * writers keep writing to the live ones: each chunk is its own transaction and takes no lock writers wait for.
   * Then the secondary indexes are built on the shadows (faster from the sorted bulk than row by row), and one
   * transaction takes the order lock (nothing can commit meanwhile), applies what was appended since the last chunk,
   * drops the live tables, renames the shadows in their place and stores the new positions: readers see the old
   * tables or the new ones, never a mix (a snapshot locks its tables, see models.ts). One process rebuilds a schema
   * at a time (a session lock); returns the events applied.
   */
  async rebuild(
    chosen: readonly Projection[],
    onProgress: (name: string, done: number, total: number) => void = () => undefined,
    options: RebuildOptions = {},
  ): Promise<number> {
    if (chosen.length === 0) return 0;
    // Its swap takes the order lock on a client of its own: inside a unit of work (which holds it) it would wait forever.
    if (this.store.inUnit) throw new Error('a rebuild cannot run inside a unit of work');
    const n = this.store.names;
    const client = await this.store.pool.connect();
    let broken = false;
    try {
      await client.query(`SELECT pg_advisory_lock(${n.rebuildLock})`);
      try {
        return await this.rebuildLocked(client, chosen, onProgress, options);
      } catch (error) {
        // Shadows left behind are dropped by the next rebuild (it takes the same generation).
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw error;
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${n.rebuildLock})`).catch(() => (broken = true));
      }
    } finally {
      // A destroyed connection takes its session lock with it.
      client.release(broken);
    }
  }

  private async rebuildLocked(
    client: pg.PoolClient,
    requested: readonly Projection[],
    onProgress: (name: string, done: number, total: number) => void,
    options: RebuildOptions,
  ): Promise<number> {
    const { states, mergeKey } = await this.readState(client);
    if (options.unlessMergeKey !== undefined && mergeKey === options.unlessMergeKey) return 0;
    const chosen = options.staleOnly === true ? requested.filter((p) => states.get(p.name)?.version !== p.version) : requested;
    if (chosen.length === 0) return 0;
    const shadows = chosen.map((p) => {
      const generation = (states.get(p.name)?.generation ?? 0) + 1;
      const shadow: Namer = (logical) => `${logical}__g${generation}`;
      return { p, generation, shadow };
    });
    const namer: Namer = (logical) => {
      for (const s of shadows) if (s.p.tables.some((t) => t.name === logical)) return s.shadow(logical);
      return logical;
    };
    const t = (name: string) => this.dialect.table(name);
    await client.query('BEGIN');
    for (const { p, shadow } of shadows)
      for (const spec of p.tables) {
        await client.query(`DROP TABLE IF EXISTS ${t(shadow(spec.name))}`);
        await client.query(tableDdl(this.dialect, spec, shadow(spec.name)));
      }
    await client.query('COMMIT');
    const head = await headOn(client, this.store.names);
    let done = 0;
    const progress = () => {
      for (const p of chosen) onProgress(p.name, Math.min(done, head), head);
    };
    // The bulk, up to the head as it stood: projections partitioned by stream fold stream by stream, the others in
    // log order over the types they handle, each write its own transaction.
    const keyed = chosen.filter((p) => p.partition === 'stream');
    const ordered = chosen.filter((p) => p.partition !== 'stream');
    if (keyed.length > 0) await this.foldByStream(client, keyed, head, namer, (n) => ((done = n), progress()));
    if (ordered.length > 0) {
      const types = [...new Set(ordered.flatMap((p) => p.handles))];
      for (let from = 0; from < head; ) {
        const events = await this.range(client, from, head, chunkSize, types);
        if (events.length === 0) break;
        await client.query('BEGIN');
        await this.applyTo(client, ordered, namer, events, true);
        await client.query('COMMIT');
        from = (events[events.length - 1] as RecordedEvent).position;
        if (keyed.length === 0) ((done = from), progress());
      }
    }
    let position = head;
    const { rows: counted } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.store.names.events} WHERE position <= $1`, [head]);
    let applied = counted[0]?.n ?? 0;
    for (const { p, shadow, generation } of shadows)
      for (const spec of p.tables) for (const ddl of indexDdls(this.dialect, spec, shadow(spec.name), generation)) await client.query(ddl);
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.store.names.orderLock})`);
    for (;;) {
      const events = await this.range(client, position, Number.MAX_SAFE_INTEGER);
      if (events.length === 0) break;
      await this.applyTo(client, chosen, namer, events, true);
      applied += events.length;
      position = (events[events.length - 1] as RecordedEvent).position;
    }
    for (const { p, shadow, generation } of shadows) {
      for (const spec of p.tables) {
        await client.query(`DROP TABLE IF EXISTS ${t(spec.name)}`);
        await client.query(`ALTER TABLE ${t(shadow(spec.name))} RENAME TO ${this.dialect.id(spec.name)}`);
      }
      await client.query(
        `INSERT INTO ${this.stateTable} (name, version, position, generation) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = excluded.position, generation = excluded.generation`,
        [p.name, p.version, position, generation],
      );
    }
    await options.inSwap?.(client);
    await client.query('COMMIT');
    progress();
    return applied;
  }
}
