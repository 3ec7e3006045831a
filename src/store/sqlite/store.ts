import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { assertStreamName, Id, type NewEvent, type RecordedEvent } from '../../events/index.js';
import { InvalidInput } from '../../errors.js';
import type {
  AppendOptions,
  AppendResult,
  Durability,
  EventStore,
  LogStats,
  ReadAllOptions,
  ReadStreamOptions,
  StreamWrite,
  SubscribeOptions,
  Subscription,
  VerifyReport,
} from '../contract.js';
import { defaultOrigin } from '../origin.js';
import { parseWriteSchemas, prepareWrites, withWriteSchema, writeSchemasKey, type PreparedWrite, type WriteSchemas } from '../prepare.js';
import { Appender } from './append.js';
import { Importer, type ImportOutcome, type ImportRules } from './import.js';
import { filterSql, readAllRows, readStreamRows } from './read.js';
import { eventColumns, toRecorded, type EventRow } from './rows.js';
import { openLogDatabase } from './schema.js';
import { subscribeTo } from '../subscription.js';
import { verifyLog } from './verify.js';

export interface SqliteStoreOptions {
  readonly path: string;
  /** `full` (default): an acknowledged append survives power loss. `normal`: survives a crash of the process. */
  readonly durability?: Durability;
  /** The origin name for a new log; an existing log keeps the one it was created with. */
  readonly origin?: string;
  /** Milliseconds since the epoch; tests inject a clock. */
  readonly clock?: () => number;
  /** How often a live subscription looks for appends by other processes. */
  readonly pollMs?: number;
}

/**
 * Runs inside the append transaction, after the events are inserted: projections use it (read-your-writes).
 * `imported` marks events replicated from another origin, which may sort before events already applied.
 */
export type InlineHandler = (events: readonly RecordedEvent[], context: { readonly imported: boolean }) => void;

export { defaultOrigin } from '../origin.js';

/**
 * The embedded log: one SQLite file in WAL mode. The synchronous core (`appendSync`, `readAllSync`, …) is what
 * batch ingest and rebuilds use; the async methods are the EventStore contract over it, one promise per call.
 */
export class SqliteEventStore implements EventStore {
  readonly backend = 'sqlite';
  readonly atomicBatches = true;
  readonly db: Database.Database;
  private originName: string;
  readonly durability: Durability;
  readonly path: string;
  private appender: Appender;
  private readonly handlers: InlineHandler[] = [];
  private readonly local = new EventEmitter();
  private readonly clock: () => number;
  private readonly pollMs: number;
  private readonly head: Database.Statement<[], { head: number | null }>;
  private readonly transact: (writes: readonly PreparedWrite[]) => AppendResult[];
  private readonly importer: Importer;
  private readonly readWriteSchemas: Database.Statement<[], { value: string }>;
  private writeSchemaCache: { text: string | undefined; map: WriteSchemas } = { text: undefined, map: new Map() };

  constructor(options: SqliteStoreOptions) {
    this.path = options.path;
    this.durability = options.durability ?? 'full';
    if (this.durability !== 'full' && this.durability !== 'normal')
      throw new InvalidInput('durability', this.durability, "'full' or 'normal'");
    this.clock = options.clock ?? Date.now;
    this.pollMs = options.pollMs ?? 25;
    this.local.setMaxListeners(0);
    this.db = openLogDatabase(options.path, this.durability);
    this.originName = this.fixOrigin(options.origin);
    this.appender = new Appender(this.db, this.originName);
    this.head = this.db.prepare('SELECT max(position) AS head FROM events');
    const run = this.db.transaction((writes: readonly PreparedWrite[]) => {
      const recordedAt = this.appender.tick(this.clock());
      const results = writes.map((w) => this.appender.write(w, recordedAt));
      const fresh = results.filter((r) => r.fresh).flatMap((r) => r.events);
      if (fresh.length > 0) for (const handler of this.handlers) handler(fresh, { imported: false });
      return results.map(({ fresh: _, ...result }) => result);
    });
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can fail with
    // SQLITE_BUSY instead of waiting when another process holds the lock.
    this.transact = (writes) => run.immediate(writes);
    this.importer = new Importer(this.db);
    this.readWriteSchemas = this.db.prepare<[], { value: string }>(`SELECT value FROM store_meta WHERE key = '${writeSchemasKey}'`);
  }

