import * as t from 'io-ts';
import { Instant, NonNegativeInt, orNull } from './primitives.js';

/**
 * What an identity may do. viewer: reads; analyst: decisions on findings; scanner: what a scanner writes (scans,
 * sightings, checkpoints); admin: everything, and it may name the person it acts for.
 */
export const Role = t.keyof({ viewer: null, analyst: null, scanner: null, admin: null }, 'Role (viewer, analyst, scanner or admin)');
export type Role = t.TypeOf<typeof Role>;

/** A person acts as itself only; a service (an integration) may name the person it acts for. */
export const IdentityKind = t.keyof({ person: null, service: null }, 'IdentityKind (person or service)');
export type IdentityKind = t.TypeOf<typeof IdentityKind>;

/** A name people and logs read: letters, digits and `._@+-`, 1-128 characters (no blanks, quotes or `=`). */
export const IdentityName = t.refinement(
  t.string,
  (s) => /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/.test(s),
  'a name (1-128 letters, digits or ._@+-, starting with a letter or digit)',
);

/** `<account>` (every region of it) or `<account>/<region>`: where an identity's writes may land. */
export const AccessScope = t.refinement(
  t.string,
  (s) => /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}(\/[A-Za-z0-9][A-Za-z0-9._:-]{0,63})?$/.test(s),
  'a scope <account> or <account>/<region>',
);

const Sha256 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex');
export const TokenId = t.refinement(t.string, (s) => /^[0-9a-f]{16}$/.test(s), 'token id (16 hex digits)');
export const SuppressionMaxDays = t.refinement(NonNegativeInt, (n) => n >= 1 && n <= 3650, 'a number of days (1-3650)');

/**
 * Schema 1 of each token event's data (stream `token-<name>`, a local category: sync never carries it). Only the
 * SHA-256 of the secret is kept; the secret itself is shown once, by the command that made it.
 */
export const tokenEvents = {
  TokenCreated: t.strict({
    tokenId: TokenId,
    name: IdentityName,
    role: Role,
    kind: IdentityKind,
    /** Empty: every account. */
    scopes: t.array(AccessScope),
    sha256: Sha256,
    expiresAt: orNull(Instant),
    createdAt: Instant,
  }),
  TokenRevoked: t.strict({ tokenId: TokenId, name: IdentityName, revokedAt: Instant }),
};

/** Schema 1 of each policy event's data (stream `policy-<name>`, local like tokens). */
export const policyEvents = {
  /** Suppressions are risk acceptances: with `maxDays`, each needs an end at most that many days ahead. */
  SuppressionPolicySet: t.strict({ maxDays: orNull(SuppressionMaxDays), at: Instant }),
};

