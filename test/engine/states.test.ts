import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainError, InvalidInput } from '../../src/errors.js';
import type { StateEngine } from '../../src/engine/index.js';
import { openTestEngine, siblingOf, type TestClock, onBackend } from '../support/engine.js';
import { makeTempDir, removeDir } from '../support/tmp.js';

const States = suite(onBackend('engine/states: typed states on the log'));
let dir = '';
let engine: StateEngine;
let clock: TestClock;
States.before(() => {
  dir = makeTempDir('engine-states');
});
States.before.each(async () => {
  ({ engine, clock } = await openTestEngine(dir));
});
States.after.each(() => engine.close());
States.after(() => removeDir(dir));

const head = () => engine.backend.log.headPosition();
const refusal = async (work: () => Promise<unknown>): Promise<Error> => {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
};

States('the seed’s lifecycle: a user registered, activated, suspended and resumed has a history of four', async () => {
  await engine.states.register({ stateId: 'user_12345', type: 'user', name: 'user_account_state', data: { user_id: '12345', status: 'pending' } });
  clock.advance(1);
  await engine.states.change('user_12345', { transition: 'activate', data: { user_id: '12345', status: 'active' } });
  await engine.states.change('user_12345', { transition: 'suspend', data: { user_id: '12345', status: 'suspended', suspended_reason: 'payment_failed' } });
  await engine.states.change('user_12345', { transition: 'resume' });
  const history = await engine.states.history('user_12345');
  assert.equal(history.map((h) => [h.transition, h.from_status, h.status]), [
    ['create', null, 'pending'],
    ['activate', 'pending', 'active'],
    ['suspend', 'active', 'suspended'],
    ['resume', 'suspended', 'active'],
  ]);
  assert.equal(history[2]?.old_data, { user_id: '12345', status: 'active' });
  assert.equal(history[2]?.new_data, { user_id: '12345', status: 'suspended', suspended_reason: 'payment_failed' });
  const state = await engine.states.get('user_12345');
  assert.equal([state?.status, state?.revision, state?.name], ['active', 3, 'user_account_state']);
});

States('an illegal transition writes nothing and says which transition from which status', async () => {
  await engine.states.register({ stateId: 'u1', type: 'user', data: {} });
  const before = await head();
  const error = await refusal(() => engine.states.change('u1', { transition: 'resume' }));
  assert.instance(error, DomainError);
  assert.match(error.message, 'state u1 (user) is pending: resume is not allowed (from pending: update, activate, expire, delete)');
  assert.is(await head(), before);
});

States('a JSON Schema set for a type refuses data it does not accept, naming the field, and writes nothing', async () => {
  await engine.states.setSchema('transaction', { type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0 } } });
  const before = await head();
  const error = await refusal(() => engine.states.register({ stateId: 't1', type: 'transaction', data: { amount: 'ten' } }));
  assert.instance(error, InvalidInput);
  assert.is((error as InvalidInput).field, 'data.amount');
  assert.match(error.message, 'must be number (transaction schema v1)');
  const missing = await refusal(() => engine.states.register({ stateId: 't1', type: 'transaction', data: {} }));
  assert.is((missing as InvalidInput).field, 'data.amount');
  assert.is(await head(), before);
  await engine.states.register({ stateId: 't1', type: 'transaction', data: { amount: 10 } });
});

States('a schema ajv cannot compile is refused when set, and nothing is recorded', async () => {
  const before = await head();
  for (const bad of [{ type: 'objekt' }, { type: 'object', properties: { a: { format: 'no-such-format', type: 'string' } } }, { tpye: 'object' }]) {
    const error = await refusal(() => engine.states.setSchema('user', bad));
    assert.instance(error, InvalidInput);
    assert.is((error as InvalidInput).field, 'schema');
  }
  assert.is(await head(), before);
});

States('a schema set by one process is enforced by another on the same store', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  try {
    await engine.states.register({ stateId: 'f1', type: 'feature', data: { rollout: 10 } });
    await other.states.setSchema('feature', { type: 'object', properties: { rollout: { type: 'integer', maximum: 100 } } });
    const error = await refusal(() => engine.states.change('f1', { data: { rollout: 150 } }));
    assert.is((error as InvalidInput).field, 'data.rollout');
    assert.equal((await engine.states.getType('feature')).schema_version, 1);
  } finally {
    await other.close();
  }
});

States('a library validator refuses with its message; a transition that leaves the data alone is not checked again', async () => {
  const validators = [(data: Record<string, unknown>) => (typeof data.email === 'string' && data.email.includes('@') ? true : 'an email with @')];
  const error = await refusal(() => engine.states.register({ stateId: 'u1', type: 'user', data: { email: 'nope' } }, { validators }));
  assert.match(error.message, 'expected an email with @');
  await engine.states.register({ stateId: 'u1', type: 'user', data: { email: 'a@b.c' } }, { validators });
  await engine.states.change('u1', { transition: 'activate' }, { validators: [() => false] });
});

States('a rollback restores an earlier revision’s data by a new event; history keeps every step', async () => {
  await engine.states.register({ stateId: 's1', type: 'subscription', data: { plan: 'basic' } });
  await engine.states.change('s1', { data: { plan: 'pro' } });
  await engine.states.change('s1', { data: { plan: 'team' } });
  const rolled = await engine.states.rollback('s1', 0);
  assert.equal([rolled.data, rolled.revision], [{ plan: 'basic' }, 3]);
  const history = await engine.states.history('s1');
  assert.equal(history.map((h) => [h.transition, h.to_revision]), [['create', null], ['update', null], ['update', null], ['rollback', 0]]);
  const error = await refusal(() => engine.states.rollback('s1', 9));
  assert.is((error as InvalidInput).field, 'to');
});