  /**
   * Replicates events recorded elsewhere (sync pull), keeping their ids, origins, revisions, instants and checksums,
   * and appends `local` (say, the record of the pull) in the same transaction: both land or neither. The hybrid
   * clock moves past the newest instant imported, so what this origin writes next sorts after it.
   */
  importSync(
    events: readonly unknown[],
    rules: ImportRules,
    local: (outcome: ImportOutcome) => readonly StreamWrite[] = () => [],
  ): ImportOutcome & { readonly appended: readonly AppendResult[] } {
    const result = this.db
      .transaction(() => {
        const outcome = this.importer.write(events, rules);
        if (outcome.newest !== null) this.appender.observe(outcome.newest, rules.clockLimit);
        if (outcome.imported.length > 0) for (const handler of this.handlers) handler(outcome.imported, { imported: true });
        const writes = local(outcome);
        let appended: AppendResult[] = [];
        if (writes.length > 0) {
          const recordedAt = this.appender.tick(this.clock());
          const results = prepareWrites(writes, this.clock(), this.writeSchemasSync()).map((w) => this.appender.write(w, recordedAt));
          const fresh = results.filter((r) => r.fresh).flatMap((r) => r.events);
          if (fresh.length > 0) for (const handler of this.handlers) handler(fresh, { imported: false });
          appended = results.map(({ fresh: _, ...r }) => r);
        }
        const { newest: _, ...rest } = outcome;
        return { ...rest, appended };
      })
      .immediate();
    this.local.emit('appended');
    return result;
  }

  /** The origin this store writes under. */
  get origin(): string {
    return this.originName;
  }

  /**
   * Gives a data dir its origin name before it has written anything under the one it was created with (the
   * origin is in every event's checksum, so it cannot change afterwards).
   */
  renameOrigin(name: string): void {
    if (!Id.is(name)) throw new InvalidInput('origin', name, Id.name);
    this.db
      .transaction(() => {
        // Sync's own local records (trust configuration set before the first sync) never travel, so they do not
        // pin the name; anything that replicates or is this data dir's own (jobs) does.
        const own = this.db.prepare("SELECT 1 FROM events WHERE origin = ? AND stream NOT LIKE 'sync-%' LIMIT 1").get(this.originName);
        if (own !== undefined)
          throw new InvalidInput('origin', name, `${this.originName}: this data dir already wrote events under that name (set STANCE_STATE_ORIGIN before its first write to choose another)`);
        this.db.prepare("UPDATE store_meta SET value = ? WHERE key = 'origin'").run(name);
      })
      .immediate();
    this.originName = name;
    this.appender = new Appender(this.db, name);
  }

