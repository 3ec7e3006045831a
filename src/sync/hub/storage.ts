/** Object metadata: lower-case identifier keys, non-empty text values (see `metadata.ts` for the exact rules). */
export type HubMetadata = Record<string, string>;

export interface HubObject {
  readonly body: Buffer;
  readonly metadata: HubMetadata;
  /**
   * When the hub made the object (epoch milliseconds), by the hub's clock and the same for every reader: Azure's
   * creation time, the file's birth time on a directory hub (neither changes afterwards); null when unknown.
   */
  readonly createdAt: number | null;
}

export interface ReadOptions {
  /** Refuse an object whose body is larger (a `too_large` HubError) before reading its body. */
  readonly maxBytes?: number;
}

export interface ListOptions {
  /** Only keys after this one (exclusive); lets a reader list only what is new since the last key it holds. */
  readonly startAfter?: string;
}

/**
 * Where sync batches live: the seed's write/read/list/delete/metadata protocol, narrowed to immutable objects.
 * Keys are relative '/'-separated paths under the hub's root (a directory, or a container and prefix); `key.ts`
 * says which keys are valid, and an invalid one is an `InvalidInput` for field `key` before anything is written.
 * Storage failures are `HubError`s.
 */
export interface HubStorage {
  /** The hub's URL as the user names it, for messages and sync events; never holds a secret. */
  readonly url: string;
  /**
   * Create-only: `'created'`, or `'exists'` when an object already has that key, and then nothing is written.
   * Readers never see a partial object, and of two concurrent creates of one key exactly one is `'created'`.
   * `'exists'` does not say whose object it is: a retried create whose first try landed answers `'exists'` for
   * its own object, so compare the content (a SHA-256 in the metadata) before calling it a conflict.
   */
  create(key: string, body: Buffer, metadata: HubMetadata): Promise<'created' | 'exists'>;
  /** The object's body and metadata, or null when there is no object with that key. */
  read(key: string, options?: ReadOptions): Promise<HubObject | null>;
  /** The object's metadata without its body, or null when there is no object with that key. */
  metadata(key: string): Promise<HubMetadata | null>;
  /**
   * The keys that start with `prefix` (a plain string prefix: `'o1/00'` matches `'o1/0042-0050.ndjson.gz'`), in
   * ascending order, fetched page by page as the caller iterates. `''` lists the whole hub.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /**
   * The "folders" right under `prefix` (`''` or ending in '/'): every distinct `<prefix><segment>/` some key starts
   * with, in ascending order, without listing the keys below them.
   */
  folders(prefix: string): AsyncIterable<string>;
  /** Removes the object: true, or false when there was none. Only retention uses this; batches are immutable. */
  delete(key: string): Promise<boolean>;
}
