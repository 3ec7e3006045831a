import * as t from 'io-ts';
import { Id, Instant, NonNegativeInt, Text } from './primitives.js';

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
