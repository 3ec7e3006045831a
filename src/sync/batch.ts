import { createHash, type KeyObject } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RecordedEvent } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { decrypt, encrypt, signBatch, verifyBatch, type SignedFields } from './crypto.js';
import type { HubMetadata, HubObject } from './hub/index.js';
import { parseBoundedJson, type SyncLimits } from './limits.js';
import { batchKey, type BatchName } from './naming.js';

/** The first format: its signature covered only key, hash and count. Read in single-team mode only. */
export const batchFormatV1 = 'stance-state-events-v1';
/** Batches chained per origin: each names the hash of the one before, and the signature covers the chain. */
export const batchFormat = 'stance-state-events-v2';
/** `previous_sha256` of an origin's first batch. */
export const genesisBatch = 'genesis';

export interface BatchSecurity {
  /** AES-256-GCM key: bodies are sealed on push and, when set, every pulled batch must be sealed with it. */
  readonly encryptionKey: Buffer | null;
  /** This origin's Ed25519 key: batches it pushes are signed. */
  readonly signingKey: KeyObject | null;
  /** Legacy trusted-keys file: these origins, each with every right, and batches must be signed by their keys. */
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
export const eventLine = (e: RecordedEvent): string =>
  JSON.stringify({ id: e.id, stream: e.stream, revision: e.revision, type: e.type, schema: e.schema, data: e.data, meta: e.meta, checksum: e.checksum });

/** Where a batch sits in its origin's chain: the last position of the batch before and that batch's SHA-256. */
export interface ChainLink {
  readonly position: number;
  readonly sha256: string | null;
}

/**
 * A batch of one origin's events between two of its positions: gzip NDJSON (sealed when a key is set), named by
 * origin and positions, with its SHA-256, count, instants, and the position and SHA-256 of the batch before it, so
 * the batches of an origin form a chain a reader can check for gaps. The signature covers all of that.
 */
export const encodeBatch = (
  origin: string,
  events: readonly RecordedEvent[],
  previous: ChainLink,
  security: Pick<BatchSecurity, 'encryptionKey' | 'signingKey'>,
  lines: readonly string[] = events.map(eventLine),
): EncodedBatch => {
  const first = events[0];
  const last = events[events.length - 1];
  if (first === undefined || last === undefined) throw new Error('a batch holds at least one event');
  const zipped = gzipSync(Buffer.from(`${lines.join('\n')}\n`), { level: 6 });
  const encryption = security.encryptionKey === null ? 'none' : 'aes-256-gcm';
  const body = security.encryptionKey === null ? zipped : encrypt(security.encryptionKey, zipped);
  const key = batchKey(origin, first.position, last.position);
  const digest = sha256(body);
  const fields: SignedFields = {
    origin,
    first: first.position,
    last: last.position,
    previous: previous.position,
    previousSha256: previous.sha256 ?? genesisBatch,
    sha256: digest,
    count: events.length,
    encryption,
  };
  const metadata: HubMetadata = {
    format: batchFormat,
    origin,
    sha256: digest,
    count: String(events.length),
    schema: '1',
    first_position: String(first.position),
    last_position: String(last.position),
    previous: String(previous.position),
    previous_sha256: fields.previousSha256,
    first_recorded_at: first.meta.recordedAt,
    last_recorded_at: last.meta.recordedAt,
    encryption,
  };
  if (security.signingKey !== null) metadata.signature = signBatch(security.signingKey, fields);
  return { key, body, metadata, sha256: digest, count: events.length };
};

export interface DecodedBatch {
  readonly name: BatchName;
  readonly events: readonly unknown[];
  readonly sha256: string;
  readonly previous: number;
  /** null for a batch of the first format, which names no hash. */
  readonly previousSha256: string | null;
}

/** What a reader requires of a batch. */
export interface BatchRules {
  readonly limits: SyncLimits;
  readonly encryptionKey: Buffer | null;
  /** The key the origin's batches must be signed with; null: no signature is required (single-team mode). */
  readonly signer: KeyObject | null;
  /** Whether batches of the first, unchained format are read (single-team mode only). */
  readonly allowFirstFormat: boolean;
}

const reject = (name: BatchName, field: string, value: unknown, expected: string) =>
  new InvalidInput(`batch ${name.key} ${field}`, value, expected);

const count = (name: BatchName, metadata: HubMetadata, field: string): number => {
  const text = metadata[field];
  if (text === undefined || !/^\d{1,16}$/.test(text)) throw reject(name, `metadata.${field}`, text, 'a whole number');
  return Number(text);
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Opens a batch from the hub and checks everything a batch can say about itself before any event is looked at:
 * format, SHA-256 of the stored body, signature over its place in the chain, positions against its name,
 * encryption, decompressed size, UTF-8, line count and lengths, JSON depth, and that every event is of the origin
 * whose prefix holds it. A failure names the batch and what is wrong; nothing of it is applied.
 */
export const decodeBatch = (name: BatchName, object: HubObject, rules: BatchRules): DecodedBatch => {
  const m = object.metadata;
  const chained = m.format === batchFormat;
  if (!chained && !(rules.allowFirstFormat && m.format === batchFormatV1))
    throw reject(name, 'metadata.format', m.format, rules.allowFirstFormat ? `${batchFormat} or ${batchFormatV1}` : `${batchFormat} (batches of the first format are read only without a trust configuration)`);
  if (object.body.length > rules.limits.maxObjectBytes)
    throw reject(name, 'body', `${object.body.length} bytes`, `at most ${rules.limits.maxObjectBytes} bytes (max_object_bytes)`);
  const digest = sha256(object.body);
  if (m.sha256 !== digest) throw reject(name, 'metadata.sha256', m.sha256, `the SHA-256 of its body (${digest}): the body was altered or truncated`);
  const n = count(name, m, 'count');
  if (n < 1 || n > rules.limits.maxEvents) throw reject(name, 'metadata.count', n, `1-${rules.limits.maxEvents} events (max_events)`);
  if (m.origin !== name.origin) throw reject(name, 'metadata.origin', m.origin, `${name.origin}, the origin of its prefix`);
  if (count(name, m, 'first_position') !== name.first || count(name, m, 'last_position') !== name.last)
    throw reject(name, 'metadata.first_position', m.first_position, `the positions its name carries (${name.first}-${name.last})`);
  const previous = count(name, m, 'previous');
  if (previous >= name.first) throw reject(name, 'metadata.previous', previous, `a position before its first (${name.first})`);
  const previousSha256 = chained ? (m.previous_sha256 ?? '') : null;
  if (previousSha256 !== null && previousSha256 !== genesisBatch && !/^[0-9a-f]{64}$/.test(previousSha256))
    throw reject(name, 'metadata.previous_sha256', previousSha256, `a SHA-256 or ${genesisBatch}`);
  const encryption = m.encryption ?? '';
  if (rules.signer !== null) {
    const fields: SignedFields = { origin: name.origin, first: name.first, last: name.last, previous, previousSha256: previousSha256 ?? '', sha256: digest, count: n, encryption };
    if (!chained || m.signature === undefined || !verifyBatch(rules.signer, fields, m.signature))
      throw reject(name, 'metadata.signature', m.signature ?? null, `a valid Ed25519 signature by ${name.origin} over its origin, positions, previous batch and body`);
  }
  let zipped = object.body;
  if (rules.encryptionKey !== null && encryption !== 'aes-256-gcm')
    throw reject(name, 'metadata.encryption', encryption, 'aes-256-gcm: STANCE_STATE_SYNC_KEY is set, so every batch must be sealed with it');
  if (encryption === 'aes-256-gcm') {
    if (rules.encryptionKey === null) throw reject(name, 'metadata.encryption', encryption, 'none, or STANCE_STATE_SYNC_KEY set to open it');
    try {
      zipped = decrypt(rules.encryptionKey, object.body);
    } catch {
      throw reject(name, 'body', '(encrypted)', 'a body sealed with this STANCE_STATE_SYNC_KEY');
    }
  } else if (encryption !== 'none') throw reject(name, 'metadata.encryption', encryption, 'none or aes-256-gcm');
  let raw: Buffer;
  try {
    // maxOutputLength stops inflating at the cap: a small bomb never gets the memory it asks for.
    raw = gunzipSync(zipped, { maxOutputLength: rules.limits.maxBodyBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw reject(name, 'body', 'over the cap', `at most ${rules.limits.maxBodyBytes} bytes once decompressed (max_body_bytes)`);
    throw reject(name, 'body', '(binary)', 'gzip NDJSON');
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw reject(name, 'body', '(not UTF-8)', 'UTF-8 text');
  }
  if (!text.endsWith('\n')) throw reject(name, 'body', '(no final newline)', 'NDJSON: one event a line, each ending in a newline');
  const events: unknown[] = [];
  let start = 0;
  for (let i = 0; start < text.length; i += 1) {
    const end = text.indexOf('\n', start);
    if (i >= n) throw reject(name, 'metadata.count', n, 'the number of events in its body (it holds more)');
    const l = text.slice(start, end);
    start = end + 1;
    if (l.length === 0) throw reject(name, `line ${i + 1}`, '', 'a JSON event (no empty lines)');
    if (Buffer.byteLength(l) > rules.limits.maxLineBytes)
      throw reject(name, `line ${i + 1}`, `${Buffer.byteLength(l)} bytes`, `at most ${rules.limits.maxLineBytes} bytes (max_line_bytes)`);
    const event = parseBoundedJson(l, rules.limits.maxDepth, `batch ${name.key} line ${i + 1}`);
    const origin = (event as { meta?: { origin?: unknown } } | null)?.meta?.origin;
    if (origin !== name.origin) throw reject(name, `line ${i + 1}.meta.origin`, origin, `${name.origin}: a batch holds only the events of the origin whose prefix it is under`);
    events.push(event);
  }
  if (events.length !== n) throw reject(name, 'metadata.count', n, `the number of events in its body (${events.length})`);
  return { name, events, sha256: digest, previous, previousSha256 };
};
