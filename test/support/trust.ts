import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { StateEngine } from '../../src/engine/index.js';
import type { RecordedEvent } from '../../src/events/index.js';
import {
  encodeBatch,
  generateSigningKeys,
  issueCredential,
  type BatchSecurity,
  type ChainLink,
  type HubStorage,
  type SignedCredential,
} from '../../src/sync/index.js';
import { collect } from './events.js';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export const keyPair = (): KeyPair => {
  const { privateKeyPem, publicKeyPem } = generateSigningKeys();
  return { privateKey: createPrivateKey(privateKeyPem), publicKey: createPublicKey(publicKeyPem), publicKeyPem };
};

let issued = 0;
/** A credential the organisation issues: what `sync credential issue` writes (each issued a second after the last). */
export const credential = (
  organisation: KeyPair,
  origin: string,
  key: KeyPair,
  rights: { report?: string[]; decide?: string[]; central?: boolean; notBefore?: string; expires?: string | null } = {},
): SignedCredential =>
  issueCredential(organisation.privateKey, {
    origin,
    publicKeyPem: key.publicKeyPem,
    report: rights.report ?? [],
    decide: rights.decide ?? [],
    central: rights.central ?? false,
    notBefore: rights.notBefore ?? '2000-01-01T00:00:00.000Z',
    expires: rights.expires ?? null,
    issuedAt: new Date(Date.UTC(2000, 0, 1) + (issued += 1) * 1000).toISOString(),
  });

export const signedBy = (key: KeyPair): BatchSecurity => ({ encryptionKey: null, signingKey: key.privateKey, trusted: null });

/** Every event an origin recorded in its own log, in position order (what an attacker holding its key could sign). */
export const recordedBy = async (engine: StateEngine, filter: (e: RecordedEvent) => boolean = () => true): Promise<RecordedEvent[]> =>
  (await collect(engine.backend.log.readAll())).filter((e) => e.meta.origin === engine.backend.origin && filter(e));

/** Writes a batch of these events to the hub as its origin would (signed when a key is given), bypassing push's rules. */
export const plantBatch = async (
  hub: HubStorage,
  origin: string,
  events: readonly RecordedEvent[],
  previous: ChainLink,
  security: Pick<BatchSecurity, 'encryptionKey' | 'signingKey'>,
) => {
  const batch = encodeBatch(origin, events, previous, security);
  await hub.create(batch.key, batch.body, batch.metadata);
  return batch;
};

/** Plants an object whose body is these raw bytes, gzipped, with metadata that checks out apart from what is planted. */
export const plantRaw = async (hub: HubStorage, key: string, raw: Buffer, metadata: Record<string, string>, zipped?: Buffer) => {
  const body = zipped ?? gzipSync(raw);
  await hub.create(key, body, { ...metadata, sha256: createHash('sha256').update(body).digest('hex') });
};
