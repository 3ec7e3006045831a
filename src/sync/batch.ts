import { createHash, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RecordedEvent } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { decrypt, encrypt, signBatch, verifyBatch } from './crypto.js';
import type { HubMetadata, HubObject } from './hub/index.js';
import { batchKey, type BatchName } from './naming.js';

export const batchFormat = 'stance-state-events-v1';

export interface BatchSecurity {
  /** AES-256-GCM key: bodies are sealed on push and opened on pull. */
  readonly encryptionKey: Buffer | null;
  /** This origin's Ed25519 key: batches it pushes are signed. */
  readonly signingKey: KeyObject | null;
  /** When set, every pulled batch must carry a valid signature by its origin's key in this list. */
  readonly trusted: Map<string, KeyObject> | null;
}

export interface EncodedBatch {
  readonly key: string;
  readonly body: Buffer;
  readonly metadata: HubMetadata;
  readonly sha256: string;
  readonly count: number;
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** One event a line, as recorded: everything but the local position. */
const line = (e: RecordedEvent): string =>
  JSON.stringify({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, schema: e.schema, data: e.data, meta: e.meta, checksum: e.checksum });

/**
 * A batch of one origin's events between two of its positions: gzip NDJSON (sealed when a key is set), named by
 * origin and positions, with its SHA-256, count, schema, instants and the last position of the batch before it,
 * so a puller can tell a missing batch from a gap in positions.
 */
export const encodeBatch = (
  origin: string,
  events: readonly RecordedEvent[],
  previous: number,
  security: BatchSecurity,
): EncodedBatch => {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new Error('a batch holds at least one event');
  const zipped = gzipSync(Buffer.from(`${events.map(line).join('\n')}\n`), { level: 6 });
  const body = security.encryptionKey === null ? zipped : encrypt(security.encryptionKey, zipped);
  const key = batchKey(origin, first.position, last.position);
  const digest = sha256(body);
  const metadata: HubMetadata = {
    format: batchFormat,
    origin,
    sha256: digest,
    count: String(events.length),
    schema: '1',
    first_position: String(first.position),
    last_position: String(last.position),
    previous: String(previous),
    first_recorded_at: first.meta.recordedAt,
    last_recorded_at: last.meta.recordedAt,
    encryption: security.encryptionKey === null ? 'none' : 'aes-256-gcm',
  };
  if (security.signingKey !== null) metadata.signature = signBatch(security.signingKey, key, digest, events.length);
  return { key, body, metadata, sha256: digest, count: events.length };
};

export interface DecodedBatch {
  readonly name: BatchName;
  readonly events: readonly unknown[];
  readonly sha256: string;
  readonly previous: number;
}

const reject = (name: BatchName, field: string, value: unknown, expected: string) =>
  new InvalidInput(`batch ${name.key} ${field}`, value, expected);

const count = (name: BatchName, metadata: HubMetadata, field: string): number => {
  const text = metadata[field];
  if (text === undefined || !/^\d{1,16}$/.test(text)) throw reject(name, `metadata.${field}`, text, 'a whole number');
  return Number(text);
};

/**
 * Opens a batch from the hub and checks everything a batch can say about itself before any event is looked at:
 * format, SHA-256 of the stored body, signature (when keys are trusted), positions against its name, decryption,
 * gzip, JSON, count, and that every event belongs to the origin whose prefix holds it. A failure names the batch
 * and what is wrong; nothing of it is applied.
 */
export const decodeBatch = (name: BatchName, object: HubObject, security: BatchSecurity): DecodedBatch => {
  const m = object.metadata;
  if (m.format !== batchFormat) throw reject(name, 'metadata.format', m.format, batchFormat);
  const digest = sha256(object.body);
  if (m.sha256 !== digest) throw reject(name, 'metadata.sha256', m.sha256, `the SHA-256 of its body (${digest}): the body was altered or truncated`);
  const n = count(name, m, 'count');
  if (m.origin !== name.origin) throw reject(name, 'metadata.origin', m.origin, `${name.origin}, the origin of its prefix`);
  if (count(name, m, 'first_position') !== name.first || count(name, m, 'last_position') !== name.last)
    throw reject(name, 'metadata.first_position', m.first_position, `the positions its name carries (${name.first}-${name.last})`);
  const previous = count(name, m, 'previous');
  if (security.trusted !== null) {
    const key = security.trusted.get(name.origin);
    if (key === undefined) throw reject(name, 'signer', name.origin, 'an origin in the trusted keys');
    if (m.signature === undefined || !verifyBatch(key, name.key, digest, n, m.signature))
      throw reject(name, 'metadata.signature', m.signature ?? null, `a valid Ed25519 signature by ${name.origin}`);
  }
  let zipped = object.body;
  if (m.encryption === 'aes-256-gcm') {
    if (security.encryptionKey === null) throw reject(name, 'metadata.encryption', m.encryption, 'none, or STANCE_STATE_SYNC_KEY set to open it');
    try {
      zipped = decrypt(security.encryptionKey, object.body);
    } catch {
      throw reject(name, 'body', '(encrypted)', 'a body sealed with this STANCE_STATE_SYNC_KEY');
    }
  } else if (m.encryption !== 'none') throw reject(name, 'metadata.encryption', m.encryption, 'none or aes-256-gcm');
  let text: string;
  try {
    text = gunzipSync(zipped).toString('utf8');
  } catch {
    throw reject(name, 'body', '(binary)', 'gzip NDJSON');
  }
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length !== n) throw reject(name, 'metadata.count', n, `the number of events in its body (${lines.length})`);
  const events = lines.map((l, i) => {
    let event: unknown;
    try {
      event = JSON.parse(l);
    } catch {
      throw reject(name, `line ${i + 1}`, l.slice(0, 60), 'a JSON event');
    }
    const origin = (event as { meta?: { origin?: unknown } } | null)?.meta?.origin;
    if (origin !== name.origin) throw reject(name, `line ${i + 1}.meta.origin`, origin, `${name.origin}: a batch holds only the events of the origin whose prefix it is under`);
    return event;
  });
  return { name, events, sha256: digest, previous };
};
