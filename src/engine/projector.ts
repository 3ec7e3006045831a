import type Database from 'better-sqlite3';
import type { Applier, Projection, ProjectionContext, TableNamer } from '../../projections/index.js';
import type { MergeContext } from '../domain/index.js';
import { createHash } from 'node:crypto';
import { asDomainEvent, canonicalJson, ConflictPolicy, type Json, type RecordedEvent } from '../events/index.js';

/** The local stream of a replica's trust material (see src/sync/trust). */
export const trustStream = 'sync-trust';
import type { SqliteEventStore } from '../store/index.js';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly position: number;
  readonly rows: number;
}

interface StateRow {
  name: string;
  version: number;
  position: number;
  generation: number;
}

const identity: TableNamer = (name) => name;
const chunk = 5000;

/**
 * Keeps the projections' read models in the log's file: applies every appended event inside the append
 * transaction (read-your-writes), catches up on events other writers appended without projections, and rebuilds
 * into shadow tables that replace the live ones in one transaction, so queries keep working meanwhile.
 */
export class Projector {
  private readonly db: Database.Database;
  private readonly appliers: Applier[] = [];
  private readonly state: Database.Statement<[string], StateRow>;
  private readonly setPosition: Database.Statement<[number, string]>;
  private readonly sortsBefore: Database.Statement<[number], number>;
  private merge: MergeContext | null = null;
  readonly context: ProjectionContext = { merge: () => (this.merge ??= this.currentMerge()) };

  constructor(
    private readonly store: SqliteEventStore,
    private readonly list: readonly Projection[],
    onRebuild?: (name: string, done: number, total: number) => void,
  ) {
    this.db = store.db;
    this.db.exec(`CREATE TABLE IF NOT EXISTS projection_state (name TEXT PRIMARY KEY, version INTEGER NOT NULL,
      position INTEGER NOT NULL, generation INTEGER NOT NULL) STRICT`);
    this.state = this.db.prepare('SELECT * FROM projection_state WHERE name = ?');
    this.setPosition = this.db.prepare('UPDATE projection_state SET position = ? WHERE name = ?');
    // Whether an event already applied (lower position, same stream) folds after this one. A replicated event folds
    // at its capped instant when its batch carried one (fold_at), else at its recordedAt.
    this.sortsBefore = this.db
      .prepare<[number], number>(
        `SELECT 1 FROM events AS e, events AS x WHERE e.position = ? AND x.stream = e.stream AND x.position < e.position
           AND (coalesce(x.fold_at, json_extract(x.meta, '$.recordedAt')), x.origin, x.revision)
             > (coalesce(e.fold_at, json_extract(e.meta, '$.recordedAt')), e.origin, e.revision) LIMIT 1`,
      )
      .pluck();
    for (const p of list) this.install(p, onRebuild);
    // Read models folded under another merge policy or central origin are folded again under the current one.
    if (this.storedMergeKey() !== null && this.storedMergeKey() !== this.mergeKey())
      for (const p of list) this.rebuildOne(p, (done, total) => onRebuild?.(p.name, done, total));
    this.saveMergeKey();
    this.db.transaction(() => this.catchUp()).immediate();
    store.onAppend((events) => this.apply(events));
  }

  /**
   * The policy (set by sync), and the central origin and what each origin may say, as the replica's own trust
   * configuration resolved them (the latest SyncAuthorityRecorded); without one, a data dir that named itself central
   * is its own central. Claims inside pulled batches never count.
   */
  private currentMerge(): MergeContext {
    const stored = this.db.prepare<[], string>("SELECT value FROM store_meta WHERE key = 'conflict_policy'").pluck().get();
    const policy = stored !== undefined && ConflictPolicy.is(stored) ? stored : 'latest_wins';
    const local = this.store.origin;
    // The trust stream is local (sync never imports sync-* streams); it is read whatever name this data dir had when
    // it was written, as an operator may configure trust before the data dir's first sync names it.
    let latest: MergeContext | null = null;
    for (const e of this.store.readAllSync({ filter: { streamPrefix: trustStream, types: ['SyncAuthorityRecorded'] } })) {
      const d = asDomainEvent(e);
      if (d.type !== 'SyncAuthorityRecorded' || e.stream !== trustStream) continue;
      latest = { policy, local, central: d.data.central, authority: d.data.mode === 'open' ? null : new Map(Object.entries(d.data.origins)) };
    }
    if (latest !== null) return latest;
    let central: string | null = null;
    for (const e of this.store.readStreamSync('sync-origin')) {
      const d = asDomainEvent(e);
      if (d.type === 'OriginNamed' && d.data.central) central = local;
    }
    return { policy, local, central, authority: null };
  }

