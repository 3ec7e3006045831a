import { createHash } from 'node:crypto';

/** Positions are zero-padded so a hub's listing order is position order. */
const pad = (n: number) => String(n).padStart(16, '0');

/**
 * `<origin>/<epoch>/<first>-<last>.ndjson.gz`: the origin URI-encoded (a valid key whatever its name), then the
 * batch's first position's leading ten digits (an epoch of a million positions), so a reader that holds an origin up
 * to some position lists only that epoch's folder and the ones after it, never the origin's whole history.
 * Batches of the first format (`<origin>/<first>-<last>.ndjson.gz`, no epoch) are still read.
 */
export const batchKey = (origin: string, first: number, last: number): string =>
  `${epochPrefix(origin, first)}${pad(first)}-${pad(last)}.ndjson.gz`;

export const epochOf = (position: number): string => pad(position).slice(0, epochDigits);
const epochDigits = 10;
export const epochPrefix = (origin: string, position: number): string => `${originPrefix(origin)}${epochOf(position)}/`;

export const originPrefix = (origin: string): string =>
  `${encodeURIComponent(origin).replace(/^\./, '%2E').replace(/\.$/, '%2E')}/`;

export interface BatchName {
  readonly key: string;
  readonly origin: string;
  readonly first: number;
  readonly last: number;
}

const shape = /^([^/]+)\/(?:(\d{10})\/)?(\d{16})-(\d{16})\.ndjson\.gz$/;

/** The origin and positions a key names, or null when the key is not a batch of ours. */
export const parseBatchKey = (key: string): BatchName | null => {
  const m = shape.exec(key);
  if (m === null) return null;
  if (m[2] !== undefined && m[2] !== m[3]?.slice(0, epochDigits)) return null;
  let origin: string;
  try {
    origin = decodeURIComponent(m[1] ?? '');
  } catch {
    return null;
  }
  const first = Number(m[3]);
  const last = Number(m[4]);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first > last || first < 1) return null;
  // The encoding is canonical: a key another spelling of the origin would name is not this origin's.
  if (`${originPrefix(origin)}` !== `${m[1] ?? ''}/`) return null;
  return { key, origin, first, last };
};

/** The stream a data dir records its sync with one hub in: `sync-<16 hex of SHA-256(url)>`. */
export const hubStream = (url: string): string => `sync-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
export const originStream = 'sync-origin';

/** A folder name right under a hub's root that is some origin's prefix, or null. */
export const originOfFolder = (folder: string): string | null => {
  const m = /^([^/]+)\/$/.exec(folder);
  if (m === null) return null;
  try {
    const origin = decodeURIComponent(m[1] ?? '');
    return originPrefix(origin) === folder && origin.length > 0 ? origin : null;
  } catch {
    return null;
  }
};
