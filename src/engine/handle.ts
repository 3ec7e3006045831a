import { fold, type Decider } from '../domain/index.js';
import { DomainError } from '../errors.js';
import { asDomainEvent, type DomainEvent, type ExpectedRevision, type GivenMeta, type NewEvent, type RecordedEvent } from '../events/index.js';
import { WrongExpectedRevision, type SqliteEventStore } from '../store/index.js';

export interface Loaded<S> {
  readonly state: S;
  readonly revision: ExpectedRevision;
}

/** Event metadata the engine records with what it appends (who asked, as authenticated). */
export type CommandMeta = GivenMeta;

export const toNewEvents = (events: readonly DomainEvent[], meta: CommandMeta = {}): NewEvent[] =>
  events.map((e) => ({ type: e.type, data: e.data, ...(Object.keys(meta).length > 0 ? { meta } : {}) }));

/** Loads a stream's state by folding its events (the store's own origin). */
export const loadFromStream = <S, E extends DomainEvent>(
  store: SqliteEventStore,
  stream: string,
  decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>,
): Loaded<S> => {
  const events = [...store.readStreamSync(stream)];
  const last = events[events.length - 1];
  return {
    state: fold(decider, events.map((e) => asDomainEvent(e) as E)),
    revision: last === undefined ? 'no_stream' : last.revision,
  };
};

/**
 * Emmett's command handler, smaller: load, decide, append at the revision loaded. On a version conflict it decides
 * once more on a fresh load; a second conflict is a DomainError('conflict'). Nothing to append is a no-op.
 */
export const handle = <S, C, E extends DomainEvent>(
  store: SqliteEventStore,
  stream: string,
  decider: Decider<S, C, E>,
  load: () => Loaded<S>,
  command: C,
  meta: CommandMeta = {},
): { state: S; appended: readonly RecordedEvent[] } => {
  for (let attempt = 0; ; attempt += 1) {
    const { state, revision } = load();
    const decided = decider.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    if (decided.length === 0) return { state, appended: [] };
    try {
      const [result] = store.appendSync([{ stream, events: toNewEvents(decided, meta), expectedRevision: revision }]);
      return { state: decided.reduce(decider.evolve, state), appended: result?.events ?? [] };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      if (attempt >= 1)
        throw new DomainError('conflict', `${stream} was changed by another writer twice while deciding; try again`);
    }
  }
};