  private mergeKey(): string {
    const m = this.context.merge();
    const authority = m.authority === null ? null : [...m.authority].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    // local_wins and the authority table both depend on who is local.
    const local = m.policy === 'local_wins' || authority !== null ? m.local : null;
    return createHash('sha256').update(canonicalJson([m.policy, m.central, local, authority] as unknown as Json)).digest('hex');
  }

  private storedMergeKey(): string | null {
    return this.db.prepare<[], string>("SELECT value FROM store_meta WHERE key = 'merge_context'").pluck().get() ?? null;
  }

  private saveMergeKey(): void {
    this.db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('merge_context', ?)").run(this.mergeKey());
  }

  /**
   * Sets the conflict policy and looks again for the central origin; when either changed, every projection is
   * folded again under it. Returns whether it changed.
   */
  remerge(policy?: ConflictPolicy): boolean {
    if (policy !== undefined)
      this.db.prepare("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('conflict_policy', ?)").run(policy);
    const before = this.storedMergeKey();
    this.merge = null;
    if (before === this.mergeKey()) return false;
    this.rebuild();
    this.saveMergeKey();
    return true;
  }

  /**
   * Applies events in log order. An event replicated from another origin that sorts (recordedAt, origin, revision)
   * before an event of its stream already applied makes that stream fold again, in that order, from all its events
   * so far: every replica then holds the fold of the same events in the same order, whatever order they arrived in.
   */
  private fold(appliers: readonly Applier[], event: RecordedEvent): void {
    const late =
      event.meta.origin !== this.store.origin &&
      this.sortsBefore.get(event.position) === 1;
    if (!late) {
      for (const applier of appliers) applier.apply(event);
      return;
    }
    const refolding = appliers.filter((a) => a.forget !== undefined);
    for (const applier of appliers) if (applier.forget === undefined) applier.apply(event);
    if (refolding.length === 0) return;
    for (const applier of refolding) applier.forget?.(event);
    for (const e of this.store.readMergedSync(event.stream, event.position)) for (const applier of refolding) applier.apply(e);
  }

  /** Creates a projection's tables on first use; rebuilds it when its version changed. */
  private install(p: Projection, onRebuild?: (name: string, done: number, total: number) => void): void {
    const created = this.db
      .transaction(() => {
        const row = this.state.get(p.name);
        if (row !== undefined && row.version > p.version)
          throw new Error(
            `read model ${p.name} was built by a newer stance-state (version ${row.version}; this one has ${p.version})`,
          );
        if (row !== undefined) return row.version === p.version;
        for (const sql of p.ddl(identity)) this.db.exec(sql);
        this.db.prepare('INSERT INTO projection_state VALUES (?, ?, 0, 0)').run(p.name, p.version);
        return true;
      })
      .immediate();
    if (!created) this.rebuildOne(p, (done, total) => onRebuild?.(p.name, done, total));
  }

  /** Every projection stands at the same position after each transaction; the lowest is where to resume. */
  private catchUp(): void {
    const positions = this.list.map((p) => this.state.get(p.name)?.position ?? 0);
    const from = Math.min(...positions);
    let position = from;
    if (this.appliers.length === 0) for (const p of this.list) this.appliers.push(p.prepare(this.db, identity, this.context));
    for (const event of this.store.readAllSync({ fromPosition: from })) {
      this.fold(this.appliers.filter((_, i) => event.position > (positions[i] ?? 0)), event);
      position = event.position;
    }
    this.flush();
    for (const p of this.list) this.setPosition.run(position, p.name);
  }

  /** Runs inside the append transaction. */
  private apply(events: readonly RecordedEvent[]): void {
    const first = events[0];
    if (first === undefined) return;
    // Another writer (a process without projections, say) may have appended events no projection has applied:
    // apply those first, per projection, so every row folds the log in order.
    this.list.forEach((p, i) => {
      const stored = this.state.get(p.name)?.position ?? 0;
      if (stored < first.position - 1)
        for (const event of this.store.readAllSync({ fromPosition: stored, limit: first.position - 1 - stored }))
          this.fold(this.appliers.slice(i, i + 1), event);
    });
    for (const event of events) this.fold(this.appliers, event);
    this.flush();
    const last = (events[events.length - 1] as RecordedEvent).position;
    for (const p of this.list) this.setPosition.run(last, p.name);
  }

  private flush(): void {
    for (const applier of this.appliers) applier.flush?.();
  }

  private lowestPosition(): number {
    return Math.min(...this.list.map((p) => this.state.get(p.name)?.position ?? 0));
  }

