import * as t from 'io-ts';
import { permits, type Permission } from '../domain/index.js';
import { InstantFromIso } from '../engine/index.js';
import { optional } from '../events/index.js';
import { Limit, NoQuery } from './inputs.js';
import { defineRoute, json, type Route } from './route.js';

const permissions: readonly Permission[] = ['read', 'ingest', 'decide', 'admin'];

const AuditQuery = t.strict({ since: optional(InstantFromIso), limit: optional(Limit) });

/** Who the caller is (a login page starts here), and for admins the tokens and the access audit. */
export const v1AccessRoutes: readonly Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/me',
    access: 'read',
    exact: true,
    query: NoQuery,
    doc: {
      summary: 'The identity this request authenticated as (null name: an anonymous read on this machine) and what its role permits',
      returns: 'Me',
    },
    handle: async ({ identity }) =>
      json(
        identity === null
          ? { name: null, role: 'viewer', kind: null, scopes: [], via: 'anonymous', token_id: null, expires: null, permissions: ['read'] }
          : {
              name: identity.name,
              role: identity.role,
              kind: identity.kind,
              scopes: identity.scopes,
              via: identity.via,
              token_id: identity.tokenId,
              expires: identity.expiresAt,
              // What the role allows, so a client offers only what the server would accept (the dashboard does).
              permissions: permissions.filter((p) => permits(identity.role, p)),
            },
      ),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/access/tokens',
    access: 'admin',
    reads: true,
    exact: true,
    query: NoQuery,
    doc: { summary: 'Every token made (never its secret): name, role, scopes, status', returns: 'TokenList' },
    handle: async ({ engine }) => json({ tokens: await engine.access.listTokens() }),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/access/audit',
    access: 'admin',
    reads: true,
    exact: true,
    query: AuditQuery,
    doc: { summary: 'The access audit: tokens made and revoked, policy changes, refused writes', returns: 'AccessAudit' },
    handle: async ({ engine }, q) => json({ entries: await engine.access.audit({ since: q.since, limit: q.limit }) }),
  }),
];
