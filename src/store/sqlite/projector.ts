import type Database from 'better-sqlite3';
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
import { sqlite } from '../sql/dialect.js';
import { indexDdls, tableDdl, type Namer } from '../sql/ddl.js';
import { loadRows, saveChanges, Statements } from './models.js';
import { eventColumns, toRecordedRaw, type RawEventRow } from './rows.js';
import { withRebuildLock } from './rebuild-lock.js';
import type { SqliteEventStore } from './store.js';

interface StateRow {
  name: string;
  version: number;
  position: number;
  generation: number;
}

const identity: Namer = (name) => name;
const chunkSize = 5000;
/**
 * Events per page of the keyed rebuild's stream-order read: small pages cost SQLite little (a keyset page starts with
 * one index seek) and keep less alive across collections (measured at 1M events: 211–215 MB peak against 230–238 MB
 * with pages of 5,000, in the same time).
 */
const streamPage = 1000;
/**
 * Folded rows held before they are written, each batch its own transaction: rows waiting across many collections
 * are promoted and then die in the old generation (measured at 1M events, six runs each: 205–211 MB peak with 1,000
 * against 216–254 MB with 5,000, in the same time).
 */
const rowsPerWrite = 1000;
/** Tables of read models this version no longer has (finding_stats moved into the findings projection). */
const legacyTables = ['finding_stats_lifecycles'];

type RebuildProgress = (name: string, done: number, total: number) => void;

export interface RebuildOptions {
  /** Only the chosen projections whose stored version still differs (checked under the rebuild lock). */
  readonly staleOnly?: boolean;
  /** Skips the rebuild if this holds under the rebuild lock (another process did the same rebuild meanwhile). */
  readonly unless?: () => boolean;
  /** Runs in the swap's transaction. */
  readonly inSwap?: () => void;
}

const refuseNewer = (p: Projection, row: StateRow): void => {
  if (row.version > p.version)
    throw new Error(`read model ${p.name} was built by a newer stance-state (version ${row.version}; this one has ${p.version})`);
};

/**
 * Keeps the projections' read models in the log's file: applies every appended event inside the append
 * transaction (read-your-writes), catches up on events other writers appended without projections, and rebuilds
 * into shadow tables that replace the live ones in one transaction, so queries keep working meanwhile.
 */
export class SqliteProjector {
  readonly specs: ReadonlyMap<string, TableSpec>;
  private readonly state: Database.Statement<[string], StateRow>;
  private readonly setPosition: Database.Statement<[number, string]>;
  private readonly versions: Database.Statement<[], { name: string; version: number }>;
  private readonly sortsBefore: Database.Statement<[number], number>;

  constructor(
    private readonly db: Database.Database,
    private readonly store: SqliteEventStore,
    private readonly list: readonly Projection[],
    private readonly statements: Statements,
    readonly context: ProjectionContext,
  ) {
    this.specs = tableSpecs(list);
    this.db.exec(`CREATE TABLE IF NOT EXISTS projection_state (name TEXT PRIMARY KEY, version INTEGER NOT NULL,
      position INTEGER NOT NULL, generation INTEGER NOT NULL) STRICT`);
    this.state = this.db.prepare('SELECT * FROM projection_state WHERE name = ?');
    this.setPosition = this.db.prepare('UPDATE projection_state SET position = ? WHERE name = ?');
    this.versions = this.db.prepare('SELECT name, version FROM projection_state');
    // Whether an event already applied (lower position, same stream) folds after this one. A replicated event folds
    // at its capped instant when its batch carried one (fold_at), else at its recordedAt.
    this.sortsBefore = this.db
      .prepare<[number], number>(
        `SELECT 1 FROM events AS e, events AS x WHERE e.position = ? AND x.stream = e.stream AND x.position < e.position
           AND (coalesce(x.fold_at, json_extract(x.meta, '$.recordedAt')), x.origin, x.revision)
             > (coalesce(e.fold_at, json_extract(e.meta, '$.recordedAt')), e.origin, e.revision) LIMIT 1`,
      )
      .pluck();
  }

