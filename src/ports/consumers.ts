/**
 * A named consumer's hold on its position in the log. Only the holder of the current fencing number may move the
 * position; a new holder (after a lease ran out) gets a higher number, so a holder that was stalled past its lease
 * can no longer advance it, and the number can fence whatever the consumer's handler writes elsewhere.
 */
export interface ConsumerLease {
  readonly name: string;
  readonly holder: string;
  readonly fence: number;
  /** Every event up to this position has been handled. */
  readonly position: number;
  /** Epoch ms; after it another process may take the lease. */
  readonly expiresAt: number;
}

/** A change a consumer's handler kept failing on: recorded, then passed over. */
export interface DeadLetter {
  readonly consumer: string;
  readonly position: number;
  readonly eventId: string;
  readonly stream: string;
  readonly attempts: number;
  readonly error: string;
  readonly at: string;
}

export interface ConsumerInfo {
  readonly name: string;
  readonly holder: string | null;
  readonly fence: number;
  readonly position: number;
  readonly expiresAt: number;
  readonly deadLetters: number;
}

/**
 * Positions, leases and dead letters of named consumers (the callbacks of typed states), kept beside the log: they
 * move with every change handled and are not history. Times are epoch ms given by the caller's clock.
 */
export interface Consumers {
  /**
   * Takes the lease when nobody holds it or its lease ran out (a higher fencing number), or extends the caller's
   * own; null while another holds it. A consumer seen for the first time starts at `startAt`.
   */
  acquire(name: string, holder: string, options: { readonly ttlMs: number; readonly now: number; readonly startAt: number }): Promise<ConsumerLease | null>;
  /** Extends the lease while the caller still holds this number; null when it lost it. */
  renew(lease: ConsumerLease, ttlMs: number, now: number): Promise<ConsumerLease | null>;
  /** Moves the position (and records dead letters) in one step, only under the current fencing number: false if fenced. */
  advance(lease: ConsumerLease, position: number, deadLetters?: readonly DeadLetter[]): Promise<boolean>;
  release(lease: ConsumerLease): Promise<void>;
  list(): Promise<ConsumerInfo[]>;
  deadLetters(name: string, options?: { readonly limit?: number }): Promise<DeadLetter[]>;
}
