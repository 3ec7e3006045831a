import type Database from 'better-sqlite3';
import type { MergeContext } from '../src/domain/index.js';
import type { RecordedEvent } from '../src/events/index.js';

/** Maps a logical table or index name to the physical one (a rebuild writes to shadow names, then swaps). */
export type TableNamer = (logical: string) => string;

/**
 * `apply` moves rows by one event; `flush`, when given, writes what `apply` gathered in memory (counter deltas) and
 * runs before the transaction commits, so a transaction's events cost one write per counter, not one per event.
 */
export interface Applier {
  apply(event: RecordedEvent): void;
  flush?(): void;
  /**
   * Removes what the event's entity (its stream) contributed to the tables, so the runner can fold that entity
   * again in merge order when a replicated event arrives that sorts before events already applied.
   */
  forget?(event: RecordedEvent): void;
}

/** What a projection may know beyond the events: how replicas merge concurrent decisions. */
export interface ProjectionContext {
  merge(): MergeContext;
}

/**
 * A read model: a name, a version and its own SQLite tables, and an `apply` that moves its rows by one event.
 * It touches only its own tables, never reads the log or another projection, and ignores events it does not use.
 */
export interface Projection {
  readonly name: string;
  /** Bump on any change to tables or apply: the runner rebuilds into shadow tables, then swaps. */
  readonly version: number;
  /** Logical table names; the first is the one whose rows `projections status` counts. */
  readonly tables: readonly string[];
  /** DDL for the tables and their indexes, with every name passed through `t`. */
  ddl(t: TableNamer): readonly string[];
  /** Prepares statements once; returns what is applied to each event, in log order. */
  prepare(db: Database.Database, t: TableNamer, context: ProjectionContext): Applier;
}