  /** Creates tables on first use; rebuilds a projection whose version changed; drops tables no projection owns. */
  install(onRebuild?: (name: string, done: number, total: number) => void): void {
    const stale: Projection[] = [];
    this.db
      .transaction(() => {
        for (const table of legacyTables) this.db.exec(`DROP TABLE IF EXISTS ${sqlite.id(table)}`);
        const known = new Set(this.list.map((p) => p.name));
        for (const row of this.db.prepare<[], StateRow>('SELECT * FROM projection_state').all())
          if (!known.has(row.name)) this.db.prepare('DELETE FROM projection_state WHERE name = ?').run(row.name);
        for (const p of this.list) {
          const row = this.state.get(p.name);
          if (row !== undefined) refuseNewer(p, row);
          if (row === undefined) {
            for (const spec of p.tables) {
              this.db.exec(`DROP TABLE IF EXISTS ${sqlite.id(spec.name)}`);
              this.db.exec(tableDdl(sqlite, spec, spec.name));
              for (const ddl of indexDdls(sqlite, spec, spec.name, 1)) this.db.exec(ddl);
            }
            this.db.prepare('INSERT INTO projection_state VALUES (?, ?, 0, 1)').run(p.name, p.version);
          } else if (row.version !== p.version) stale.push(p);
        }
      })
      .immediate();
    if (stale.length > 0) this.rebuildLocked(stale, onRebuild, { staleOnly: true });
  }

  /** Events of the batch that replicated in late (sorting before events of their stream already applied). */
  private refolds(events: readonly RecordedEvent[]): Map<number, RecordedEvent[]> {
    const refolds = new Map<number, RecordedEvent[]>();
    const local = this.context.merge().local;
    for (const event of events)
      if (event.meta.origin !== local && this.sortsBefore.get(event.position) === 1)
        refolds.set(event.position, this.store.readMergedSync(event.stream, event.position));
    return refolds;
  }

  /** Applies events to `projections` (tables named by `namer`) and writes the changes; inside the caller's transaction. */
  private applyTo(projections: readonly Projection[], namer: Namer, events: readonly RecordedEvent[], imported: boolean): void {
    if (events.length === 0 || projections.length === 0) return;
    const refolds = imported ? this.refolds(events) : new Map<number, RecordedEvent[]>();
    const cache = new RowCache(this.specs);
    for (const [table, keys] of rowsToLoad(projections, events, refolds)) {
      const spec = this.specs.get(table) as TableSpec;
      loadRows(this.statements, spec, namer(table), keys, (key, row) => cache.loaded(table, key, row));
    }
    applyBatch(projections, cache, events, refolds, this.context);
    for (const changes of cache.changes()) saveChanges(this.statements, changes, namer(changes.spec.name));
  }

  /**
   * Which projections this process applies: those whose stored version is its own. Another version's tables (a
   * newer release rebuilt them while this process kept running, in a rolling upgrade) are left to processes of that
   * version, which catch up on what this one appends; one query per transaction.
   */
  private ownVersions(refuseIfNewer = false): readonly Projection[] {
    const stored = new Map(this.versions.all().map((r) => [r.name, r.version]));
    if (refuseIfNewer) refuseIfUpgraded(this.list, stored);
    const own = this.list.filter((p) => stored.get(p.name) === p.version);
    return own.length === this.list.length ? this.list : own;
  }

  /** Runs inside the append transaction: first what others appended unprojected, then these events. */
  apply(events: readonly RecordedEvent[], imported: boolean): void {
    const first = events[0];
    if (first === undefined) return;
    const own = this.ownVersions(true);
    this.catchUpTo(first.position - 1, own);
    this.applyTo(own, identity, events, imported);
    const last = (events[events.length - 1] as RecordedEvent).position;
    for (const p of own) this.setPosition.run(last, p.name);
  }

  /** Applies, per projection, the events up to `position` it has not applied (appended by a writer without it). */
  private catchUpTo(position: number, own: readonly Projection[] = this.ownVersions()): void {
    for (const p of own) {
      let from = this.state.get(p.name)?.position ?? 0;
      while (from < position) {
        const events = [...this.store.readAllSync({ fromPosition: from, limit: Math.min(chunkSize, position - from) })];
        if (events.length === 0) break;
        this.applyTo([p], identity, events, true);
        from = (events[events.length - 1] as RecordedEvent).position;
        this.setPosition.run(from, p.name);
      }
    }
  }

