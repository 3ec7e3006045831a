import { DomainError } from '../errors.js';
import type { DomainEvent, DomainEventOf, Instant } from '../events/index.js';
import type { Decider } from './decider.js';

export type TokenEvent = Extract<DomainEvent, { type: 'TokenCreated' | 'TokenRevoked' }>;
export const isTokenEvent = (e: { type: string }): e is TokenEvent => e.type === 'TokenCreated' || e.type === 'TokenRevoked';

/** The current token of a name: one stream per name, so a name is reused only after its token ended. */
export interface Token {
  readonly tokenId: string;
  readonly name: string;
  readonly expiresAt: Instant | null;
  readonly revoked: boolean;
}
export type TokenState = Token | null; // null: never created

export type TokenCommand =
  | { type: 'CreateToken'; data: DomainEventOf<'TokenCreated'>['data'] }
  | { type: 'RevokeToken'; data: { name: string; revokedAt: Instant } };

const evolve = (state: TokenState, event: TokenEvent): TokenState => {
  if (event.type === 'TokenCreated') {
    const { tokenId, name, expiresAt } = event.data;
    return { tokenId, name, expiresAt, revoked: false };
  }
  return state && { ...state, revoked: true };
};

const live = (t: Token, now: Instant): boolean => !t.revoked && (t.expiresAt === null || t.expiresAt > now);

const decide = (state: TokenState, command: TokenCommand): readonly TokenEvent[] | DomainError => {
  if (command.type === 'CreateToken') {
    const d = command.data;
    // Two live tokens under one name would make "revoke alice" ambiguous and the audit trail with it.
    if (state !== null && live(state, d.createdAt))
      return new DomainError('conflict', `a token named ${d.name} exists (${state.tokenId}); revoke it first`);
    if (d.expiresAt !== null && d.expiresAt <= d.createdAt)
      return new DomainError('illegal_transition', `token ${d.name} would expire before it is created (${d.expiresAt})`);
    return [{ type: 'TokenCreated', data: d }];
  }
  const { name, revokedAt } = command.data;
  if (state === null) return new DomainError('unknown_token', `no token named ${name}`);
  if (state.revoked) return new DomainError('illegal_transition', `the token named ${name} (${state.tokenId}) is already revoked`);
  return [{ type: 'TokenRevoked', data: { tokenId: state.tokenId, name, revokedAt } }];
};

export const token: Decider<TokenState, TokenCommand, TokenEvent> = { initialState: () => null, decide, evolve };

export const tokenStreamOf = (name: string): string => `token-${name}`;
