/** A stored body, as listed: its address, how many bytes it occupies, and when it was stored (epoch ms). */
export interface BlobInfo {
  readonly sha256: string;
  readonly stored: number;
  readonly createdAt: number;
}

export interface BlobStats {
  readonly count: number;
  /** Bytes of the bodies themselves. */
  readonly bytes: number;
  /** What the storage holding them occupies (the SQLite file, the PostgreSQL table), where the backend can say. */
  readonly allocated: number | null;
}

/**
 * Bodies kept beside the log rather than in it (session and checkpoint documents), addressed by the SHA-256 of the
 * bytes stored: the log's events name a body by that address, so the checksum chain covers it. A body is only
 * deleted after an event in the log said so (or when no event ever named it: an orphan of a write that never
 * committed); `vacuum` gives the freed space back to the system.
 */
export interface BlobStore {
  /** Stores bytes under their SHA-256 (checked: other bytes are refused); true when they were not stored yet. */
  put(sha256: string, bytes: Uint8Array): Promise<boolean>;
  get(sha256: string): Promise<Buffer | null>;
  /** Which of these addresses hold a body. */
  has(sha256s: readonly string[]): Promise<Set<string>>;
  /** Deletes these bodies; returns how many there were. */
  delete(sha256s: readonly string[]): Promise<number>;
  /** Bodies in address order, after `after`, at most `limit` (default 1000). */
  list(options?: { readonly after?: string; readonly limit?: number }): Promise<BlobInfo[]>;
  stats(): Promise<BlobStats>;
  /** Gives space freed by deletes back to the system; the storage's size before and after, in bytes. */
  vacuum(): Promise<{ readonly before: number; readonly after: number }>;
}
