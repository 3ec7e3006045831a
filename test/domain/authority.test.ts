import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mayOn, scopeMatches, scopePatternProblem } from '../../src/domain/index.js';

const Scopes = suite('domain/authority: scope patterns and rights');

Scopes('an account alone covers all its regions; a region narrows it', () => {
  assert.ok(scopeMatches('111', '111', 'us-east-1'));
  assert.ok(scopeMatches('111', '111', ''));
  assert.ok(scopeMatches('111/us-east-1', '111', 'us-east-1'));
  assert.not.ok(scopeMatches('111/us-east-1', '111', 'eu-west-1'));
  assert.not.ok(scopeMatches('111', '1111', 'us-east-1'));
});

Scopes('* matches any run of characters, and nothing else is special', () => {
  assert.ok(scopeMatches('*', 'any', 'thing'));
  assert.ok(scopeMatches('prod-*/eu-*', 'prod-7', 'eu-west-1'));
  assert.not.ok(scopeMatches('prod-*/eu-*', 'dev-7', 'eu-west-1'));
  assert.not.ok(scopeMatches('1.1', '101', ''));
  assert.not.ok(scopeMatches('a+', 'aa', ''));
});

Scopes('bad patterns are named', () => {
  assert.is(scopePatternProblem('111/us/1'), '<account>[/<region>], at most one /');
  assert.is(scopePatternProblem(''), 'a pattern of 1-300 characters');
  assert.is(scopePatternProblem('111/*'), null);
});

Scopes('without a table every origin may; the local origin always may; others only within their rights', () => {
  assert.ok(mayOn(null, 'me', 'anyone', 'decide', '111', 'x'));
  const table = new Map([['spoke', { report: ['111'], decide: [] }]]);
  assert.ok(mayOn(table, 'me', 'me', 'decide', '999', 'x'));
  assert.ok(mayOn(table, 'me', 'spoke', 'report', '111', 'x'));
  assert.not.ok(mayOn(table, 'me', 'spoke', 'decide', '111', 'x'));
  assert.not.ok(mayOn(table, 'me', 'stranger', 'report', '111', 'x'));
});

Scopes.run();
