import { asDomainEvent, type DomainEvent, type NewEvent } from '../events/index.js';
import type { AppendResult, ImportOutcome, ImportRules, StreamWrite } from '../store/index.js';
import type { StateEngine } from './engine.js';

/**
 * What sync appends goes through the engine, like every other write: replicated events with their projections
 * applied in the same transaction, and sync's own records (positions, conflicts, the origin's name).
 */
export const importReplicated = (
  engine: StateEngine,
  events: readonly unknown[],
  rules: ImportRules,
  records: (outcome: ImportOutcome) => readonly { stream: string; events: readonly DomainEvent[] }[],
): ImportOutcome & { readonly appended: readonly AppendResult[] } =>
  engine.store.importSync(events, rules, (outcome) => records(outcome).map(toWrite));

export const appendRecords = (
  engine: StateEngine,
  writes: readonly { stream: string; events: readonly DomainEvent[] }[],
): readonly AppendResult[] => (writes.length === 0 ? [] : engine.store.appendSync(writes.map(toWrite)));

const toWrite = (w: { stream: string; events: readonly DomainEvent[] }): StreamWrite => ({
  stream: w.stream,
  events: w.events.map((e): NewEvent => ({ type: e.type, data: e.data })),
});

/** The first event an origin recorded in a stream (its chain's revision 0), or null. */
export const firstEventOf = (engine: StateEngine, stream: string, origin: string): DomainEvent | null => {
  for (const e of engine.store.readStreamSync(stream, { origin, limit: 1 })) return asDomainEvent(e);
  return null;
};

/** Every (account, region) a finding was sighted in, by any origin. */
export const sightingScopesOf = (engine: StateEngine, stream: string): { accountId: string; region: string }[] => {
  const scopes = new Map<string, { accountId: string; region: string }>();
  for (const e of engine.store.readMergedSync(stream)) {
    const d = asDomainEvent(e);
    if (d.type === 'FindingTracked') scopes.set(`${d.data.accountId}\u0000${d.data.region}`, { accountId: d.data.accountId, region: d.data.region });
  }
  return [...scopes.values()];
};
