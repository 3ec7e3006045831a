import type Database from 'better-sqlite3';
import type { Applier, Projection, TableNamer } from '../../projections/index.js';
import type { RecordedEvent } from '../events/index.js';
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
    for (const p of list) this.install(p, onRebuild);
    this.db.transaction(() => this.catchUp()).immediate();
    store.onAppend((events) => this.apply(events));
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
    if (this.appliers.length === 0) for (const p of this.list) this.appliers.push(p.prepare(this.db, identity));
    for (const event of this.store.readAllSync({ fromPosition: from })) {
      this.list.forEach((p, i) => {
        if (event.position > (positions[i] ?? 0)) this.appliers[i]?.apply(event);
      });
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
          this.appliers[i]?.apply(event);
    });
    for (const event of events) for (const applier of this.appliers) applier.apply(event);
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
    let applied = 0;
    for (const p of chosen) applied = this.rebuildOne(p, (done, total) => onProgress?.(p.name, done, total));
    // The live appliers hold statements on the replaced tables: prepare them again.
    this.appliers.splice(0, this.appliers.length, ...this.list.map((p) => p.prepare(this.db, identity)));
    return applied;
  }

  private rebuildOne(p: Projection, onProgress: (done: number, total: number) => void): number {
    const generation = (this.state.get(p.name)?.generation ?? 0) + 1;
    const shadow: TableNamer = (logical) => `${logical}__g${generation}`;
    this.db.transaction(() => {
      for (const table of p.tables) this.db.exec(`DROP TABLE IF EXISTS ${shadow(table)}`);
      for (const sql of p.ddl(shadow)) this.db.exec(sql);
    })();
    const applier = p.prepare(this.db, shadow);
    const total = this.store.headPositionSync();
    let position = 0;
    let applied = 0;
    // Chunks in their own transactions: other writers get the lock between them and keep the live tables current.
    const step = this.db.transaction((events: readonly RecordedEvent[]) => {
      for (const event of events) applier.apply(event);
      applier.flush?.();
    });
    const pending: RecordedEvent[] = [];
    const flush = () => {
      step.immediate(pending);
      applied += pending.length;
      position = pending[pending.length - 1]?.position ?? position;
      pending.length = 0;
      onProgress(position, Math.max(total, position));
    };
    for (const event of this.store.readAllSync({ fromPosition: 0 })) {
      pending.push(event);
      if (pending.length >= chunk) flush();
    }
    if (pending.length > 0) flush();
    // Swap under the write lock, after applying what was appended since the last chunk.
    this.db
      .transaction(() => {
        for (const event of this.store.readAllSync({ fromPosition: position })) {
          applier.apply(event);
          applied += 1;
          position = event.position;
        }
        applier.flush?.();
        for (const table of p.tables) {
          this.db.exec(`DROP TABLE IF EXISTS ${table}`);
          this.db.exec(`ALTER TABLE ${shadow(table)} RENAME TO ${table}`);
        }
        this.db
          .prepare('INSERT OR REPLACE INTO projection_state VALUES (?, ?, ?, ?)')
          .run(p.name, p.version, position, generation);
      })
      .immediate();
    onProgress(position, position);
    return applied;
  }
}
