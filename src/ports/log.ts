import type { ExpectedRevision, NewEvent, RecordedEvent } from '../events/index.js';

export type Durability = 'full' | 'normal';

export interface EventFilter {
  /** Only these event types. */
  readonly types?: readonly string[];
  /** Only streams whose name starts with this (`finding-` for a category). */
  readonly streamPrefix?: string;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position greater than this; 0 (the default) reads from the start. */
  readonly fromPosition?: number;
  readonly filter?: EventFilter;
  readonly limit?: number;
  /**
   * Each event's data and schema as stored, not upcast to the current schema: what its checksum and signature cover,
   * for copying the log elsewhere (sync push, `log migrate`). Every other reader wants the default.
   */
  readonly asStored?: boolean;
}

export interface ReadStreamOptions {
  /** Inclusive revision to start at; default: the first (forwards) or the last (backwards). */
  readonly from?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly limit?: number;
  /** Whose events of this stream: the store's own origin by default (replicas keep each origin's revisions). */
  readonly origin?: string;
}

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface StreamWrite {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  readonly stream: string;
  /** Revision of the stream's last event after the append. */
  readonly revision: number;
  /** Global position of the last event written (or of the original ones, for an idempotent re-append). */
  readonly position: number;
  readonly events: readonly RecordedEvent[];
}

export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  /** Every event up to `position` has been delivered; what follows is live. Sent once. */
  | { readonly kind: 'caught_up'; readonly position: number };

export interface SubscribeOptions {
  /** Exclusive, as in readAll. */
  readonly fromPosition?: number;
  readonly filter?: EventFilter;
}

export interface Subscription extends AsyncIterable<SubscriptionItem> {
  close(): Promise<void>;
}

export interface BadEvent {
  readonly stream: string;
  readonly origin: string;
  readonly revision: number;
  readonly position: number;
  /** What differs, e.g. `checksum: stored 3f2a…, computed 91bc…`. */
  readonly problem: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly streams: number;
  /** The bad event with the lowest position, if any. */
  readonly firstBad: BadEvent | null;
  readonly badCount: number;
  /** Store-level faults (a missing append-only trigger). */
  readonly problems: readonly string[];
}

export interface LogStats {
  readonly events: number;
  readonly streams: number;
  readonly headPosition: number;
  readonly bytes: number;
}

/** The log contract every backend passes (test/contract). */
export interface EventStore {
  readonly backend: string;
  /** The origin this store writes under. */
  readonly origin: string;
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** All writes or none; backends without multi-stream transactions say so in `atomicBatches`. */
  appendMany(writes: readonly StreamWrite[]): Promise<readonly AppendResult[]>;
  readonly atomicBatches: boolean;
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribe(options?: SubscribeOptions): Subscription;
  headPosition(): Promise<number>;
  /** Revision of the stream's last event, or null when the stream does not exist. */
  streamRevision(stream: string, origin?: string): Promise<number | null>;
  verify(options?: { onProgress?: (done: number, total: number) => void }): Promise<VerifyReport>;
  /** Per event type, the schema this deployment told writers to store it at (types not named: the release's default). */
  writeSchemas(): Promise<ReadonlyMap<string, number>>;
  /** Tells every writer of this store to store `type` at `schema` (a schema it can go down to, up to the current). */
  setWriteSchema(type: string, schema: number): Promise<void>;
  stats(): Promise<LogStats>;
  close(): Promise<void>;
}
