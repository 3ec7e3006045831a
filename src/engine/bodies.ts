import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DomainError, InvalidInput } from '../errors.js';
import { canonicalJson, type BodyRef, type JsonRecord } from '../events/index.js';

/** How bodies are written: gzip at a level, sealed with AES-256-GCM when a key is set. Reading needs the same key. */
export interface BodySettings {
  /** 0 (stored, no compression) to 9; 6 is gzip's default. */
  readonly gzipLevel: number;
  /** 32 bytes, or null: bodies are stored compressed only. */
  readonly key: Buffer | null;
  /** The largest document accepted, as canonical JSON. */
  readonly maxBytes: number;
}

export const defaultBodySettings: BodySettings = { gzipLevel: 6, key: null, maxBytes: 64 * 1024 * 1024 };

/** What the events record of a key: enough to say which key a body needs, nothing that helps find it. */
export const keyFingerprint = (key: Buffer): string => createHash('sha256').update('stance-state body key v1\0').update(key).digest('hex').slice(0, 16);

const aad = Buffer.from('stance-state body v1');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A document as stored: canonical JSON (so equal documents are equal bytes and share one body), gzip, then with a
 * key AES-256-GCM (a random 96-bit nonce, then the ciphertext, then the 128-bit tag). Addressed by the SHA-256 of
 * what is stored, so nothing about the plaintext (not even its hash) is written anywhere when it is encrypted.
 */
export const encodeBody = (document: JsonRecord, settings: BodySettings): { readonly ref: BodyRef; readonly bytes: Buffer } => {
  const raw = Buffer.from(canonicalJson(document), 'utf8');
  if (raw.length > settings.maxBytes) throw new InvalidInput('document', `${raw.length} bytes`, `at most ${settings.maxBytes} bytes of JSON`);
  const zipped = gzipSync(raw, { level: settings.gzipLevel });
  if (settings.key === null) return { ref: { sha256: sha256(zipped), size: raw.length, stored: zipped.length, codec: 'gzip', key: null }, bytes: zipped };
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', settings.key, nonce);
  cipher.setAAD(aad);
  const bytes = Buffer.concat([nonce, cipher.update(zipped), cipher.final(), cipher.getAuthTag()]);
  return { ref: { sha256: sha256(bytes), size: raw.length, stored: bytes.length, codec: 'gzip+aes-256-gcm', key: keyFingerprint(settings.key) }, bytes };
};

/**
 * The document back from its stored bytes, checked at every step: the address (SHA-256), the GCM tag (with the key
 * the event names), the size. A body that fails a check is reported, never returned.
 */
export const decodeBody = (ref: BodyRef, bytes: Buffer, settings: BodySettings): JsonRecord => {
  if (sha256(bytes) !== ref.sha256) throw new DomainError('unknown_body', `body ${ref.sha256} does not match its address: it was altered in the store`);
  let zipped = bytes;
  if (ref.codec === 'gzip+aes-256-gcm') {
    if (settings.key === null) throw new InvalidInput('STANCE_STATE_BODY_KEY', null, `the key ${ref.key ?? '?'} this body was encrypted with (set it, or STANCE_STATE_BODY_KEY_FILE)`);
    if (keyFingerprint(settings.key) !== ref.key)
      throw new InvalidInput('STANCE_STATE_BODY_KEY', `key ${keyFingerprint(settings.key)}`, `the key ${ref.key ?? '?'} this body was encrypted with`);
    const decipher = createDecipheriv('aes-256-gcm', settings.key, bytes.subarray(0, 12));
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    zipped = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  }
  const raw = gunzipSync(zipped, { maxOutputLength: Math.max(1, ref.size) });
  if (raw.length !== ref.size) throw new DomainError('unknown_body', `body ${ref.sha256} holds ${raw.length} bytes, its event says ${ref.size}`);
  return JSON.parse(raw.toString('utf8')) as JsonRecord;
};

/** A key from its text: 64 hex digits or the base64 of 32 bytes. `where` names the variable or file it came from. */
export const parseBodyKey = (text: string, where: string): Buffer => {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : null;
  if (key === null || key.length !== 32) throw new InvalidInput(where, '(not shown)', 'a 256-bit key: 64 hex digits or 44 characters of base64');
  return key;
};
