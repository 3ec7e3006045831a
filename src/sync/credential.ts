import { createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { canonicalJson, Id, Instant, NonNegativeInt, orNull, Text, type Json } from '../events/index.js';
import { scopePatternProblem } from '../domain/index.js';
import { InvalidInput } from '../errors.js';

const ScopePattern = t.refinement(Text, (p) => scopePatternProblem(p) === null, 'scope pattern (<account>[/<region>], * as a wildcard)');

/**
 * What an organisation says about one origin: its signing key, the scopes it may report for and decide on, whether
 * it is the central origin, and for how long. Signed by an organisation key that replicas trust, so a fleet of
 * hundreds of spokes needs one key on each replica, not a list kept by hand.
 */
export const Credential = t.strict({
  format: t.literal('stance-state-credential-v1'),
  serial: Id,
  origin: Id,
  public_key: Text,
  report: t.array(ScopePattern),
  decide: t.array(ScopePattern),
  central: t.boolean,
  issued_at: Instant,
  not_before: Instant,
  expires: orNull(Instant),
});
export type Credential = t.TypeOf<typeof Credential>;

/**
 * An organisation's word that an origin's credential (one serial, or all it had) no longer holds: its batches up to
 * `keep_through` (its log position) stay acceptable, later ones are refused, whenever and wherever they are pulled.
 */
export const Revocation = t.strict({
  format: t.literal('stance-state-revocation-v1'),
  origin: Id,
  serial: orNull(Id),
  keep_through: NonNegativeInt,
  revoked_at: Instant,
});
export type Revocation = t.TypeOf<typeof Revocation>;

const Signed = <C extends t.Mixed>(name: string, codec: C) =>
  t.strict({ [name]: codec, signature: t.string } as Record<string, t.Mixed>) as unknown as t.Type<
    { signature: string } & Record<string, t.TypeOf<C>>
  >;

const signedText = (kind: string, body: Json): Buffer => Buffer.from(`stance-state ${kind} v1\n${canonicalJson(body)}`);

const signWith = (kind: string, key: KeyObject, body: Json): string => sign(null, signedText(kind, body), key).toString('base64');

const verifiedBy = (kind: string, keys: readonly KeyObject[], body: Json, signature: string): boolean =>
  keys.some((key) => {
    try {
      return verify(null, signedText(kind, body), key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  });

const decodeAs = <C extends t.Mixed>(codec: C, value: unknown, field: string): t.TypeOf<C> => {
  const decoded = codec.decode(value);
  if (isLeft(decoded)) throw InvalidInput.from(decoded.left, field);
  return decoded.right;
};

export interface SignedCredential {
  readonly credential: Credential;
  readonly signature: string;
}
export interface SignedRevocation {
  readonly revocation: Revocation;
  readonly signature: string;
}

/** Parses a signed credential document and checks its signature by one of the organisation keys. */
export const openCredential = (value: unknown, organisationKeys: readonly KeyObject[], field: string): SignedCredential => {
  const doc = decodeAs(Signed('credential', Credential), value, field);
  const credential = doc.credential as Credential;
  if (!verifiedBy('credential', organisationKeys, credential as unknown as Json, doc.signature))
    throw new InvalidInput(`${field}.signature`, doc.signature.slice(0, 16), 'a signature by a trusted organisation key');
  publicKeyOf(credential, field);
  return { credential, signature: doc.signature };
};

export const openRevocation = (value: unknown, organisationKeys: readonly KeyObject[], field: string): SignedRevocation => {
  const doc = decodeAs(Signed('revocation', Revocation), value, field);
  const revocation = doc.revocation as Revocation;
  if (!verifiedBy('revocation', organisationKeys, revocation as unknown as Json, doc.signature))
    throw new InvalidInput(`${field}.signature`, doc.signature.slice(0, 16), 'a signature by a trusted organisation key');
  return { revocation, signature: doc.signature };
};

/** The origin's Ed25519 public key from its credential. */
export const publicKeyOf = (credential: Credential, field = 'credential'): KeyObject => {
  try {
    const key = createPublicKey(credential.public_key);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch {
    throw new InvalidInput(`${field}.public_key`, credential.public_key.slice(0, 40), 'an Ed25519 public key in PEM');
  }
};

export interface CredentialRequest {
  readonly origin: string;
  readonly publicKeyPem: string;
  readonly report: readonly string[];
  readonly decide: readonly string[];
  readonly central: boolean;
  readonly notBefore: string;
  readonly expires: string | null;
  readonly issuedAt: string;
}

/** Issues a credential signed by the organisation's private key (checked like any received one). */
export const issueCredential = (organisationKey: KeyObject, request: CredentialRequest): SignedCredential => {
  const credential = decodeAs(
    Credential,
    {
      format: 'stance-state-credential-v1',
      serial: randomUUID(),
      origin: request.origin,
      public_key: request.publicKeyPem,
      report: [...request.report],
      decide: [...request.decide],
      central: request.central,
      issued_at: request.issuedAt,
      not_before: request.notBefore,
      expires: request.expires,
    },
    'credential',
  );
  publicKeyOf(credential);
  return { credential, signature: signWith('credential', organisationKey, credential as unknown as Json) };
};

export const issueRevocation = (
  organisationKey: KeyObject,
  request: { origin: string; serial: string | null; keepThrough: number; revokedAt: string },
): SignedRevocation => {
  const revocation = decodeAs(
    Revocation,
    {
      format: 'stance-state-revocation-v1',
      origin: request.origin,
      serial: request.serial,
      keep_through: request.keepThrough,
      revoked_at: request.revokedAt,
    },
    'revocation',
  );
  return { revocation, signature: signWith('revocation', organisationKey, revocation as unknown as Json) };
};