  /** Brings every read model up to the log's head. */
  refresh(): void {
    const head = this.store.headPositionSync();
    if (this.lowest() < head) this.db.transaction(() => this.catchUpTo(head)).immediate();
  }

  lowest(): number {
    return Math.min(...this.list.map((p) => this.state.get(p.name)?.position ?? 0));
  }

  status(): ProjectionStatus[] {
    return this.list.map((p) => {
      const row = this.state.get(p.name);
      const table = p.tables[0]?.name ?? p.name;
      const rows = (this.db.prepare(`SELECT count(*) AS n FROM ${sqlite.id(table)}`).get() as { n: number } | undefined)?.n ?? 0;
      return { name: p.name, version: row?.version ?? p.version, position: row?.position ?? 0, rows };
    });
  }

  names(): string[] {
    return this.list.map((p) => p.name);
  }

  /**
   * The keyed part of a rebuild: every event up to `head` in stream order (the events_by_stream index, one page per
   * query, so no statement stays open across the writes), each stream folded whole in memory and its rows written
   * once, in key order, into the empty shadow tables.
   */
  private foldByStream(keyed: readonly Projection[], head: number, write: (changes: readonly TableChanges[]) => void, read: (n: number) => void): void {
    const fold = new StreamFold(this.specs, keyed, this.context);
    const types = new Set(keyed.flatMap((p) => p.handles));
    const page = this.db
      .prepare<[number, string, string, number, number], [...RawEventRow, string | null]>(
        `SELECT ${eventColumns}, fold_at FROM events
          WHERE position <= ? AND (stream, origin, revision) > (?, ?, ?) ORDER BY stream, origin, revision LIMIT ?`,
      )
      .raw();
    let after: [string, string, number] = ['', '', -1];
    let n = 0;
    for (;;) {
      const rows = page.all(head, ...after, streamPage);
      for (const row of rows) {
        const event = types.has(row[5]) ? toRecordedRaw(row as unknown as RawEventRow) : null;
        fold.add(row[2], streamEvent({ position: row[0], origin: row[3], revision: row[4], foldAt: row[10], meta: row[8] }, event));
      }
      if (fold.waitingRows >= rowsPerWrite) write(fold.takeRows());
      n += rows.length;
      read(n);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < streamPage) break;
      after = [last[2], last[3], last[4]];
    }
    fold.finish();
    write([...fold.takeRows(), ...fold.takeCounters()]);
  }

  /** Rebuilds one projection (or all) from the log; returns the events applied. */
  rebuild(name?: string, onProgress?: (name: string, done: number, total: number) => void, options: RebuildOptions = {}): number {
    return this.rebuildLocked(name === undefined ? this.list : this.list.filter((p) => p.name === name), onProgress, options);
  }

  /** Under the rebuild lock: what `options` still asks for once another process's rebuild may have run. */
  private rebuildLocked(requested: readonly Projection[], onProgress: RebuildProgress | undefined, options: RebuildOptions): number {
    return withRebuildLock(this.store.path, () => {
      if (options.unless?.() === true) return 0;
      const chosen = options.staleOnly === true ? requested.filter((p) => this.isStale(p)) : requested;
      // The shadow tables are written once, in key order mostly: a small page cache costs a rebuild little and keeps
      // its resident memory near an ordinary process's (measured: peak 222 MB instead of 274 MB at 100,000 events).
      return this.store.withPageCache(16, () =>
        this.rebuildAll(chosen, (p, done, total) => onProgress?.(p.name, done, total), options.inSwap),
      );
    });
  }

  /** Whether the stored read model is of another version than `p`'s (a newer one refuses, as at install). */
  private isStale(p: Projection): boolean {
    const row = this.state.get(p.name);
    if (row !== undefined) refuseNewer(p, row);
    return row?.version !== p.version;
  }

  /**
   * Rebuilds projections side by side into shadow tables: up to the head as it stood, the keyed ones stream by stream
   * and the others over the types they handle, each write its own transaction (other writers get the lock between
   * them and keep the live tables current); secondary indexes are built after the bulk (SQLite builds an index from
   * sorted keys far faster than it maintains one row by row); then under the write lock what was appended meanwhile
   * is applied and the shadows replace the live tables.
   */
  private rebuildAll(
    chosen: readonly Projection[],
    onProgress: (p: Projection, done: number, total: number) => void,
    inSwap: () => void = () => undefined,
  ): number {
    if (chosen.length === 0) return 0;
    const shadows = chosen.map((p) => {
      const generation = (this.state.get(p.name)?.generation ?? 0) + 1;
      const shadow: Namer = (logical) => `${logical}__g${generation}`;
      return { p, generation, shadow };
    });
    const namer: Namer = (logical) => {
      for (const s of shadows) if (s.p.tables.some((t) => t.name === logical)) return s.shadow(logical);
      return logical;
    };
    // IMMEDIATE, as every write here: a deferred transaction would read the schema (DROP of a table that is not
    // there), then fail at once with SQLITE_BUSY rather than wait if another process held or took the write lock.
    this.db
      .transaction(() => {
        for (const { p, shadow } of shadows)
          for (const spec of p.tables) {
            this.db.exec(`DROP TABLE IF EXISTS ${sqlite.id(shadow(spec.name))}`);
            this.db.exec(tableDdl(sqlite, spec, shadow(spec.name)));
          }
      })
      .immediate();
    this.statements.clear();
    const head = this.store.headPositionSync();
    let done = 0;
    const progress = () => {
      for (const p of chosen) onProgress(p, Math.min(done, head), head);
    };
    // BEGIN IMMEDIATE: the write lock waits its turn (busy_timeout) rather than failing on a snapshot gone stale.
    const writing = this.db.transaction((changes: readonly TableChanges[]) => {
      for (const c of changes) saveChanges(this.statements, c, namer(c.spec.name));
    });
    const write = (changes: readonly TableChanges[]) => writing.immediate(changes);
    // The bulk, up to the head as it stood: projections partitioned by stream fold stream by stream, the others in
    // log order over the types they handle. Each write is its own transaction: other writers get the lock between
    // them and keep the live tables current.
    const keyed = chosen.filter((p) => p.partition === 'stream');
    const ordered = chosen.filter((p) => p.partition !== 'stream');
    if (keyed.length > 0) this.foldByStream(keyed, head, write, (n) => ((done = n), progress()));
    if (ordered.length > 0) {
      const types = [...new Set(ordered.flatMap((p) => p.handles))];
      const step = this.db.transaction((events: readonly RecordedEvent[]) => this.applyTo(ordered, namer, events, true));
      for (let from = 0; from < head; ) {
        const events = [...this.store.readAllSync({ fromPosition: from, limit: chunkSize, filter: { types } })].filter((e) => e.position <= head);
        if (events.length === 0) break;
        step.immediate(events);
        from = (events[events.length - 1] as RecordedEvent).position;
        if (keyed.length === 0) ((done = from), progress());
      }
    }
    let position = head;
    let applied = (this.db.prepare('SELECT count(*) FROM events WHERE position <= ?').pluck().get(head) as number) ?? 0;
    this.db
      .transaction(() => {
        for (const { p, shadow, generation } of shadows)
          for (const spec of p.tables) for (const ddl of indexDdls(sqlite, spec, shadow(spec.name), generation)) this.db.exec(ddl);
      })
      .immediate();
    this.db
      .transaction(() => {
        for (;;) {
          const events = [...this.store.readAllSync({ fromPosition: position, limit: chunkSize })];
          if (events.length === 0) break;
          this.applyTo(chosen, namer, events, true);
          applied += events.length;
          position = (events[events.length - 1] as RecordedEvent).position;
        }
        for (const { p, shadow, generation } of shadows) {
          for (const spec of p.tables) {
            this.db.exec(`DROP TABLE IF EXISTS ${sqlite.id(spec.name)}`);
            this.db.exec(`ALTER TABLE ${sqlite.id(shadow(spec.name))} RENAME TO ${sqlite.id(spec.name)}`);
          }
          this.db.prepare('INSERT OR REPLACE INTO projection_state VALUES (?, ?, ?, ?)').run(p.name, p.version, position, generation);
        }
        inSwap();
      })
      .immediate();
    this.statements.clear();
    progress();
    return applied;
  }
}
