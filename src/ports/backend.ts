import type { Projection } from '../../projections/index.js';
import type { Json, RecordedEvent } from '../events/index.js';
import type { MergeContext } from '../domain/index.js';
import type {
  AppendResult,
  EventFilter,
  LogStats,
  ReadAllOptions,
  ReadStreamOptions,
  StreamWrite,
  SubscribeOptions,
  Subscription,
  VerifyReport,
} from './log.js';
import type { BlobStore } from './blobs.js';
import type { Consumers } from './consumers.js';
import type { ProjectionStatus, ReadModels } from './read-models.js';

/** An imported event recorded later than its batch allows: it folds at `foldAt` instead of its `recordedAt`. */
export interface CappedEvent {
  readonly id: string;
  readonly origin: string;
  readonly stream: string;
  readonly recordedAt: string;
  readonly foldAt: string;
}

export interface Divergence {
  readonly stream: string;
  readonly origin: string;
  readonly revision: number;
  readonly localChecksum: string;
  readonly remoteChecksum: string;
}

/**
 * What an import did: events appended, events already here (same checksum), events checked but deliberately not
 * applied (`ignored`), histories that diverged, and events whose fold instant was capped.
 */
export interface ImportOutcome {
  readonly imported: readonly RecordedEvent[];
  readonly skipped: number;
  readonly ignored: number;
  readonly diverged: readonly Divergence[];
  readonly capped: readonly CappedEvent[];
}

export interface ImportRules {
  /** Epoch ms, or null: an event recorded after this instant folds at it (its recordedAt stays as written). */
  readonly foldCap: number | null;
  /** Epoch ms: the local clock moves up to the newest instant imported, but never past this. */
  readonly clockLimit: number;
  /** Events checked (envelope and chain) but not written: local-only events of older peers. */
  readonly ignore?: (event: { readonly type: string; readonly stream: string }) => boolean;
}

/** The log as everything above the store sees it: async, one promise per commit or page, never per event. */
export interface EventLog {
  readonly origin: string;
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Every origin's events of one stream, in fold order (fold instant, origin, revision), after a position. */
  readEntity(stream: string, options?: { readonly afterPosition?: number; readonly upToPosition?: number }): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribe(options?: SubscribeOptions): Subscription;
  headPosition(): Promise<number>;
  /** Revision of the stream's last event by `origin` (default: this one), or null when it has none. */
  streamRevision(stream: string, origin?: string): Promise<number | null>;
  verify(options?: { onProgress?: (done: number, total: number) => void }): Promise<VerifyReport>;
  stats(): Promise<LogStats>;
  /** Per event type, the schema this deployment told writers to store it at (types not named: the release's default). */
  writeSchemas(): Promise<ReadonlyMap<string, number>>;
  /** Tells every writer of this store to store `type` at `schema` (one it can go down to, up to the current). */
  setWriteSchema(type: string, schema: number): Promise<void>;
}

/** A refused write, kept beside the log (never in it: a refusal must leave the log as it was). */
export interface AccessRefusal {
  readonly at: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly reason: string;
  readonly actor: string | null;
  readonly role: string | null;
  readonly tokenId: string | null;
  readonly via: string | null;
  readonly remote: string | null;
}

/** A set of keys kept on disk rather than in memory (an import's finding ids): `add` returns where a key was first seen. */
export interface ScratchSet {
  add(key: string, where: string): string | undefined;
  close(): void;
}

export interface BackendOptions {
  readonly projections: readonly Projection[];
  /** Milliseconds since the epoch; tests inject one. */
  readonly clock?: () => number;
  readonly onRebuild?: (name: string, done: number, total: number) => void;
}

/**
 * A storage backend: the log, the read models, and commits that append and project together where the backend can.
 *
 * SQLite and PostgreSQL apply projections in the commit's own transaction (`inline`): a read after a commit sees it.
 * A backend without that (EventStoreDB: the log in the cluster, read models in a local database fed by a `$all`
 * subscription that stores its position with its rows) sets `inline` false and `atomic` false: `commit` appends
 * each stream on its own (the engine gives multi-stream effects deterministic event ids, so re-running a partly
 * done commit appends only what is missing), and `waitFor(position)` gives read-your-writes.
 */
export interface Backend {
  /** `sqlite` or `postgres`, with what it runs on (a path, a host and database), never a secret. */
  readonly name: string;
  /** Where it runs: a file path, or host, database and schema (never a password). */
  readonly location: string;
  /** `<name> <location>`. */
  readonly description: string;
  readonly origin: string;
  readonly inline: boolean;
  readonly atomic: boolean;
  readonly log: EventLog;
  readonly models: ReadModels;
  /** Bodies kept out of the log (session documents), addressed by their SHA-256. */
  readonly blobs: BlobStore;
  /** Named consumers' positions, leases and dead letters (callbacks). */
  readonly consumers: Consumers;
  /** Appends the writes (all or none where `atomic`) and, where `inline`, applies the projections with them. */
  commit(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]>;
  /**
   * Replicated events (sync pull), kept as their origins recorded them, and `local` (the record of the pull) in
   * the same commit: both land or neither.
   */
  importReplicated(
    events: readonly unknown[],
    rules: ImportRules,
    local: (outcome: ImportOutcome) => readonly StreamWrite[],
  ): Promise<ImportOutcome & { readonly appended: readonly AppendResult[] }>;
  /**
   * Runs `work` as one unit: every commit inside lands together or none does (an import that must be all or
   * nothing). Other writers wait meanwhile; keep it for work that must be atomic.
   */
  unitOfWork<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once every read model reflects `position` (true), or false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
  /** Brings read models up to the log's head (events appended by writers that did not project them). */
  refresh(): Promise<void>;
  /** How replicas merge: recomputed from the log's trust records and the stored policy after `remerge`. */
  merge(): MergeContext;
  /** Sets the conflict policy (when given) and refolds every read model when the merge context changed. */
  remerge(policy?: string): Promise<boolean>;
  rebuild(name?: string, onProgress?: (name: string, done: number, total: number) => void): Promise<number>;
  status(): Promise<ProjectionStatus[]>;
  projectionNames(): string[];
  /** Settings every process of a deployment shares (the conflict policy), kept in the backend. */
  setting(key: string): Promise<Json | null>;
  /** Renames the origin before anything that travels was written under the first name. */
  renameOrigin(name: string): Promise<void>;
  /** A throwaway on-disk set for checking large inputs in bounded memory. */
  scratchSet(): ScratchSet;
  recordRefusal(refusal: AccessRefusal): Promise<void>;
  refusals(since: string): Promise<AccessRefusal[]>;
  close(): Promise<void>;
}

export type { EventFilter };
export type { BlobInfo, BlobStats, BlobStore } from './blobs.js';
export type { ConsumerInfo, ConsumerLease, Consumers, DeadLetter } from './consumers.js';
