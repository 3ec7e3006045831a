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
import { now, type Core } from './core.js';
import { decideFromLog } from './decide.js';

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

const rowById = async (core: Core, tokenId: string): Promise<TokenRow | undefined> =>
  (await core.backend.models.rows({ table: 'access_tokens', where: [{ column: 'token_id', op: '=', value: tokenId }] }))[0] as
    | TokenRow
    | undefined;

const latestOf = async (core: Core, name: string): Promise<TokenRow | undefined> =>
  (
    await core.backend.models.rows({
      table: 'access_tokens',
      where: [{ column: 'name', op: '=', value: name }],
      order: [{ column: 'created_at', desc: true }, { column: 'token_id', desc: true }],
      limit: 1,
    })
  )[0] as TokenRow | undefined;

/** Makes a token; its secret is in the answer and nowhere else (the log keeps its SHA-256). */
export const createToken = async (core: Core, input: CreateTokenInput, actor?: Identity): Promise<CreatedToken> => {
  const i = decodeOrThrow(CreateTokenInput, input);
  const tokenId = randomBytes(8).toString('hex');
  const secret = `sst_${tokenId}_${randomBytes(32).toString('base64url')}`;
  const stream = tokenStreamOf(i.name);
  const createdAt = now(core);
  await decideFromLog(
    core,
    stream,
    token,
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
  const row = await rowById(core, tokenId);
  if (row === undefined) throw new DomainError('unknown_token', `token ${i.name} vanished`);
  return { ...recordOf(row, createdAt), token: secret };
};

export const revokeToken = async (core: Core, name: string, actor?: Identity): Promise<TokenRecord> => {
  const n = decodeOrThrow(IdentityName, name, 'name');
  const stream = tokenStreamOf(n);
  const at = now(core);
  await decideFromLog(core, stream, token, { type: 'RevokeToken', data: { name: n, revokedAt: at } }, metaOf(actor));
  const row = await latestOf(core, n);
  if (row === undefined) throw new DomainError('unknown_token', `no token named ${n}`);
  return recordOf(row, at);
};

/** Every token ever made (revoked and expired ones too), by name then creation. */
export const listTokens = async (core: Core): Promise<TokenRecord[]> => {
  const at = now(core);
  const rows = await core.backend.models.rows({
    table: 'access_tokens',
    order: [{ column: 'name' }, { column: 'created_at' }, { column: 'token_id' }],
  });
  return rows.map((r) => recordOf(r as unknown as TokenRow, at));
};

/** Whether any token could authenticate now (writes are enabled by one). */
export const hasActiveTokens = async (core: Core): Promise<boolean> => {
  const at = now(core);
  const rows = await core.backend.models.rows({
    table: 'access_tokens',
    where: [{ column: 'revoked_at', op: 'is null' }],
    columns: ['expires_at'],
  });
  return rows.some((r) => r.expires_at === null || (r.expires_at as string) > at);
};

/**
 * The identity a presented token stands for, or null. Read from the read model on every call, which every
 * writer keeps in its append transaction: a revocation by another process counts from the next request on.
 */
export const authenticate = async (core: Core, presented: string): Promise<Identity | null> => {
  const m = tokenShape.exec(presented);
  const row = m === null ? undefined : await rowById(core, m[1] as string);
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

export const getSuppressionPolicy = async (core: Core): Promise<SuppressionPolicy> => {
  const [row] = await core.backend.models.rows({ table: 'access_settings', where: [{ column: 'key', op: '=', value: 'suppression' }] });
  return row === undefined ? defaultSuppressionPolicy : (JSON.parse(row.value as string) as SuppressionPolicy);
};

/** Sets the longest a suppression may run (null: no limit); recorded as an event, like every decision. */
export const setSuppressionPolicy = async (core: Core, maxDays: number | null, actor?: Identity): Promise<SuppressionPolicy> => {
  const days = maxDays === null ? null : decodeOrThrow(SuppressionMaxDays, maxDays, 'max-days');
  await core.backend.commit([
    {
      stream: 'policy-suppression',
      events: [{ type: 'SuppressionPolicySet', data: { maxDays: days, at: now(core) }, meta: metaOf(actor) }],
    },
  ]);
  return getSuppressionPolicy(core);
};
