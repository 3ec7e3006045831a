import { createHash } from 'node:crypto';

/** Positions are zero-padded so a hub's listing order is position order. */
const pad = (n: number) => String(n).padStart(16, '0');

/** `<origin>/<first>-<last>.ndjson.gz`: the origin URI-encoded (a valid key whatever its name). */
export const batchKey = (origin: string, first: number, last: number): string =>
  `${originPrefix(origin)}${pad(first)}-${pad(last)}.ndjson.gz`;

export const originPrefix = (origin: string): string => `${encodeURIComponent(origin).replace(/^\./, '%2E')}/`;

export interface BatchName {
  readonly key: string;
  readonly origin: string;
  readonly first: number;
  readonly last: number;
}

const shape = /^([^/]+)\/(\d{16})-(\d{16})\.ndjson\.gz$/;

/** The origin and positions a key names, or null when the key is not a batch of ours. */
export const parseBatchKey = (key: string): BatchName | null => {
  const m = shape.exec(key);
  if (m === null) return null;
  let origin: string;
  try {
    origin = decodeURIComponent(m[1] ?? '');
  } catch {
    return null;
  }
  const first = Number(m[2]);
  const last = Number(m[3]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last || first < 1) return null;
  return { key, origin, first, last };
};

/** The stream a data dir records its sync with one hub in: `sync-<16 hex of SHA-256(url)>`. */
export const hubStream = (url: string): string => `sync-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
export const originStream = 'sync-origin';
