import * as t from 'io-ts';
import { Id, Instant, NonNegativeInt, orNull, Text } from './primitives.js';

export const ConflictPolicy = t.keyof(
  { latest_wins: null, central_wins: null, local_wins: null, merge: null },
  'ConflictPolicy',
);
export type ConflictPolicy = t.TypeOf<typeof ConflictPolicy>;

const Sha256 = t.refinement(t.string, (s) => /^[0-9a-f]{64}$/.test(s), 'SHA-256 hex');

/** Schema 1 of each sync event's data. */
export const syncEvents = {
  /** The data dir's origin name, fixed on first use; `central` marks the hub's central origin. */
  OriginNamed: t.strict({ origin: Id, central: t.boolean, at: Instant }),
  SyncPushed: t.strict({
    hub: Text,
    batch: Text,
    firstPosition: NonNegativeInt,
    lastPosition: NonNegativeInt,
    count: NonNegativeInt,
    sha256: Sha256,
    at: Instant,
  }),
  SyncPulled: t.strict({
    hub: Text,
    origin: Id,
    batch: Text,
    firstPosition: NonNegativeInt,
    lastPosition: NonNegativeInt,
    count: NonNegativeInt,
    applied: NonNegativeInt,
    sha256: Sha256,
    at: Instant,
  }),
  /** A diverged history (same origin, stream, revision; other checksum), resolved by a policy, both kept here. */
  SyncConflictResolved: t.strict({
    hub: Text,
    origin: Id,
    stream: Text,
    revision: NonNegativeInt,
    localChecksum: Sha256,
    remoteChecksum: Sha256,
    policy: ConflictPolicy,
    kept: t.keyof({ local: null, remote: null }),
    at: Instant,
  }),
};

const Scopes = t.array(Text);
const Document = t.record(t.string, t.unknown);

/** Schema 1 of the trust records: all trust material a replica accepted, in its local `sync-trust` stream. */
export const syncTrustEvents = {
  /** The replica's trust configuration document as an operator set it (`sync trust set`). */
  SyncTrustSet: t.strict({ document: Document, at: Instant }),
  /** An organisation-signed origin credential, recorded when first seen valid (on a hub or in the configuration). */
  SyncCredentialRecorded: t.strict({ origin: Id, serial: Text, document: Document, at: Instant }),
  /** An organisation-signed revocation, recorded when first seen: a hub that later loses it cannot un-revoke. */
  SyncRevocationRecorded: t.strict({ origin: Id, serial: orNull(Text), keepThrough: NonNegativeInt, document: Document, at: Instant }),
  /**
   * What the trust material resolves to for folding: per origin, the scopes it may report for and decide on, and the
   * central origin. Written when it changes; read models fold replicated findings under the latest one.
   */
  SyncAuthorityRecorded: t.strict({
    mode: t.keyof({ open: null, configured: null }),
    central: orNull(Id),
    origins: t.record(t.string, t.strict({ report: Scopes, decide: Scopes })),
    at: Instant,
  }),
};

/** Schema 1 of the per-hub pull records added with signed batch chains. */
export const syncPullEvents = {
  /** A batch of the v2 format applied: its place in its origin's chain of batches, and its origin's last instant. */
  SyncBatchPulled: t.strict({
    hub: Text,
    origin: Id,
    batch: Text,
    firstPosition: NonNegativeInt,
    lastPosition: NonNegativeInt,
    previous: NonNegativeInt,
    count: NonNegativeInt,
    applied: NonNegativeInt,
    ignored: NonNegativeInt,
    sha256: Sha256,
    lastRecordedAt: Instant,
    at: Instant,
  }),
  /** An origin's pulls stopped (a gap, a bad or unauthorised batch); a later SyncBatchPulled of it clears this. */
  SyncOriginBlocked: t.strict({ hub: Text, origin: Id, batch: orNull(Text), reason: Text, at: Instant }),
  /** Events recorded beyond their batch's clock bound: they fold at the capped instant. */
  SyncClockCapped: t.strict({
    hub: Text,
    origin: Id,
    batch: Text,
    count: NonNegativeInt,
    eventId: Text,
    recordedAt: Instant,
    foldAt: Instant,
    at: Instant,
  }),
};
