import { createHash } from 'node:crypto';
import { bodiesOf, isSessionEvent } from '../domain/index.js';
import { asDomainEvent } from '../events/index.js';
import type { EventLog } from '../ports/backend.js';
import type { BlobStore } from '../ports/blobs.js';

/** A body the log names that the store does not hold, though no purge event accounts for it. */
export interface MissingBody {
  readonly sha256: string;
  /** The last event that names it. */
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
}

export interface BodiesReport {
  readonly ok: boolean;
  /** Distinct bodies the log's session events name. */
  readonly referenced: number;
  readonly present: number;
  /** Gone, and a BodyPurged event after its last reference says why. */
  readonly purged: number;
  /** Gone without such an event: tampering (or a store restored from an older copy than the log). */
  readonly missing: readonly MissingBody[];
  /** Held, but the bytes no longer hash to their address. */
  readonly altered: readonly string[];
}

/**
 * Checks the bodies the log names against the blob store: each is present and hashes to its address, or a purge
 * event later than its last reference accounts for its absence. Reads the session and body streams in pages, and
 * each present body once.
 */
export const verifyBodies = async (log: EventLog, blobs: BlobStore, onProgress?: (done: number, total: number) => void): Promise<BodiesReport> => {
  const last = new Map<string, MissingBody>();
  for await (const event of log.readAll({ filter: { streamPrefix: 'session-' } })) {
    const e = asDomainEvent(event);
    if (!isSessionEvent(e)) continue;
    for (const body of bodiesOf(e)) last.set(body.sha256, { sha256: body.sha256, stream: event.stream, revision: event.revision, position: event.position });
  }
  const purgedAt = new Map<string, number>();
  for await (const event of log.readAll({ filter: { streamPrefix: 'body-', types: ['BodyPurged'] } }))
    purgedAt.set((event.data as { sha256: string }).sha256, event.position);
  const shas = [...last.keys()];
  let present = 0;
  let purged = 0;
  const missing: MissingBody[] = [];
  const altered: string[] = [];
  for (let i = 0; i < shas.length; i += 500) {
    const part = shas.slice(i, i + 500);
    const held = await blobs.has(part);
    for (const sha of part) {
      const ref = last.get(sha) as MissingBody;
      if (held.has(sha)) {
        present += 1;
        const bytes = await blobs.get(sha);
        if (bytes === null || createHash('sha256').update(bytes).digest('hex') !== sha) altered.push(sha);
      } else if ((purgedAt.get(sha) ?? 0) > ref.position) purged += 1;
      else missing.push(ref);
    }
    onProgress?.(Math.min(i + 500, shas.length), shas.length);
  }
  return { ok: missing.length === 0 && altered.length === 0, referenced: shas.length, present, purged, missing, altered };
};
