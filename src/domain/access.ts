import type { ActorMeta, IdentityKind, Role } from '../events/index.js';

/**
 * Who is acting, as authenticated: a token's identity, the legacy shared tokens, a person named by a trusted proxy,
 * or the operating-system user running the CLI (local file access is full trust: admin, every account).
 */
export interface Identity {
  readonly name: string;
  readonly role: Role;
  readonly kind: IdentityKind;
  /** `<account>` or `<account>/<region>`; empty: every account. */
  readonly scopes: readonly string[];
  readonly via: 'token' | 'legacy-token' | 'proxy' | 'local';
  readonly tokenId: string | null;
  readonly expiresAt: string | null;
  /** The OS account of a CLI run whose `--as` names someone else. */
  readonly localUser?: string;
}

/** What a route or command needs. `read`: any identity; the rest by role. */
export type Permission = 'read' | 'ingest' | 'decide' | 'admin';

const grants: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  analyst: ['read', 'decide'],
  scanner: ['read', 'ingest'],
  admin: ['read', 'ingest', 'decide', 'admin'],
};

export const permits = (role: Role, permission: Permission): boolean => grants[role].includes(permission);

/** The roles that hold a permission, for a refusal that says what would do. */
export const rolesWith = (permission: Permission): Role[] =>
  (Object.keys(grants) as Role[]).filter((r) => grants[r].includes(permission));

/** Whether a write to (account, region) lies within the scopes; no scopes means every account. */
export const covers = (scopes: readonly string[], accountId: string, region: string): boolean =>
  scopes.length === 0 ||
  scopes.some((s) => {
    const slash = s.indexOf('/');
    return slash < 0 ? s === accountId : s.slice(0, slash) === accountId && s.slice(slash + 1) === region;
  });

/** Admins and services act for people (an integration, a ticket queue); a person acts as itself only. */
export const mayActFor = (identity: Identity): boolean => identity.role === 'admin' || identity.kind === 'service';

/**
 * Who a decision is attributed to: the person named (`by`) when the identity may act for others, else the identity
 * itself. A person naming someone else gets null: the caller refuses the request.
 */
export const attribute = (identity: Identity, by: string | undefined): { by: string; onBehalfOf: string | null } | null => {
  if (by === undefined || by === '' || by === identity.name) return { by: identity.name, onBehalfOf: null };
  return mayActFor(identity) ? { by, onBehalfOf: by } : null;
};

/** The event metadata an identity's writes carry (the token itself never; its id only). */
export const actorMetaOf = (identity: Identity, onBehalfOf: string | null = null): ActorMeta => ({
  actor: identity.name,
  actorRole: identity.role,
  actorVia: identity.via,
  ...(identity.tokenId === null ? {} : { actorTokenId: identity.tokenId }),
  ...(onBehalfOf === null ? {} : { onBehalfOf }),
  ...(identity.localUser === undefined ? {} : { localUser: identity.localUser }),
});
