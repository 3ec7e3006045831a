import type { MergeContext } from '../../domain/index.js';
import type { Json, RecordedEvent } from '../../events/index.js';
import type { AccessRefusal, Backend, BackendOptions, EventLog, ImportOutcome, ImportRules, ScratchSet as ScratchSetPort } from '../../ports/backend.js';
import { ScratchSet } from './scratch-set.js';
import type { AppendResult, StreamWrite } from '../../ports/log.js';
import type { ProjectionStatus } from '../../ports/read-models.js';
import { mergeContextOf, mergeKeyOf, originStream, trustStream } from '../merge.js';
import { refusalOf, type AuditRow } from '../audit.js';
import { auditDdl, hasAudit } from './audit.js';
import { SqliteBlobs } from './blobs.js';
import { SqliteConsumers } from './consumers.js';
import { SqliteModels, Statements } from './models.js';
import { SqliteProjector } from './projector.js';
import { SqliteEventStore, type SqliteStoreOptions } from './store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The embedded backend: the log and the read models in one SQLite file. Every commit is one transaction holding
 * the events, their checksums and the projections' rows (read-your-writes); several processes share the file.
 */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  readonly inline = true;
  readonly atomic = true;
  readonly store: SqliteEventStore;
  readonly models: SqliteModels;
  readonly blobs: SqliteBlobs;
  readonly consumers: SqliteConsumers;
  private readonly projector: SqliteProjector;
  private readonly statements: Statements;
  private mergeCache: MergeContext | null = null;
  /** The merge key stored in the file when `mergeCache` was last valid. */
  private mergeSeen: string | null = null;

  constructor(options: SqliteStoreOptions & BackendOptions) {
    this.store = new SqliteEventStore(options);
    try {
      this.statements = new Statements(this.store.db);
      this.projector = new SqliteProjector(this.store.db, this.store, options.projections, this.statements, { merge: () => this.merge() });
      this.models = new SqliteModels(this.store.db, this.statements, this.projector.specs, (t) => t);
      this.blobs = new SqliteBlobs(this.store.db, options.clock ?? Date.now, true);
      this.consumers = new SqliteConsumers(this.store.db);
      this.projector.install(options.onRebuild);
      // Read models folded under another merge policy or central origin are folded again under the current one.
      const key = mergeKeyOf(this.merge());
      const stored = this.meta('merge_context');
      if (stored === null) this.setMeta('merge_context', key);
      else if (stored !== key) this.rebuildForMerge(key, options.onRebuild);
      this.projector.refresh();
      this.mergeSeen = this.meta('merge_context');
      this.store.onAppend((events, context) => {
        // Inside the write transaction: another process that remerged (a new conflict policy, trust configuration
        // or origin name) stored a new key; fold under what it folded, never under what this process cached.
        const stored = this.meta('merge_context');
        if (stored !== this.mergeSeen) {
          this.mergeCache = null;
          this.mergeSeen = stored;
        }
        this.projector.apply(events, context.imported);
      });
    } catch (error) {
      void this.store.close();
      throw error;
    }
  }

  get origin(): string {
    return this.store.origin;
  }

  get location(): string {
    return this.store.path;
  }

  get description(): string {
    return `sqlite ${this.store.path}`;
  }

  get log(): EventLog {
    return this.store;
  }

  async commit(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]> {
    return this.store.appendSync(writes);
  }

  async importReplicated(
    events: readonly unknown[],
    rules: ImportRules,
    local: (outcome: ImportOutcome) => readonly StreamWrite[],
  ): Promise<ImportOutcome & { readonly appended: readonly AppendResult[] }> {
    return this.store.importSync(events, rules, local);
  }

  /**
   * BEGIN IMMEDIATE around `work`: the commits inside nest as savepoints. The engine's work on SQLite is
   * synchronous under its promises, so nothing else of this process runs inside the transaction.
   */
  async unitOfWork<T>(work: () => Promise<T>): Promise<T> {
    const db = this.store.db;
    if (db.inTransaction) return work();
    // 16 MiB of page cache rather than 32 for a long unit: with the heap's own sawtooth, an import's peak RSS stays
    // under 256 MB at any size (pages over the cap spill to the WAL mid-transaction).
    const cache = db.pragma('cache_size', { simple: true }) as number;
    db.pragma(`cache_size = ${-16 * 1024}`);
    db.prepare('BEGIN IMMEDIATE').run();
    try {
      const result = await work();
      db.prepare('COMMIT').run();
      return result;
    } catch (error) {
      if (db.inTransaction) db.prepare('ROLLBACK').run();
      throw error;
    } finally {
      db.pragma(`cache_size = ${cache}`);
    }
  }

  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Writers project in their own transaction; a writer that did not (an older version) is caught up here.
      if (this.store.headPositionSync() >= position) {
        this.projector.refresh();
        if (this.projector.lowest() >= position) return true;
      }
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(25, Math.max(1, deadline - Date.now())));
    }
  }

  async refresh(): Promise<void> {
    this.projector.refresh();
  }

  private meta(key: string): string | null {
    return (this.statements.get('SELECT value FROM store_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  }

  private setMeta(key: string, value: string): void {
    this.store.db.prepare('INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)').run(key, value);
  }

  private eventsOf(stream: string): RecordedEvent[] {
    return this.store.readMergedSync(stream);
  }

  merge(): MergeContext {
    this.mergeCache ??= mergeContextOf(this.meta('conflict_policy'), this.store.origin, this.eventsOf(trustStream), this.eventsOf(originStream));
    return this.mergeCache;
  }

  async remerge(policy?: string): Promise<boolean> {
    if (policy !== undefined) this.setMeta('conflict_policy', policy);
    this.mergeCache = null;
    const key = mergeKeyOf(this.merge());
    if (this.meta('merge_context') === key) return false;
    this.rebuildForMerge(key);
    this.mergeSeen = key;
    return true;
  }

  /** Folds every read model again under merge key `key`, unless another process did so first; stores the key. */
  private rebuildForMerge(key: string, onProgress?: (name: string, done: number, total: number) => void): void {
    this.projector.rebuild(undefined, onProgress, {
      unless: () => this.meta('merge_context') === key,
      inSwap: () => this.setMeta('merge_context', key),
    });
  }

  async rebuild(name?: string, onProgress?: (name: string, done: number, total: number) => void): Promise<number> {
    return this.projector.rebuild(name, onProgress);
  }

  async status(): Promise<ProjectionStatus[]> {
    return this.projector.status();
  }

  projectionNames(): string[] {
    return this.projector.names();
  }

  async setting(key: string): Promise<Json | null> {
    const value = this.meta(key);
    return value === null ? null : (value as Json);
  }

  async renameOrigin(name: string): Promise<void> {
    this.store.renameOrigin(name);
    this.mergeCache = null;
  }

  scratchSet(): ScratchSetPort {
    return new ScratchSet();
  }

  async recordRefusal(r: AccessRefusal): Promise<void> {
    this.store.db.exec(auditDdl);
    this.statements
      .get('INSERT INTO access_audit (at, method, route, status, reason, actor, role, token_id, via, remote) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.at, r.method, r.route.slice(0, 512), r.status, r.reason.slice(0, 1000), r.actor, r.role, r.tokenId, r.via, r.remote);
  }

  async refusals(since: string): Promise<AccessRefusal[]> {
    // A read never creates the table (it would take the write lock).
    if (!hasAudit(this.store.db)) return [];
    return (this.store.db.prepare('SELECT * FROM access_audit WHERE at >= ? ORDER BY seq').all(since) as AuditRow[]).map(refusalOf);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
