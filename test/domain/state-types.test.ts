import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fold, stateTypeDecider, statusesOf, type StateTypeEvent } from '../../src/domain/index.js';
import type { Instant, TransitionTable } from '../../src/events/index.js';
import { specify } from '../support/decider.js';
import { at } from '../support/events.js';

const t0 = at(1) as Instant;
const exception: TransitionTable = {
  initial: 'requested',
  transitions: { activate: { requested: 'approved' }, expire: { approved: 'lapsed' }, delete: { requested: 'withdrawn' } },
};
const defined: StateTypeEvent = { type: 'StateTypeDefined', data: { type: 'exception', table: exception, at: t0 } };
const schema = { type: 'object', required: ['owner'] };
const sha = 'a'.repeat(64);

const Types = suite('domain/state-types: deployment types and schema versions');

Types('a deployment defines a type by its table', () => {
  specify(stateTypeDecider('exception'))().when({ type: 'DefineStateType', data: { type: 'exception', table: exception, at: t0 } }).then(defined);
});

Types('a built-in type’s table cannot be redefined', () => {
  specify(stateTypeDecider('user'))().when({ type: 'DefineStateType', data: { type: 'user', table: exception, at: t0 } }).thenFails('illegal_transition');
});

Types('a schema for a type never defined is unknown_state_type', () => {
  specify(stateTypeDecider('nope'))().when({ type: 'SetStateSchema', data: { type: 'nope', schema, sha256: sha, at: t0 } }).thenFails('unknown_state_type');
});

Types('schemas are numbered 1, 2, …, a cleared one included; the same schema again records nothing', () => {
  const given = specify(stateTypeDecider('user'));
  given().when({ type: 'SetStateSchema', data: { type: 'user', schema, sha256: sha, at: t0 } }).then({ type: 'StateSchemaSet', data: { type: 'user', version: 1, schema, sha256: sha, at: t0 } });
  const v1: StateTypeEvent = { type: 'StateSchemaSet', data: { type: 'user', version: 1, schema, sha256: sha, at: t0 } };
  given(v1).when({ type: 'SetStateSchema', data: { type: 'user', schema, sha256: sha, at: t0 } }).then();
  given(v1).when({ type: 'SetStateSchema', data: { type: 'user', schema: null, sha256: null, at: t0 } }).then({ type: 'StateSchemaSet', data: { type: 'user', version: 2, schema: null, sha256: null, at: t0 } });
});

Types('a redefined type keeps its schema', () => {
  const v1: StateTypeEvent = { type: 'StateSchemaSet', data: { type: 'exception', version: 1, schema, sha256: sha, at: t0 } };
  const state = fold(stateTypeDecider('exception'), [defined, v1, defined]);
  assert.equal(state?.schema?.version, 1);
});

Types('the statuses of a table are its start, sources and targets', () => {
  assert.equal(statusesOf(exception), ['approved', 'lapsed', 'requested', 'withdrawn']);
});

Types.run();
