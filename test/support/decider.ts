import * as assert from 'uvu/assert';
import type { Decider } from '../../src/domain/index.js';
import { DomainError } from '../../src/errors.js';

/** Given events, when a command, then these events (or this domain error): a rule reads as one sentence. */
export const specify =
  <S, C, E>(decider: Decider<S, C, E>) =>
  (...given: E[]) => ({
    when: (command: C) => {
      const state = given.reduce(decider.evolve, decider.initialState());
      const result = decider.decide(state, command);
      return {
        then: (...expected: E[]) => {
          if (result instanceof DomainError) assert.unreachable(`expected events, got ${result.code}: ${result.message}`);
          assert.equal(result, expected);
        },
        thenFails: (code: DomainError['code']) => {
          if (!(result instanceof DomainError)) assert.unreachable(`expected ${code}, got ${JSON.stringify(result)}`);
          else assert.is(result.code, code);
        },
      };
    },
  });

/** Decide, then fold the result: one step of a property run. */
export const step = <S, C, E>(decider: Decider<S, C, E>, state: S, command: C): S => {
  const result = decider.decide(state, command);
  if (result instanceof DomainError) return state;
  return result.reduce(decider.evolve, state);
};
