import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinTables, fold, typedState, type StateEvent } from '../../src/domain/index.js';
import { transitions, type Transition } from '../../src/events/index.js';
import { specify } from '../support/decider.js';
import { change, changed, day, register, registered } from '../support/states.js';

const given = specify(typedState);
type Verb = Exclude<Transition, 'create'>;
const verbs = transitions.filter((t): t is Verb => t !== 'create');

/*
 * Every built-in table, written out again here (not read off the code): per status, the transitions allowed and
 * where each leads. Every (status, transition) pair not listed must be refused.
 */
const expected: Record<keyof typeof builtinTables, { initial: string; from: Record<string, Partial<Record<Verb, string>>> }> = {
  user: {
    initial: 'pending',
    from: {
      pending: { update: 'pending', activate: 'active', expire: 'expired', delete: 'deleted' },
      active: { update: 'active', suspend: 'suspended', expire: 'expired', delete: 'deleted' },
      suspended: { update: 'suspended', resume: 'active', expire: 'expired', delete: 'deleted' },
      expired: { delete: 'deleted' },
      deleted: {},
    },
  },
  transaction: {
    initial: 'pending',
    from: {
      pending: { update: 'pending', activate: 'completed', suspend: 'on_hold', expire: 'failed' },
      on_hold: { update: 'on_hold', resume: 'pending', expire: 'failed' },
      completed: { delete: 'deleted' },
      failed: { delete: 'deleted' },
      deleted: {},
    },
  },
  subscription: {
    initial: 'pending',
    from: {
      pending: { update: 'pending', activate: 'active', delete: 'deleted' },
      active: { update: 'active', suspend: 'suspended', expire: 'expired' },
      suspended: { update: 'suspended', resume: 'active', expire: 'expired', delete: 'deleted' },
      expired: { activate: 'active', delete: 'deleted' },
      deleted: {},
    },
  },
  feature: {
    initial: 'inactive',
    from: {
      inactive: { update: 'inactive', activate: 'active', expire: 'expired', delete: 'deleted' },
      active: { update: 'active', suspend: 'suspended', expire: 'expired' },
      suspended: { update: 'suspended', resume: 'active', expire: 'expired' },
      expired: { delete: 'deleted' },
      deleted: {},
    },
  },
  session: {
    initial: 'active',
    from: {
      active: { update: 'active', suspend: 'suspended', expire: 'expired', delete: 'deleted' },
      suspended: { update: 'suspended', resume: 'active', expire: 'expired', delete: 'deleted' },
      expired: { delete: 'deleted' },
      deleted: {},
    },
  },
};

const Tables = suite('domain/state: the transition tables of the five built-in types');

for (const [type, spec] of Object.entries(expected) as [keyof typeof builtinTables, (typeof expected)['user']][]) {
  const table = builtinTables[type];
  Tables(`${type}: a registered state starts ${spec.initial}`, () => {
    given().when(register('s1', type, table)).then(registered('s1', type, spec.initial));
  });
  for (const [from, allowed] of Object.entries(spec.from))
    for (const verb of verbs) {
      const target = allowed[verb];
      // A changed datum, so an update within one status is a change too.
      const data = { n: 2 };
      if (target === undefined)
        Tables(`${type}: ${verb} from ${from} is refused, naming the transition`, () => {
          given(registered('s1', type, from, { n: 1 })).when(change('s1', verb, table, data)).thenFails('illegal_transition');
        });
      else
        Tables(`${type}: ${verb} from ${from} leads to ${target}`, () => {
          given(registered('s1', type, from, { n: 1 })).when(change('s1', verb, table, data)).then(changed('s1', verb, from, target, data));
        });
    }
}

Tables('no table names a status the expected tables above do not (a new status needs its rows here)', () => {
  for (const [type, table] of Object.entries(builtinTables)) {
    const named = new Set([table.initial, ...Object.values(table.transitions).flatMap((m) => [...Object.keys(m ?? {}), ...Object.values(m ?? {})])]);
    assert.equal([...named].sort(), Object.keys(expected[type as keyof typeof expected].from).sort(), type);
  }
});

const Rules = suite('domain/state: registering, changing and rolling back');
const user = builtinTables.user;

Rules('the seed’s lifecycle: register, activate, suspend, resume leaves the user active with four events', () => {
  const commands = [register('u1', 'user', user, { status: 'pending_verification' }), change('u1', 'activate', user), change('u1', 'suspend', user), change('u1', 'resume', user)];
  const events: StateEvent[] = [];
  for (const c of commands) {
    const decided = typedState.decide(fold(typedState, events), c);
    if (!Array.isArray(decided)) throw decided;
    events.push(...decided);
  }
  assert.equal(events.map((e) => (e.type === 'StateChanged' ? e.data.transition : 'create')), ['create', 'activate', 'suspend', 'resume']);
  assert.is(fold(typedState, events)?.status, 'active');
});

Rules('registering an id twice is a conflict', () => {
  given(registered('u1', 'user', 'pending')).when(register('u1', 'user', user)).thenFails('conflict');
});

Rules('changing a state never registered is unknown_state', () => {
  given().when(change('u9', 'activate', user)).thenFails('unknown_state');
});

Rules('an update that changes neither data nor metadata records nothing', () => {
  given(registered('u1', 'user', 'active', { a: 1 })).when(change('u1', 'update', user, { a: 1 })).then();
});

Rules('a transition without data keeps the data it had', () => {
  given(registered('u1', 'user', 'active', { a: 1 })).when(change('u1', 'suspend', user)).then(changed('u1', 'suspend', 'active', 'suspended', { a: 1 }));
});

Rules('a refusal says where the state is and what it may do from there', () => {
  const decided = typedState.decide(fold(typedState, [registered('u1', 'user', 'expired')]), change('u1', 'resume', user));
  assert.instance(decided, Error);
  assert.match((decided as Error).message, 'state u1 (user) is expired: resume is not allowed (from expired: delete)');
});

Rules('a rollback restores an earlier revision’s data and keeps the status', () => {
  given(registered('u1', 'user', 'active', { a: 1 }), changed('u1', 'update', 'active', 'active', { a: 2 }))
    .when({ type: 'RollbackState', data: { stateId: 'u1', toRevision: 0, target: { data: { a: 1 }, metadata: {} }, at: day(3), table: user } })
    .then({ type: 'StateRolledBack', data: { stateId: 'u1', toRevision: 0, status: 'active', data: { a: 1 }, metadata: {}, at: day(3) } });
});

Rules('a rollback is an update: refused where the table allows no update', () => {
  given(registered('u1', 'user', 'expired', { a: 1 }))
    .when({ type: 'RollbackState', data: { stateId: 'u1', toRevision: 0, target: { data: { a: 0 }, metadata: {} }, at: day(3), table: user } })
    .thenFails('illegal_transition');
});

Rules('a deleted state is kept, flagged, with its last data', () => {
  const state = fold(typedState, [registered('u1', 'user', 'active', { a: 1 }), changed('u1', 'delete', 'active', 'deleted', { a: 1 })]);
  assert.equal([state?.status, state?.deleted, state?.data], ['deleted', true, { a: 1 }]);
});

Tables.run();
Rules.run();
