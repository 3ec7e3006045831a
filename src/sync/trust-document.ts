import { createPublicKey, type KeyObject } from 'node:crypto';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { Id, Text } from '../events/index.js';
import { scopePatternProblem } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import { defaultLimits, type SyncLimits } from './limits.js';

const ScopePattern = t.refinement(Text, (p) => scopePatternProblem(p) === null, 'scope pattern (<account>[/<region>], * as a wildcard)');
const Bytes = (max: number) => t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1024 && n <= max, `bytes (1024-${max})`);

/** An origin listed in the configuration itself: its key and rights, for deployments without an organisation key. */
const OriginEntry = t.union([
  Text,
  t.exact(
    t.intersection([
      t.type({ public_key: Text }),
      t.partial({ report: t.array(ScopePattern), decide: t.array(ScopePattern), central: t.boolean }),
    ]),
  ),
]);

/**
 * A replica's trust configuration (`sync trust set <file>`), kept in its log. Absent fields keep their defaults; an
 * empty document is the single-team mode (every origin may say anything; caps, chains and clock bounds still hold).
 */
export const TrustDocument = t.exact(
  t.partial({
    /** Public keys (PEM) whose signatures make origin credentials and revocations valid. */
    organisation_keys: t.array(Text),
    /** Origins trusted by key: a PEM string (every right) or `{ public_key, report, decide, central }`. */
    origins: t.record(Id, OriginEntry),
    /** Signed credentials and revocations handed over directly rather than through the hub. */
    credentials: t.array(t.unknown),
    revocations: t.array(t.unknown),
    /** The central origin for central_wins: this replica's choice, never a claim inside a batch. */
    central: Id,
    /** How far ahead of this replica's clock (and of the hub's time of a batch) an event may be recorded. */
    max_clock_skew_seconds: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0 && n <= 86_400, 'seconds (0-86400)'),
    limits: t.exact(
      t.partial({
        max_object_bytes: Bytes(1024 * 1024 * 1024),
        max_body_bytes: Bytes(1024 * 1024 * 1024),
        max_line_bytes: Bytes(256 * 1024 * 1024),
        max_depth: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 8 && n <= 1000, 'a depth (8-1000)'),
        max_events: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1 && n <= 10_000_000, 'a count (1-10000000)'),
      }),
    ),
  }),
);
export type TrustDocument = t.TypeOf<typeof TrustDocument>;

const known = new Set(['organisation_keys', 'origins', 'credentials', 'revocations', 'central', 'max_clock_skew_seconds', 'limits']);
const knownLimits = new Set(['max_object_bytes', 'max_body_bytes', 'max_line_bytes', 'max_depth', 'max_events']);

/** Decodes a trust document; an unknown field is refused (a misspelt `organisation_keys` must not mean "open"). */
export const decodeTrustDocument = (value: unknown, field = 'trust'): TrustDocument => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInput(field, value, 'a JSON object');
  for (const key of Object.keys(value)) if (!known.has(key)) throw new InvalidInput(`${field}.${key}`, key, `one of ${[...known].join(', ')}`);
  const limits = (value as { limits?: unknown }).limits;
  if (typeof limits === 'object' && limits !== null)
    for (const key of Object.keys(limits))
      if (!knownLimits.has(key)) throw new InvalidInput(`${field}.limits.${key}`, key, `one of ${[...knownLimits].join(', ')}`);
  const decoded = TrustDocument.decode(value);
  if (isLeft(decoded)) throw InvalidInput.from(decoded.left, field);
  for (const [i, pem] of (decoded.right.organisation_keys ?? []).entries()) publicKeyFrom(pem, `${field}.organisation_keys[${i}]`);
  for (const [origin, entry] of Object.entries(decoded.right.origins ?? {}))
    publicKeyFrom(typeof entry === 'string' ? entry : entry.public_key, `${field}.origins.${origin}`);
  return decoded.right;
};

export const publicKeyFrom = (pem: string, field: string): KeyObject => {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch {
    throw new InvalidInput(field, pem.slice(0, 40), 'an Ed25519 public key in PEM');
  }
};

export const limitsOf = (doc: TrustDocument): SyncLimits => ({
  maxObjectBytes: doc.limits?.max_object_bytes ?? defaultLimits.maxObjectBytes,
  maxBodyBytes: doc.limits?.max_body_bytes ?? defaultLimits.maxBodyBytes,
  maxLineBytes: doc.limits?.max_line_bytes ?? defaultLimits.maxLineBytes,
  maxDepth: doc.limits?.max_depth ?? defaultLimits.maxDepth,
  maxEvents: doc.limits?.max_events ?? defaultLimits.maxEvents,
});

export const defaultMaxClockSkewSeconds = 300;