  /** Brings the read models up to the head (events appended by other processes are applied there already). */
  refresh(): void {
    if (this.lowestPosition() < this.store.headPositionSync()) this.db.transaction(() => this.catchUp()).immediate();
  }

  /** The log position every read model reflects. */
  position(): number {
    return this.lowestPosition();
  }

  status(): ProjectionStatus[] {
    return this.list.map((p) => {
      const row = this.state.get(p.name);
      const table = p.tables[0] ?? p.name;
      const rows = this.db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
      return { name: p.name, version: row?.version ?? p.version, position: row?.position ?? 0, rows };
    });
  }

  names(): string[] {
    return this.list.map((p) => p.name);
  }

  /** Rebuilds one projection (or all) from the log; returns the events applied. */
  rebuild(name?: string, onProgress?: (name: string, done: number, total: number) => void): number {
    const chosen = name === undefined ? this.list : this.list.filter((p) => p.name === name);
    const applied = this.rebuildAll(chosen, (p, done, total) => onProgress?.(p.name, done, total));
    // The live appliers hold statements on the replaced tables: prepare them again.
    this.appliers.splice(0, this.appliers.length, ...this.list.map((p) => p.prepare(this.db, identity, this.context)));
    return applied;
  }

  private rebuildOne(p: Projection, onProgress: (done: number, total: number) => void): number {
    return this.rebuildAll([p], (_, done, total) => onProgress(done, total));
  }

  /**
   * Rebuilds projections side by side in one pass over the log: each event is read and parsed once and applied to
   * each (one pass per projection read the log five times). Non-unique indexes are created after the bulk of the log
   * is applied: SQLite builds an index from sorted keys far faster than it maintains one row by row. Unique indexes
   * stay with their tables (a conflict clause may rely on them); appliers look rows up by primary or unique keys.
   */
  private rebuildAll(
    chosen: readonly Projection[],
    onProgress: (p: Projection, done: number, total: number) => void,
  ): number {
    if (chosen.length === 0) return 0;
    const isIndex = (sql: string) => /^\s*CREATE\s+INDEX\b/i.test(sql);
    const shadows = chosen.map((p) => {
      const generation = (this.state.get(p.name)?.generation ?? 0) + 1;
      const shadow: TableNamer = (logical) => `${logical}__g${generation}`;
      const ddl = p.ddl(shadow);
      return { p, generation, shadow, tables: ddl.filter((sql) => !isIndex(sql)), indexes: ddl.filter(isIndex) };
    });
    this.db.transaction(() => {
      for (const { p, shadow, tables } of shadows) {
        for (const table of p.tables) this.db.exec(`DROP TABLE IF EXISTS ${shadow(table)}`);
        for (const sql of tables) this.db.exec(sql);
      }
    })();
    const appliers = shadows.map(({ p, shadow }) => p.prepare(this.db, shadow, this.context));
    const total = this.store.headPositionSync();
    let position = 0;
    let applied = 0;
    const progress = () => {
      for (const p of chosen) onProgress(p, position, Math.max(total, position));
    };
    // Chunks in their own transactions: other writers get the lock between them and keep the live tables current.
    const step = this.db.transaction((events: readonly RecordedEvent[]) => {
      for (const event of events) this.fold(appliers, event);
      for (const applier of appliers) applier.flush?.();
    });
    const pending: RecordedEvent[] = [];
    const flush = () => {
      step.immediate(pending);
      applied += pending.length;
      position = pending[pending.length - 1]?.position ?? position;
      pending.length = 0;
      progress();
    };
    for (const event of this.store.readAllSync({ fromPosition: 0 })) {
      pending.push(event);
      if (pending.length >= chunk) flush();
    }
    if (pending.length > 0) flush();
    this.db
      .transaction(() => {
        for (const { indexes } of shadows) for (const sql of indexes) this.db.exec(sql);
      })
      .immediate();
    // Swap under the write lock, after applying what was appended since the last chunk.
    this.db
      .transaction(() => {
        for (const event of this.store.readAllSync({ fromPosition: position })) {
          this.fold(appliers, event);
          applied += 1;
          position = event.position;
        }
        for (const applier of appliers) applier.flush?.();
        for (const { p, shadow, generation } of shadows) {
          for (const table of p.tables) {
            this.db.exec(`DROP TABLE IF EXISTS ${table}`);
            this.db.exec(`ALTER TABLE ${shadow(table)} RENAME TO ${table}`);
          }
          this.db
            .prepare('INSERT OR REPLACE INTO projection_state VALUES (?, ?, ?, ?)')
            .run(p.name, p.version, position, generation);
        }
      })
      .immediate();
    progress();
    return applied;
  }
}
