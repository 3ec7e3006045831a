import { actorMetaOf, attribute, covers, type Identity } from '../domain/index.js';
import { AccessDenied, Impersonation } from '../errors.js';
import type { GivenMeta } from '../events/index.js';

/**
 * Who a write is recorded as. Without an identity (the library used directly, tests, the scheduler) a `by` is the
 * actor as before; with one, the identity is the actor and a `by` only says for whom an admin or service acted.
 */
export const attributed = (
  identity: Identity | undefined,
  by: string | undefined,
): { readonly by: string; readonly meta: GivenMeta } => {
  if (identity === undefined) return { by: by ?? '', meta: by ? { actor: by } : {} };
  const a = attribute(identity, by);
  if (a === null) throw new Impersonation(identity.name, by ?? '');
  return { by: a.by, meta: actorMetaOf(identity, a.onBehalfOf) };
};

/** The meta of a write that names nobody else (a scan, a sighting, a checkpoint). */
export const metaOf = (identity: Identity | undefined): GivenMeta =>
  identity === undefined ? {} : actorMetaOf(identity);

const where = (accountId: string, region: string) =>
  `account ${accountId === '' ? '(none)' : accountId}${region === '' ? '' : ` region ${region}`}`;

/** Refuses a write outside the identity's scopes before anything is appended. */
export const requireScope = (identity: Identity | undefined, accountId: string, region: string, what: string): void => {
  if (identity === undefined || covers(identity.scopes, accountId, region)) return;
  throw new AccessDenied(
    `${identity.name} may write to ${identity.scopes.join(', ')} only; ${what} is in ${where(accountId, region)}`,
  );
};