States('the state as of an instant is the fold of what was recorded up to it', async () => {
  await engine.states.register({ stateId: 'u1', type: 'user', data: { v: 1 } });
  const first = clock.iso();
  clock.advance(10);
  await engine.states.change('u1', { transition: 'activate', data: { v: 2 } });
  assert.equal((await engine.states.asOf('u1', first))?.data, { v: 1 });
  assert.equal((await engine.states.asOf('u1', clock.iso()))?.status, 'active');
  assert.is(await engine.states.asOf('u1', '2025-01-01T00:00:00.000Z'), null);
});

States('recent changes come newest first, and by transition', async () => {
  await engine.states.register({ stateId: 'a', type: 'user', data: {} });
  await engine.states.register({ stateId: 'b', type: 'user', data: {} });
  await engine.states.change('a', { transition: 'activate' });
  await engine.states.change('b', { transition: 'activate' });
  await engine.states.change('a', { transition: 'suspend' });
  assert.equal((await engine.states.changes({ limit: 3 })).map((c) => [c.state_id, c.transition]), [['a', 'suspend'], ['b', 'activate'], ['a', 'activate']]);
  assert.equal((await engine.states.changes({ transition: 'activate' })).map((c) => c.state_id), ['b', 'a']);
  assert.equal((await engine.states.changes({ stateId: 'a' })).map((c) => c.transition), ['suspend', 'activate', 'create']);
});

States('search by type and data fields: equality, ranges, several conditions, keyset pages', async () => {
  for (let n = 0; n < 30; n += 1)
    await engine.states.register({ stateId: `t${String(n).padStart(2, '0')}`, type: 'transaction', data: { amount: n * 10, currency: n % 2 === 0 ? 'EUR' : 'USD', meta: { vip: n % 3 === 0 } } });
  await engine.states.register({ stateId: 'u1', type: 'user', data: { amount: 500 } });
  const ids = (p: { states: { state_id: string }[] }) => p.states.map((s) => s.state_id);
  assert.equal(ids(await engine.states.search({ type: 'transaction', where: ['data.amount>250'] })), ['t26', 't27', 't28', 't29']);
  assert.equal(ids(await engine.states.search({ type: 'transaction', where: ['data.currency=EUR', 'data.amount<=40'] })), ['t00', 't02', 't04']);
  assert.equal(ids(await engine.states.search({ type: 'transaction', where: ['data.meta.vip=true', 'data.currency!=EUR'] })), ['t03', 't09', 't15', 't21', 't27']);
  const first = await engine.states.search({ type: 'transaction', where: ['data.currency=USD'], limit: 4 });
  assert.equal([ids(first), first.next], [['t01', 't03', 't05', 't07'], 't07']);
  const second = await engine.states.search({ type: 'transaction', where: ['data.currency=USD'], limit: 4, after: first.next as string });
  assert.equal(ids(second), ['t09', 't11', 't13', 't15']);
  // `"10"` is text: no amount is the string 10.
  assert.equal(ids(await engine.states.search({ type: 'transaction', where: ['data.amount="10"'] })), []);
});

States('a deleted state leaves lists and searches but keeps its history', async () => {
  await engine.states.register({ stateId: 'u1', type: 'user', data: { team: 'x' } });
  await engine.states.register({ stateId: 'u2', type: 'user', data: { team: 'x' } });
  await engine.states.change('u1', { transition: 'delete' });
  assert.equal((await engine.states.list({ type: 'user' })).states.map((s) => s.state_id), ['u2']);
  assert.equal((await engine.states.search({ type: 'user', where: ['data.team=x'] })).states.map((s) => s.state_id), ['u2']);
  assert.is((await engine.states.history('u1')).length, 2);
  assert.equal((await engine.states.counts()).by_type, { user: 1 });
});

States('a deployment defines its own type, with its own table, and its states follow it', async () => {
  await engine.states.defineType('exception', {
    initial: 'requested',
    transitions: { activate: { requested: 'approved' }, expire: { approved: 'lapsed' }, update: { requested: 'requested' } },
  });
  await engine.states.register({ stateId: 'ex1', type: 'exception', data: { finding: 'f1' } });
  assert.is((await engine.states.change('ex1', { transition: 'activate' })).status, 'approved');
  assert.instance(await refusal(() => engine.states.change('ex1', { data: { finding: 'f2' } })), DomainError);
  assert.instance(await refusal(() => engine.states.register({ stateId: 'x', type: 'nosuch', data: {} })), DomainError);
  const misspelt = await refusal(() => engine.states.defineType('bad', { initial: 'a', transitions: { suspnd: { a: 'b' } } }));
  assert.is((misspelt as InvalidInput).field, 'table.transitions.suspnd');
  assert.equal((await engine.states.listTypes()).map((t) => t.type), ['exception', 'feature', 'session', 'subscription', 'transaction', 'user']);
});

States('two processes changing one state at once: both land, one after the other, each from the state the other left', async () => {
  const other = await siblingOf(engine, { clock: clock.now });
  try {
    await engine.states.register({ stateId: 'c1', type: 'user', data: { n: 0 } });
    await Promise.all([engine.states.change('c1', { data: { n: 1 } }), other.states.change('c1', { transition: 'activate' })]);
    const history = await engine.states.history('c1');
    assert.equal(history.map((h) => h.revision), [0, 1, 2]);
    assert.is((await engine.states.get('c1'))?.status, 'active');
  } finally {
    await other.close();
  }
});

States('ids the HTTP routes use as words are refused', async () => {
  assert.is(((await refusal(() => engine.states.register({ stateId: 'changes', type: 'user', data: {} }))) as InvalidInput).field, 'state_id');
});

States.run();
