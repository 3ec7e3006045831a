import type { DomainEvent, NewEvent } from '../events/index.js';
import type { AppendResult, ImportOutcome, StreamWrite } from '../store/index.js';
import type { StateEngine } from './engine.js';

/**
 * What sync appends goes through the engine, like every other write: replicated events with their projections
 * applied in the same transaction, and sync's own records (positions, conflicts, the origin's name).
 */
export const importReplicated = (
  engine: StateEngine,
  events: readonly unknown[],
  records: (outcome: ImportOutcome) => readonly { stream: string; events: readonly DomainEvent[] }[],
): ImportOutcome & { readonly appended: readonly AppendResult[] } =>
  engine.store.importSync(events, (outcome) => records(outcome).map(toWrite));

export const appendRecords = (
  engine: StateEngine,
  writes: readonly { stream: string; events: readonly DomainEvent[] }[],
): readonly AppendResult[] => (writes.length === 0 ? [] : engine.store.appendSync(writes.map(toWrite)));

const toWrite = (w: { stream: string; events: readonly DomainEvent[] }): StreamWrite => ({
  stream: w.stream,
  events: w.events.map((e): NewEvent => ({ type: e.type, data: e.data })),
});
