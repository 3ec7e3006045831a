import { readFileSync } from 'node:fs';
import { parseBodyKey, type BodySettings } from './engine/index.js';
import { InvalidInput } from './errors.js';

/**
 * How this process writes and reads session bodies, from its environment: `STANCE_STATE_BODY_KEY` (64 hex digits
 * or base64 of 32 bytes) or `STANCE_STATE_BODY_KEY_FILE` (a file holding one) seals bodies with AES-256-GCM;
 * `STANCE_STATE_BODY_GZIP_LEVEL` (0-9, default 6) sets the compression. The key is never logged or recorded; the
 * events name it by a fingerprint.
 */
export const bodySettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): Partial<BodySettings> => {
  const out: { gzipLevel?: number; key?: Buffer } = {};
  const level = env.STANCE_STATE_BODY_GZIP_LEVEL;
  if (level !== undefined && level !== '') {
    if (!/^[0-9]$/.test(level)) throw new InvalidInput('STANCE_STATE_BODY_GZIP_LEVEL', level, 'a gzip level from 0 to 9');
    out.gzipLevel = Number(level);
  }
  const key = env.STANCE_STATE_BODY_KEY;
  const file = env.STANCE_STATE_BODY_KEY_FILE;
  if (key !== undefined && key !== '' && file !== undefined && file !== '')
    throw new InvalidInput('STANCE_STATE_BODY_KEY_FILE', file, 'unset while STANCE_STATE_BODY_KEY is set (one key source)');
  if (key !== undefined && key !== '') out.key = parseBodyKey(key, 'STANCE_STATE_BODY_KEY');
  else if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new InvalidInput('STANCE_STATE_BODY_KEY_FILE', file, `a readable key file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    out.key = parseBodyKey(text, `STANCE_STATE_BODY_KEY_FILE (${file})`);
  }
  return out;
};
