import type { Projection } from '../../../projections/index.js';
import type { MergeContext } from '../../domain/index.js';
import type { Json } from '../../events/index.js';
import type { AccessRefusal, Backend, BackendOptions, EventLog, ImportOutcome, ImportRules, ScratchSet } from '../../ports/backend.js';
import { ScratchSet as LocalScratchSet } from '../sqlite/scratch-set.js';
import type { AppendResult, StreamWrite } from '../../ports/log.js';
import type { ProjectionStatus } from '../../ports/read-models.js';
import { refusalOf, type AuditRow } from '../audit.js';
import { mergeContextOf, mergeKeyOf, originStream, trustStream } from '../merge.js';
import { PostgresBlobs } from './blobs.js';
import { PostgresConsumers } from './consumers.js';
import { PostgresModels } from './models.js';
import { PostgresProjector } from './projector.js';
import { readEntityOn, type Queryable } from './read.js';
import { underDdlLock } from './schema.js';
import { PostgresEventStore, type Committed, type PostgresStoreOptions } from './store.js';
import { ensureBackendTables } from './tables.js';

export type PostgresBackendOptions = PostgresStoreOptions & BackendOptions;

/**
 * The server backend: the log and the read models in one PostgreSQL schema, shared by every process and machine of
 * a deployment. Every commit is one transaction holding the events and the projections' rows (read-your-writes for
 * the writer; any process sees both at once). Settings every process must agree on (the conflict policy, the merge
 * key the read models were folded under) live in the schema's `settings` table.
 */
export class PostgresBackend implements Backend {
  readonly name = 'postgres';
  readonly inline = true;
  readonly atomic = true;
  readonly models: PostgresModels;
  /** Session and checkpoint bodies in the schema's `blobs` table; inside a unit of work, in its transaction. */
  readonly blobs: PostgresBlobs;
  /** Callback consumers' positions, leases and dead letters, shared by every process on the schema. */
  readonly consumers: PostgresConsumers;
  private readonly projector: PostgresProjector;
  private readonly hook = (client: Parameters<PostgresProjector['onCommit']>[0], committed: Committed) => this.projector.onCommit(client, committed);
  private mergeCache: MergeContext;
  /** The stored merge key when `mergeCache` was computed: a different one means another process remerged. */
  private mergeSeen: string | null = null;
  private readonly list: readonly Projection[];

  private constructor(
    readonly store: PostgresEventStore,
    options: PostgresBackendOptions,
  ) {
    this.list = options.projections;
    this.mergeCache = mergeContextOf(null, store.origin, [], []);
    this.projector = new PostgresProjector(store, options.projections, { merge: () => this.merge() }, {
      beforeApply: async (db, stored) => {
        // Another process remerged, or renamed the origin (who is local is part of the context).
        if (stored !== this.mergeSeen || this.mergeCache.local !== store.origin) await this.loadMerge(db);
      },
    });
    const { dialect, specs, stateTable, names } = this.projector;
    this.models = new PostgresModels(
      { dialect, specs, stateTable, names },
      () => store.db(),
      () => (store.inUnit ? null : store.pool),
      (client, work) => store.readingOn(client, work),
    );
    this.blobs = new PostgresBlobs(store.pool, store.schema, options.clock ?? Date.now, () => store.db());
    this.consumers = new PostgresConsumers(store.pool, store.schema);
  }

