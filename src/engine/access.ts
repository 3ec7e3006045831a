import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as t from 'io-ts';
import type { TokenRow } from '../../projections/index.js';
import {
  defaultSuppressionPolicy,
  token,
  tokenStreamOf,
  type Identity,
  type SuppressionPolicy,
} from '../domain/index.js';
import { DomainError } from '../errors.js';
import {
  AccessScope,
  decodeOrThrow,
  IdentityKind,
  IdentityName,
  Instant,
  optional,
  Role,
  SuppressionMaxDays,
  type IdentityKind as Kind,
  type Role as RoleName,
} from '../events/index.js';
import { metaOf } from './actor.js';
import { now, sql, type Core } from './core.js';
import { handle, loadFromStream } from './handle.js';

export const CreateTokenInput = t.strict({
  name: IdentityName,
  role: Role,
  kind: optional(IdentityKind),
  scopes: optional(t.array(AccessScope)),
  expiresAt: optional(Instant),
});
export type CreateTokenInput = t.TypeOf<typeof CreateTokenInput>;

/** A token as listed: never its secret, never its hash. */
export interface TokenRecord {
  readonly token_id: string;
  readonly name: string;
  readonly role: RoleName;
  readonly kind: Kind;
  readonly scopes: readonly string[];
  readonly status: 'active' | 'revoked' | 'expired';
  readonly expires: string | null;
  readonly created_at: string;
  readonly created_by: string;
  readonly revoked_at: string | null;
  readonly revoked_by: string | null;
}

/** What `token create` shows once: the record and the secret. */
export interface CreatedToken extends TokenRecord {
  readonly token: string;
}

/**
 * `sst_<token id>_<secret>`: the id (not secret) finds the row, the whole string's SHA-256 is compared in constant
 * time. 32 random bytes make the secret unguessable, so a plain SHA-256 (no salt, no slow hash) is enough.
 */
const tokenShape = /^sst_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
// Compared against when the id is unknown, so a miss costs what a wrong secret costs.
const decoy = sha256('stance-state decoy');

const statusOf = (r: TokenRow, at: string): TokenRecord['status'] =>
  r.revoked_at !== null ? 'revoked' : r.expires_at !== null && r.expires_at <= at ? 'expired' : 'active';

const recordOf = (r: TokenRow, at: string): TokenRecord => ({
  token_id: r.token_id,
  name: r.name,
  role: r.role as RoleName,
  kind: r.kind as Kind,
  scopes: JSON.parse(r.scopes) as string[],
  status: statusOf(r, at),
  expires: r.expires_at,
  created_at: r.created_at,
  created_by: r.created_by,
  revoked_at: r.revoked_at,
  revoked_by: r.revoked_by,
});

const rowById = (core: Core, tokenId: string): TokenRow | undefined =>
  sql<[string], TokenRow>(core, 'SELECT * FROM access_tokens WHERE token_id = ?').get(tokenId);

const latestOf = (core: Core, name: string): TokenRow | undefined =>
  sql<[string], TokenRow>(core, 'SELECT * FROM access_tokens WHERE name = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(name);

/** Makes a token; its secret is in the answer and nowhere else (the log keeps its SHA-256). */
export const createToken = (core: Core, input: CreateTokenInput, actor?: Identity): CreatedToken => {
  const i = decodeOrThrow(CreateTokenInput, input);
  const tokenId = randomBytes(8).toString('hex');
  const secret = `sst_${tokenId}_${randomBytes(32).toString('base64url')}`;
  const stream = tokenStreamOf(i.name);
  const createdAt = now(core);
  handle(
    core.store,
    stream,
    token,
    () => loadFromStream(core.store, stream, token),
    {
      type: 'CreateToken',
      data: {
        tokenId,
        name: i.name,
        role: i.role,
        kind: i.kind ?? 'person',
        scopes: [...new Set(i.scopes ?? [])].sort(),
        sha256: sha256(secret).toString('hex'),
        expiresAt: i.expiresAt ?? null,
        createdAt,
      },
    },
    metaOf(actor),
  );
  const row = rowById(core, tokenId);
  if (row === undefined) throw new DomainError('unknown_token', `token ${i.name} vanished`);
  return { ...recordOf(row, createdAt), token: secret };
};

export const revokeToken = (core: Core, name: string, actor?: Identity): TokenRecord => {
  const n = decodeOrThrow(IdentityName, name, 'name');
  const stream = tokenStreamOf(n);
  const at = now(core);
  handle(core.store, stream, token, () => loadFromStream(core.store, stream, token), {
    type: 'RevokeToken',
    data: { name: n, revokedAt: at },
  }, metaOf(actor));
  const row = latestOf(core, n);
  if (row === undefined) throw new DomainError('unknown_token', `no token named ${n}`);
  return recordOf(row, at);
};

/** Every token ever made (revoked and expired ones too), by name then creation. */
export const listTokens = (core: Core): TokenRecord[] => {
  const at = now(core);
  return sql<[], TokenRow>(core, 'SELECT * FROM access_tokens ORDER BY name, created_at, rowid')
    .all()
    .map((r) => recordOf(r, at));
};

/** Whether any token could authenticate now (writes are enabled by one). */
export const hasActiveTokens = (core: Core): boolean =>
  sql<[string], number>(
    core,
    'SELECT 1 FROM access_tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) LIMIT 1',
  )
    .pluck()
    .get(now(core)) === 1;

/**
 * The identity a presented token stands for, or null. Read from the read model on every call, which every
 * writer keeps in its append transaction: a revocation by another process counts from the next request on.
 */
export const authenticate = (core: Core, presented: string): Identity | null => {
  const m = tokenShape.exec(presented);
  const row = m === null ? undefined : rowById(core, m[1] as string);
  const expected = row === undefined ? decoy : Buffer.from(row.sha256, 'hex');
  const matches = timingSafeEqual(sha256(presented), expected);
  if (row === undefined || !matches || statusOf(row, now(core)) !== 'active') return null;
  return {
    name: row.name,
    role: row.role as RoleName,
    kind: row.kind as Kind,
    scopes: JSON.parse(row.scopes) as string[],
    via: 'token',
    tokenId: row.token_id,
    expiresAt: row.expires_at,
  };
};

export const getSuppressionPolicy = (core: Core): SuppressionPolicy => {
  const value = sql<[], string>(core, "SELECT value FROM access_settings WHERE key = 'suppression'").pluck().get();
  return value === undefined ? defaultSuppressionPolicy : (JSON.parse(value) as SuppressionPolicy);
};

/** Sets the longest a suppression may run (null: no limit); recorded as an event, like every decision. */
export const setSuppressionPolicy = (core: Core, maxDays: number | null, actor?: Identity): SuppressionPolicy => {
  const days = maxDays === null ? null : decodeOrThrow(SuppressionMaxDays, maxDays, 'max-days');
  core.store.appendSync([
    {
      stream: 'policy-suppression',
      events: [{ type: 'SuppressionPolicySet', data: { maxDays: days, at: now(core) }, meta: metaOf(actor) }],
    },
  ]);
  return getSuppressionPolicy(core);
};
