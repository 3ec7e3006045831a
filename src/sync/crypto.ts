import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidInput } from '../errors.js';

/** AES-256-GCM: 12-byte IV, then the ciphertext, then the 16-byte tag. */
export const encrypt = (key: Buffer, plain: Buffer): Buffer => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
};

/** Throws when the tag does not match: the body was altered or the key is another. */
export const decrypt = (key: Buffer, sealed: Buffer): Buffer => {
  if (sealed.length < 28) throw new Error('encrypted body too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
};

/** The sync encryption key from the environment: 32 bytes, base64 or hex. Never printed. */
export const encryptionKeyFrom = (env: NodeJS.ProcessEnv): Buffer | null => {
  const text = env.STANCE_STATE_SYNC_KEY;
  if (text === undefined || text === '') return null;
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new InvalidInput('STANCE_STATE_SYNC_KEY', '(not shown)', '32 bytes as 64 hex digits or base64');
  return key;
};

/** What a batch signature covers: the origin, its place in the origin's chain of batches, and the stored body. */
export interface SignedFields {
  readonly origin: string;
  readonly first: number;
  readonly last: number;
  readonly previous: number;
  readonly previousSha256: string;
  readonly sha256: string;
  readonly count: number;
  readonly encryption: string;
}

/** One field a line; origins hold no control characters, so no field can run into the next. */
export const signedText = (f: SignedFields): Buffer =>
  Buffer.from(
    `stance-state batch v2\n${f.origin}\n${f.first}\n${f.last}\n${f.previous}\n${f.previousSha256}\n${f.sha256}\n${f.count}\n${f.encryption}\n`,
  );

export const signBatch = (privateKey: KeyObject, fields: SignedFields): string =>
  sign(null, signedText(fields), privateKey).toString('base64');

export const verifyBatch = (publicKey: KeyObject, fields: SignedFields, signature: string): boolean => {
  try {
    return verify(null, signedText(fields), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
};

/** A new Ed25519 key pair as PEM: the private key stays with its origin, the public one goes to every replica. */
export const generateSigningKeys = (): { privateKeyPem: string; publicKeyPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

const readText = (path: string, field: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidInput(field, path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
};

export const loadPrivateKey = (path: string, field: string): KeyObject => {
  try {
    const key = createPrivateKey(readText(path, field));
    if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
    return key;
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    throw new InvalidInput(field, path, 'an Ed25519 private key in PEM (stance-state sync keygen)');
  }
};

/**
 * Trusted origin keys: a JSON object `{ "<origin>": "<public key PEM>" }`. With a list, every pulled batch must be
 * signed by its origin's key.
 */
export const loadTrustedKeys = (path: string, field: string): Map<string, KeyObject> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(path, field));
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    throw new InvalidInput(field, path, 'a JSON object of origin names to public key PEMs');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidInput(field, path, 'a JSON object of origin names to public key PEMs');
  const keys = new Map<string, KeyObject>();
  for (const [origin, pem] of Object.entries(parsed)) {
    try {
      const key = createPublicKey(String(pem));
      if (key.asymmetricKeyType !== 'ed25519') throw new Error('not ed25519');
      keys.set(origin, key);
    } catch {
      throw new InvalidInput(`${field}.${origin}`, String(pem).slice(0, 40), 'an Ed25519 public key in PEM');
    }
  }
  return keys;
};
