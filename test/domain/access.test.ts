import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  attribute,
  checkSuppression,
  covers,
  permits,
  token,
  type Identity,
  type TokenCommand,
  type TokenEvent,
} from '../../src/domain/index.js';
import type { Instant } from '../../src/events/index.js';
import { specify } from '../support/decider.js';
import { at } from '../support/findings.js';

const given = specify(token);
const data = (tokenId: string, day: number, expiresAt: Instant | null = null) => ({
  tokenId,
  name: 'alice',
  role: 'analyst' as const,
  kind: 'person' as const,
  scopes: [],
  sha256: '0'.repeat(64),
  expiresAt,
  createdAt: at(day),
});
const created = (tokenId: string, day: number, expiresAt: Instant | null = null): TokenEvent => ({ type: 'TokenCreated', data: data(tokenId, day, expiresAt) });
const create = (tokenId: string, day: number, expiresAt: Instant | null = null): TokenCommand => ({ type: 'CreateToken', data: data(tokenId, day, expiresAt) });
const revoke = (day: number): TokenCommand => ({ type: 'RevokeToken', data: { name: 'alice', revokedAt: at(day) } });
const revoked = (tokenId: string, day: number): TokenEvent => ({ type: 'TokenRevoked', data: { tokenId, name: 'alice', revokedAt: at(day) } });

const person = (role: Identity['role'], scopes: string[] = []): Identity => ({
  name: 'alice', role, kind: 'person', scopes, via: 'token', tokenId: '0123456789abcdef', expiresAt: null,
});

const Tokens = suite('domain/access: tokens, roles, scopes, attribution, risk acceptance');

Tokens('a name holds one live token: a second is refused until the first is revoked or expired', () => {
  given().when(create('a1', 1)).then(created('a1', 1));
  given(created('a1', 1)).when(create('a2', 2)).thenFails('conflict');
  given(created('a1', 1), revoked('a1', 2)).when(create('a2', 3)).then(created('a2', 3));
  given(created('a1', 1, at(2) as Instant)).when(create('a2', 3)).then(created('a2', 3));
});

Tokens('a token cannot expire before it is made', () => {
  given().when(create('a1', 3, at(2) as Instant)).thenFails('illegal_transition');
});

Tokens('revoking names the token revoked; an unknown or revoked one is refused', () => {
  given(created('a1', 1)).when(revoke(2)).then(revoked('a1', 2));
  given().when(revoke(2)).thenFails('unknown_token');
  given(created('a1', 1), revoked('a1', 2)).when(revoke(3)).thenFails('illegal_transition');
});

Tokens('roles grant: viewer reads, analyst decides, scanner ingests, admin all', () => {
  const table = (['viewer', 'analyst', 'scanner', 'admin'] as const).map((r) =>
    (['read', 'ingest', 'decide', 'admin'] as const).filter((p) => permits(r, p)),
  );
  assert.equal(table, [['read'], ['read', 'decide'], ['read', 'ingest'], ['read', 'ingest', 'decide', 'admin']]);
});

Tokens('no scopes cover every account; an account scope every region of it; a region scope that region only', () => {
  assert.ok(covers([], '', ''));
  assert.ok(covers(['111'], '111', 'eu-west-1'));
  assert.not.ok(covers(['111'], '222', 'eu-west-1'));
  assert.not.ok(covers(['111'], '', ''), 'a sighting with no account is outside every scope');
  assert.ok(covers(['111/eu-west-1'], '111', 'eu-west-1'));
  assert.not.ok(covers(['111/eu-west-1'], '111', 'us-east-1'));
  assert.ok(covers(['222', '111/eu-west-1'], '222', ''));
});

Tokens('a person acts as itself; an admin or a service may name the person it acts for', () => {
  assert.equal(attribute(person('analyst'), undefined), { by: 'alice', onBehalfOf: null });
  assert.equal(attribute(person('analyst'), 'alice'), { by: 'alice', onBehalfOf: null });
  assert.is(attribute(person('analyst'), 'bob'), null);
  assert.is(attribute(person('viewer'), 'bob'), null);
  assert.equal(attribute(person('admin'), 'bob'), { by: 'bob', onBehalfOf: 'bob' });
  assert.equal(attribute({ ...person('analyst'), kind: 'service' }, 'bob'), { by: 'bob', onBehalfOf: 'bob' });
});

Tokens('a risk acceptance needs a reason, and under a maximum an end within it', () => {
  const s = (reason: string, until: string | null) => ({ reason, until: until as Instant | null, at: at(1) as Instant });
  assert.is(checkSuppression({ maxDays: null }, s('vendor fix due', null)), null);
  assert.is(checkSuppression({ maxDays: null }, s(' ', null))?.field, 'reason');
  assert.is(checkSuppression({ maxDays: 30 }, s('ok', null))?.field, 'until');
  assert.is(checkSuppression({ maxDays: 30 }, s('ok', at(31))), null, 'exactly 30 days');
  assert.is(checkSuppression({ maxDays: 30 }, s('ok', at(31, 1)))?.field, 'until');
});

Tokens.run();
