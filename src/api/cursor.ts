import * as t from 'io-ts';
import { Id, Instant } from '../events/index.js';

export interface ScanKey {
  readonly startedAt: string;
  readonly scanId: string;
}

/** The last scan of a page as an opaque token: clients pass it back, never build it. */
export const scanCursorOf = (key: ScanKey): string =>
  Buffer.from(JSON.stringify([key.startedAt, key.scanId]), 'utf8').toString('base64url');

/** A scans page cursor: base64url of `[started_at, scan_id]`, as `next_cursor` gave it. */
export const ScanCursor = new t.Type<ScanKey, string, unknown>(
  'a cursor from next_cursor',
  (u): u is ScanKey => typeof u === 'object' && u !== null && 'startedAt' in u && 'scanId' in u,
  (u, c) => {
    if (typeof u !== 'string' || !/^[A-Za-z0-9_-]{1,2000}$/.test(u)) return t.failure(u, c);
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(u, 'base64url').toString('utf8'));
    } catch {
      return t.failure(u, c);
    }
    if (!Array.isArray(decoded) || decoded.length !== 2) return t.failure(u, c);
    const [startedAt, scanId] = decoded as unknown[];
    return Instant.is(startedAt) && Id.is(scanId) ? t.success({ startedAt, scanId }) : t.failure(u, c);
  },
  scanCursorOf,
);
