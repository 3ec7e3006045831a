import type { AccessRefusal } from './backend.js';
import type { DeadLetter } from './consumers.js';

/**
 * A stored event exactly as the store keeps it: data and meta as the canonical JSON text the checksum covers, the
 * schema it was written under (never upcast), and the capped fold instant of a replicated event. What `log migrate`
 * reads from one store and writes into another, so a copy holds the same bytes and its chain, signatures and every
 * peer's view of it still agree.
 */
export interface StoredEvent {
  readonly position: number;
  readonly id: string;
  readonly stream: string;
  readonly origin: string;
  readonly revision: number;
  readonly type: string;
  readonly schema: number;
  readonly data: string;
  readonly meta: string;
  readonly checksum: string;
  readonly foldAt: string | null;
}

/** Events of one stream and origin up to a position: what two copies of a log must agree on. */
export interface StreamCount {
  readonly stream: string;
  readonly origin: string;
  readonly events: number;
}

/** A consumer's row as stored: positions are log positions, which a copy keeps. */
export interface StoredConsumer {
  readonly name: string;
  readonly holder: string | null;
  readonly fence: number;
  readonly position: number;
  readonly expiresAt: number;
}

/** A dead letter as stored: the consumers port's own record. */
export type StoredDeadLetter = DeadLetter;

/** A row of the access audit (a refused write) with its sequence number, which a copy keeps. */
export interface StoredRefusal extends AccessRefusal {
  readonly seq: number;
}

/**
 * The log's stored rows, for copying a whole log into another store (`log migrate`). Reads see rows as stored;
 * writes insert them verbatim at their own positions (the append-only triggers stay: a copy only inserts), so the
 * consumer positions, sync marks and projection positions that name positions mean the same in the copy.
 */
export interface LogCopy {
  /** Stored rows after `afterPosition`, in position order, at most `limit`. */
  page(afterPosition: number, limit: number): Promise<StoredEvent[]>;
  /** The highest position stored, 0 when empty. */
  headPosition(): Promise<number>;
  /** The lowest position stored, 0 when empty. */
  firstPosition(): Promise<number>;
  /**
   * Inserts rows at their positions in one transaction (all or none); the next position the store hands out is past
   * the last. The target must have no writer of its own meanwhile.
   */
  insert(events: readonly StoredEvent[]): Promise<void>;
  /** The hybrid clock: the newest instant the store has recorded or seen, or null before its first write. */
  clock(): Promise<string | null>;
  /** Moves the hybrid clock to `instant` unless it is already past it, so writes after a cut-over never go back. */
  raiseClock(instant: string): Promise<void>;
  /** Events per stream and origin up to a position, ordered by stream then origin (byte order). */
  streamCounts(upToPosition: number): Promise<StreamCount[]>;
  consumers(): Promise<{ readonly consumers: StoredConsumer[]; readonly deadLetters: StoredDeadLetter[] }>;
  /**
   * Stores consumers as given (fencing numbers and positions never go back: a row already here keeps the higher of
   * each) and the dead letters not already here.
   */
  putConsumers(consumers: readonly StoredConsumer[], deadLetters: readonly StoredDeadLetter[]): Promise<void>;
  /** The access audit's rows after `afterSeq`, in sequence order, at most `limit`; none when it was never written. */
  refusals(afterSeq: number, limit: number): Promise<StoredRefusal[]>;
  /** The highest sequence number in the access audit, 0 when it holds nothing. */
  refusalHead(): Promise<number>;
  /**
   * Inserts access-audit rows at their own sequence numbers in one transaction (all or none); a refusal recorded
   * later is numbered after them. The audit stays append-only: a row already at one of these numbers fails the lot.
   */
  insertRefusals(rows: readonly StoredRefusal[]): Promise<void>;
  /** Leaves a mark in the store beside the log (null removes it): how two URLs are found to name one store. */
  putProbe(value: string | null): Promise<void>;
  /** The mark left by `putProbe`, through this connection; null when there is none. */
  readProbe(): Promise<string | null>;
}