  private fixOrigin(wanted: string | undefined): string {
    if (wanted !== undefined && !Id.is(wanted)) throw new InvalidInput('origin', wanted, Id.name);
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[], { value: string }>("SELECT value FROM store_meta WHERE key = 'origin'").get();
        if (row !== undefined) return row.value;
        const origin = wanted ?? defaultOrigin();
        this.db.prepare("INSERT INTO store_meta (key, value) VALUES ('origin', ?)").run(origin);
        return origin;
      })
      .immediate();
  }

  /**
   * The schema each type is written at where the deployment chose one (`schema write`), read on every append: a
   * change by any process applies to the next write of every process.
   */
  writeSchemasSync(): WriteSchemas {
    const text = this.readWriteSchemas.get()?.value;
    if (text !== this.writeSchemaCache.text) this.writeSchemaCache = { text, map: parseWriteSchemas(text) };
    return this.writeSchemaCache.map;
  }

  async writeSchemas(): Promise<WriteSchemas> {
    return this.writeSchemasSync();
  }

  async setWriteSchema(type: string, schema: number): Promise<void> {
    this.db
      .transaction(() => {
        const next = withWriteSchema(this.readWriteSchemas.get()?.value, type, schema);
        this.db.prepare('INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)').run(writeSchemasKey, next);
      })
      .immediate();
  }

  /** Registers a handler run inside every append transaction; returns its removal. */
  onAppend(handler: InlineHandler): () => void {
    this.handlers.push(handler);
    return () => {
      const i = this.handlers.indexOf(handler);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  appendSync(writes: readonly StreamWrite[]): AppendResult[] {
    if (!Array.isArray(writes) || writes.length === 0) throw new InvalidInput('writes', writes, 'at least one write');
    const results = this.transact(prepareWrites(writes, this.clock(), this.writeSchemasSync()));
    this.local.emit('appended');
    return results;
  }

  /**
   * Runs `work` in one write transaction: the appends it makes (each a savepoint inside it) land together or not at
   * all, whatever their number; a throw rolls every one back. The lock is held throughout, so keep `work` to what
   * must be atomic (an import, not the reading and checking before it).
   */
  atomically<T>(work: () => T): T {
    const result = this.db.transaction(work).immediate();
    this.local.emit('appended');
    return result;
  }

  /**
   * Runs `work` with SQLite's page cache held to `mib` (32 MiB otherwise), then restores it: a long import keeps
   * its resident memory bounded at some cost in speed. Pages over the cap are spilled to the WAL mid-transaction.
   */
  withPageCache<T>(mib: number, work: () => T): T {
    const before = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = ${-Math.round(mib * 1024)}`);
    try {
      return work();
    } finally {
      this.db.pragma(`cache_size = ${before}`);
    }
  }

  async append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    const [result] = this.appendSync([{ stream, events, ...options }]);
    return result as AppendResult;
  }

  async appendMany(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]> {
    return this.appendSync(writes);
  }

  readAllSync(options: ReadAllOptions = {}): Generator<RecordedEvent> {
    return readAllRows(this.db, options);
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    yield* this.readAllSync(options);
  }

  readStreamSync(stream: string, options: ReadStreamOptions = {}): Generator<RecordedEvent> {
    assertStreamName(stream);
    return readStreamRows(this.db, stream, options.origin ?? this.origin, options);
  }

  async *readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    yield* this.readStreamSync(stream, options);
  }

  /**
   * Every origin's events of one stream in fold order (recordedAt, origin, revision), up to a position: what a
   * replica folds to merge what several origins recorded about one entity. A replicated event recorded beyond its
   * batch's clock bound folds at its capped instant (`fold_at`).
   */
  readMergedSync(stream: string, upToPosition = Number.MAX_SAFE_INTEGER, afterPosition = 0): RecordedEvent[] {
    assertStreamName(stream);
    this.merged ??= this.db.prepare<[string, number, number], EventRow>(
      `SELECT ${eventColumns} FROM events WHERE stream = ? AND position <= ? AND position > ?
       ORDER BY coalesce(fold_at, json_extract(meta, '$.recordedAt')), origin, revision`,
    );
    return this.merged.all(stream, upToPosition, afterPosition).map(toRecorded);
  }

  async readEntity(stream: string, options: { afterPosition?: number; upToPosition?: number } = {}): Promise<RecordedEvent[]> {
    return this.readMergedSync(stream, options.upToPosition, options.afterPosition);
  }

  private merged: Database.Statement<[string, number, number], EventRow> | null = null;

  subscribe(options: SubscribeOptions = {}): Subscription {
    const { sql, params } = filterSql(options.filter);
    const page = this.db.prepare<unknown[], EventRow>(
      `SELECT ${eventColumns} FROM events WHERE position > ?${sql} ORDER BY position LIMIT 500`,
    );
    // One deferred read transaction: the page and the head come from the same WAL snapshot.
    const snapshot = this.db.transaction((position: number) => ({
      events: page.all(position, ...params).map(toRecorded),
      head: this.headPositionSync(),
    }));
    return subscribeTo(
      {
        page: (position) => snapshot(position),
        // Appends by this process wake at once; other processes on the file are seen by polling the head (one
        // indexed MAX(rowid) per tick): SQLite has no cross-process notification.
        watch: (wake) => {
          let lastHead = this.headPositionSync();
          const timer = setInterval(() => {
            const head = this.headPositionSync();
            if (head !== lastHead) {
              lastHead = head;
              wake();
            }
          }, this.pollMs);
          this.local.on('appended', wake);
          return () => {
            clearInterval(timer);
            this.local.off('appended', wake);
          };
        },
      },
      options,
    );
  }

  headPositionSync(): number {
    return this.head.get()?.head ?? 0;
  }

  async headPosition(): Promise<number> {
    return this.headPositionSync();
  }

  private revisionOf: Database.Statement<[string, string], number> | null = null;

  streamRevisionSync(stream: string, origin = this.origin): number | null {
    assertStreamName(stream);
    this.revisionOf ??= this.db
      .prepare<[string, string], number>('SELECT revision FROM events WHERE stream = ? AND origin = ? ORDER BY revision DESC LIMIT 1')
      .pluck();
    return this.revisionOf.get(stream, origin) ?? null;
  }

  async streamRevision(stream: string, origin?: string): Promise<number | null> {
    return this.streamRevisionSync(stream, origin);
  }

  verifySync(onProgress?: (done: number, total: number) => void): VerifyReport {
    return verifyLog(this.db, onProgress);
  }

  async verify(options: { onProgress?: (done: number, total: number) => void } = {}): Promise<VerifyReport> {
    return this.verifySync(options.onProgress);
  }

  statsSync(): LogStats {
    const events = this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()?.n ?? 0;
    const streams =
      this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM (SELECT DISTINCT stream FROM events)').get()?.n ?? 0;
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    const bytes = size(this.path) + size(`${this.path}-wal`);
    return { events, streams, headPosition: this.headPositionSync(), bytes };
  }

  async stats(): Promise<LogStats> {
    return this.statsSync();
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    if (this.db.open) this.db.close();
  }
}
