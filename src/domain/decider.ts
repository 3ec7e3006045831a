import type { DomainError } from '../errors.js';

/** Emmett's decider, smaller: rules test without a store. `decide` returns the new events or why not. */
export interface Decider<S, C, E> {
  initialState(): S;
  decide(state: S, command: C): readonly E[] | DomainError;
  evolve(state: S, event: E): S;
}

export const fold = <S, E>(decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>, events: readonly E[]): S =>
  events.reduce(decider.evolve, decider.initialState());
