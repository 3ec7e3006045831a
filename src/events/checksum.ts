import { hash } from 'node:crypto';

/** The checksum of a stream's first event chains from this. */
export const genesisChecksum = '0'.repeat(64);

/** What the checksum covers: everything but `position` (local to a replica) and the checksum itself. */
export interface ChecksumInput {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly schema: number;
  /** Canonical JSON text of the data and the meta, as stored. */
  readonly dataJson: string;
  readonly metaJson: string;
}

/**
 * SHA-256 (hex) of the canonical JSON of `{data, id, meta, prev, revision, schema, stream, type}`, where `prev` is
 * the checksum of the previous event of the same stream and origin. Keys are written in sorted order and data/meta
 * are already canonical, so this concatenation is that canonical JSON without re-serialising the data.
 */
export const checksumOf = (e: ChecksumInput, prev: string): string =>
  // The one-shot crypto.hash (Node 20.12+) skips the Hash object and its stream machinery: it runs once per event.
  hash(
    'sha256',
    `{"data":${e.dataJson},"id":${JSON.stringify(e.id)},"meta":${e.metaJson},"prev":"${prev}",` +
      `"revision":${e.revision},"schema":${e.schema},"stream":${JSON.stringify(e.stream)},` +
      `"type":${JSON.stringify(e.type)}}`,
    'hex',
  );
