import * as t from 'io-ts';
import { Id, Instant, NonNegativeInt, orNull, Text, type Json, type JsonRecord } from './primitives.js';

export const Sha256Hex = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex');

/** How a body's bytes are stored: gzip, then (with a key) AES-256-GCM. */
export const BodyCodec = t.keyof({ gzip: null, 'gzip+aes-256-gcm': null }, 'BodyCodec (gzip or gzip+aes-256-gcm)');
export type BodyCodec = t.TypeOf<typeof BodyCodec>;

/**
 * A document body kept out of the log: the log holds its address (SHA-256 of the bytes stored), its size as JSON
 * and as stored, how it is stored, and the fingerprint of the key that sealed it (never the key). The checksum
 * chain covers all of it, so a body swapped in the blob store no longer matches its event.
 */
export const BodyRef = t.strict({
  sha256: Sha256Hex,
  size: NonNegativeInt,
  stored: NonNegativeInt,
  codec: BodyCodec,
  key: orNull(t.refinement(t.string, (s) => /^[0-9a-f]{16}$/.test(s), 'key fingerprint (16 hex digits)')),
});
export type BodyRef = t.TypeOf<typeof BodyRef>;

/** The latest live checkpoint, carried by the events that change it so the session folds without a list. */
export const CheckpointRef = t.strict({ checkpointId: Id, seq: NonNegativeInt, branch: orNull(Id), body: BodyRef, at: Instant });
export type CheckpointRef = t.TypeOf<typeof CheckpointRef>;

/** The writer's fencing number: null for a write by no holder (allowed only while nobody holds the session). */
const Fence = orNull(NonNegativeInt);

/**
 * Schema 1 of each session event's data (stream `session-<sessionId>`, a local category). Bodies stay out of the
 * log (see BodyRef); an owner holds a session under a lease with a fencing number that every write of its carries.
 */
export const sessionEvents = {
  SessionSaved: t.strict({ sessionId: Id, body: BodyRef, fence: Fence, at: Instant }),
  SessionCheckpointCreated: t.strict({ sessionId: Id, checkpoint: CheckpointRef, fence: Fence }),
  SessionCheckpointRestored: t.strict({ sessionId: Id, checkpointId: Id, body: BodyRef, fence: Fence, at: Instant }),
  SessionCheckpointsRemoved: t.strict({
    sessionId: Id,
    checkpointIds: t.array(Id),
    reason: Text,
    /** The latest live checkpoint after the removal. */
    latest: orNull(CheckpointRef),
    at: Instant,
  }),
  SessionPaused: t.strict({ sessionId: Id, fence: Fence, at: Instant }),
  SessionClaimed: t.strict({ sessionId: Id, owner: Id, fence: NonNegativeInt, leaseUntil: Instant, at: Instant }),
  SessionLeaseRenewed: t.strict({ sessionId: Id, fence: NonNegativeInt, leaseUntil: Instant, at: Instant }),
  SessionReleased: t.strict({ sessionId: Id, fence: NonNegativeInt, at: Instant }),
  /** Resumed from the latest checkpoint (its body becomes the session's), claimed by the owner that resumed it. */
  SessionResumed: t.strict({
    sessionId: Id,
    checkpointId: orNull(Id),
    body: orNull(BodyRef),
    owner: Id,
    fence: NonNegativeInt,
    leaseUntil: Instant,
    at: Instant,
  }),
  /** A holder's lease ran out: restored to the latest checkpoint, paused, and fenced so the old holder writes no more. */
  SessionRecovered: t.strict({
    sessionId: Id,
    previousOwner: Id,
    previousFence: NonNegativeInt,
    fence: NonNegativeInt,
    checkpointId: orNull(Id),
    body: orNull(BodyRef),
    at: Instant,
  }),
  SessionDeleted: t.strict({ sessionId: Id, reason: Text, at: Instant }),
};

/**
 * Schema 1 of a body purge (stream `body-<sha256>`, local): a body the blob store deletes is named here first, with
 * why, so `log verify` tells a purged body from one that went missing.
 */
export const bodyEvents = {
  BodyPurged: t.strict({ sha256: Sha256Hex, stored: NonNegativeInt, reason: Text, at: Instant }),
};

const isDocumentValue = (v: unknown, depth: number): boolean => {
  if (depth > 512) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isDocumentValue(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every((x) => isDocumentValue(x, depth + 1));
  return false;
};
const isDocument = (u: unknown): u is Record<string, Json> => typeof u === 'object' && u !== null && !Array.isArray(u) && isDocumentValue(u, 0);

/** A session or checkpoint document: a JSON object, nested at most 512 deep (deeper than events allow: it is a body). */
export const JsonDocument = new t.Type<JsonRecord, JsonRecord, unknown>(
  'JSON object (a document)',
  isDocument,
  (u, c) => (isDocument(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
);
