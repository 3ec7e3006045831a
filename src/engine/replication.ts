import { asDomainEvent, type DomainEvent, type NewEvent } from '../events/index.js';
import type { ImportOutcome, ImportRules } from '../ports/backend.js';
import type { AppendResult, StreamWrite } from '../ports/log.js';
import type { StateEngine } from './engine.js';

/**
 * What sync appends goes through the engine, like every other write: replicated events with their projections
 * applied in the same commit, and sync's own records (positions, conflicts, the origin's name).
 */
export const importReplicated = (
  engine: StateEngine,
  events: readonly unknown[],
  rules: ImportRules,
  records: (outcome: ImportOutcome) => readonly { stream: string; events: readonly DomainEvent[] }[],
): Promise<ImportOutcome & { readonly appended: readonly AppendResult[] }> =>
  engine.backend.importReplicated(events, rules, (outcome) => records(outcome).map(toWrite));

export const appendRecords = async (
  engine: StateEngine,
  writes: readonly { stream: string; events: readonly DomainEvent[] }[],
): Promise<readonly AppendResult[]> => (writes.length === 0 ? [] : engine.backend.commit(writes.map(toWrite)));

const toWrite = (w: { stream: string; events: readonly DomainEvent[] }): StreamWrite => ({
  stream: w.stream,
  events: w.events.map((e): NewEvent => ({ type: e.type, data: e.data })),
});

/** The first event an origin recorded in a stream (its chain's revision 0), or null. */
export const firstEventOf = async (engine: StateEngine, stream: string, origin: string): Promise<DomainEvent | null> => {
  for await (const e of engine.backend.log.readStream(stream, { origin, limit: 1 })) return asDomainEvent(e);
  return null;
};

/** Every (account, region) a finding was sighted in, by any origin. */
export const sightingScopesOf = async (engine: StateEngine, stream: string): Promise<{ accountId: string; region: string }[]> => {
  const scopes = new Map<string, { accountId: string; region: string }>();
  for (const e of await engine.backend.log.readEntity(stream)) {
    const d = asDomainEvent(e);
    if (d.type === 'FindingTracked') scopes.set(`${d.data.accountId}\u0000${d.data.region}`, { accountId: d.data.accountId, region: d.data.region });
  }
  return [...scopes.values()];
};