  /**
   * Connects, creates what is missing (the log, projection_state, settings, access_audit, the read-model tables),
   * rebuilds read models whose version changed or that were folded under another merge context, and catches up on
   * what was appended without projecting. Safe from several processes at once.
   */
  static async open(options: PostgresBackendOptions): Promise<PostgresBackend> {
    const store = await PostgresEventStore.open(options);
    try {
      const backend = new PostgresBackend(store, options);
      await backend.start(options.onRebuild);
      return backend;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  private async start(onRebuild?: (name: string, done: number, total: number) => void): Promise<void> {
    const client = await this.store.pool.connect();
    let stale;
    try {
      stale = await underDdlLock(client, this.store.names, async () => {
        await ensureBackendTables(client, this.projector.dialect);
        return this.projector.install(client);
      });
    } finally {
      client.release();
    }
    // Each takes the schema's DDL lock itself (on its own connection), so after the block above, not inside it.
    await this.blobs.install();
    await this.consumers.install();
    await this.projector.rebuild(stale, onRebuild, { staleOnly: true });
    const stored = await this.loadMerge(this.store.pool);
    const key = mergeKeyOf(this.mergeCache);
    if (stored === null) await this.setSetting('merge_context', key, false);
    else if (stored !== key) await this.rebuildForMerge(key, onRebuild);
    await this.projector.refresh();
  }

  /** Recomputes the merge context from the trust and origin streams and the stored policy; returns the stored key. */
  private async loadMerge(db: Queryable): Promise<string | null> {
    const { rows } = await db.query<{ key: string; value: string }>(
      `SELECT key, value FROM ${this.projector.settingsTable} WHERE key IN ('conflict_policy', 'merge_context')`,
    );
    const value = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
    const names = this.store.names;
    const [trust, origin] = await Promise.all([readEntityOn(db, names, trustStream), readEntityOn(db, names, originStream)]);
    this.mergeCache = mergeContextOf(value('conflict_policy'), this.store.origin, trust, origin);
    this.mergeSeen = value('merge_context');
    return this.mergeSeen;
  }

  private async rebuildForMerge(key: string, onProgress?: (name: string, done: number, total: number) => void): Promise<void> {
    await this.projector.rebuild(this.list, onProgress, {
      unlessMergeKey: key,
      inSwap: async (client) => {
        await client.query(
          `INSERT INTO ${this.projector.settingsTable} (key, value) VALUES ('merge_context', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [key],
        );
      },
    });
    this.mergeSeen = key;
  }

  get origin(): string {
    return this.store.origin;
  }

  /** Host, port, database and schema (never a password). */
  get location(): string {
    return this.store.location;
  }

  get description(): string {
    return `postgres ${this.location}`;
  }

  /**
   * A process-local set on disk for checks over inputs larger than memory (an import's check pass): scratch that
   * belongs to one command of one process, so a private temporary file, not the shared database.
   */
  scratchSet(): ScratchSet {
    return new LocalScratchSet();
  }

  get log(): EventLog {
    return this.store;
  }

  async commit(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]> {
    return (await this.store.commit(writes, { inTransaction: this.hook })).results;
  }

  async importReplicated(
    events: readonly unknown[],
    rules: ImportRules,
    local: (outcome: ImportOutcome) => readonly StreamWrite[],
  ): Promise<ImportOutcome & { readonly appended: readonly AppendResult[] }> {
    const { value: _, ...outcome } = await this.store.importEvents(events, rules, { local, inTransaction: this.hook });
    return outcome;
  }

  async unitOfWork<T>(work: () => Promise<T>): Promise<T> {
    return this.store.unitOfWork(work);
  }

  /**
   * Read models are written in the commit's transaction, so a position committed is a position projected; waiting
   * is for the head (by the notifier: a NOTIFY, this process's own commits, or the poll). Events appended by a
   * writer that did not project them (a bare log writer, an older version) are caught up here.
   */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    try {
      await this.store.waitFor(position, { timeoutMs });
    } catch (error) {
      if ((await this.store.headPosition()) < position) return false;
      throw error;
    }
    if ((await this.projector.lowest()) >= position) return true;
    await this.projector.refresh();
    return (await this.projector.lowest()) >= position;
  }

  async refresh(): Promise<void> {
    await this.projector.refresh();
  }

  merge(): MergeContext {
    return this.mergeCache;
  }

  async remerge(policy?: string): Promise<boolean> {
    if (policy !== undefined) await this.setSetting('conflict_policy', policy, true);
    await this.loadMerge(this.store.db());
    const key = mergeKeyOf(this.mergeCache);
    if (this.mergeSeen === key) return false;
    await this.rebuildForMerge(key);
    return true;
  }

  async rebuild(name?: string, onProgress?: (name: string, done: number, total: number) => void): Promise<number> {
    const chosen = name === undefined ? this.list : this.list.filter((p) => p.name === name);
    return this.projector.rebuild(chosen, onProgress);
  }

  async status(): Promise<ProjectionStatus[]> {
    return this.projector.status();
  }

  projectionNames(): string[] {
    return [...this.projector.names];
  }

  async setting(key: string): Promise<Json | null> {
    const { rows } = await this.store.db().query<{ value: string }>(`SELECT value FROM ${this.projector.settingsTable} WHERE key = $1`, [key]);
    return rows[0]?.value ?? null;
  }

  private async setSetting(key: string, value: string, replace: boolean): Promise<void> {
    await this.store.db().query(
      `INSERT INTO ${this.projector.settingsTable} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO ${replace ? 'UPDATE SET value = excluded.value' : 'NOTHING'}`,
      [key, value],
    );
  }

  async renameOrigin(name: string): Promise<void> {
    await this.store.renameOrigin(name);
    await this.loadMerge(this.store.db());
  }

  async recordRefusal(r: AccessRefusal): Promise<void> {
    await this.store.db().query(
      `INSERT INTO ${this.projector.dialect.table('access_audit')} (at, method, route, status, reason, actor, role, token_id, via, remote)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.at, r.method, r.route.slice(0, 512), r.status, r.reason.slice(0, 1000), r.actor, r.role, r.tokenId, r.via, r.remote],
    );
  }

  async refusals(since: string): Promise<AccessRefusal[]> {
    const { rows } = await this.store.db().query<AuditRow>(`SELECT * FROM ${this.projector.dialect.table('access_audit')} WHERE at >= $1 ORDER BY seq`, [since]);
    return rows.map(refusalOf);
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
