import { instantOf, type RecordedEvent } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import { appendRecords } from '../engine/replication.js';
import type { StateEngine } from '../engine/index.js';
import { decodeBatch, encodeBatch, eventLine, type ChainLink, type EncodedBatch } from './batch.js';
import type { HubStorage } from './hub/index.js';
import { batchesAfter } from './listing.js';
import { pushBudgetBytes } from './limits.js';
import { hubStream, parseBatchKey } from './naming.js';
import type { SyncResult } from './result.js';
import { hubState, isReplicated } from './state.js';
import type { TrustPolicy } from './trust.js';

export interface PushOptions {
  readonly batchSize: number;
  readonly trust: TrustPolicy;
  readonly clock: () => number;
  /** Called after each batch, for progress. */
  readonly onBatch?: (events: number) => void;
}

interface Pending {
  readonly events: RecordedEvent[];
  readonly lines: string[];
}

/**
 * The store's own events after a position that sync replicates, in position order: at most `size` events and
 * `pushBudgetBytes` of lines a batch, so an honest batch stays far inside every reader's caps.
 */
async function* ownBatches(engine: StateEngine, after: number, size: number, maxLine: number): AsyncGenerator<Pending> {
  let batch: Pending = { events: [], lines: [] };
  let bytes = 0;
  for await (const e of engine.backend.log.readAll({ fromPosition: after, asStored: true })) {
    if (e.meta.origin !== engine.origin || !isReplicated(e.stream, e.type)) continue;
    const line = eventLine(e);
    const length = Buffer.byteLength(line) + 1;
    if (length > maxLine)
      throw new InvalidInput(`event ${e.id} (${e.stream})`, `${length} bytes`, `at most ${maxLine} bytes to replicate (max_line_bytes)`);
    if (batch.events.length > 0 && (batch.events.length >= size || bytes + length > pushBudgetBytes)) {
      yield batch;
      batch = { events: [], lines: [] };
      bytes = 0;
    }
    batch.events.push(e);
    batch.lines.push(line);
    bytes += length;
  }
  if (batch.events.length > 0) yield batch;
}

const sameEvents = (a: readonly unknown[], b: readonly RecordedEvent[]): boolean =>
  a.length === b.length &&
  a.every((x, i) => {
    const e = x as { id?: unknown; checksum?: unknown };
    return e.id === b[i]?.id && e.checksum === b[i]?.checksum;
  });

/**
 * Pushes own events the hub does not have yet as immutable batches, each linked to the one before (its position
 * and SHA-256). A create that meets an existing object is compared by content: the same events (a retried or
 * interrupted earlier push) count as already there; other events under our name mean our history diverged from
 * what the hub holds (a data dir restored from an old backup), which stops the push and is reported: nothing on
 * the hub is overwritten.
 */
export const push = async (engine: StateEngine, hub: HubStorage, options: PushOptions, result: SyncResult): Promise<void> => {
  const origin = engine.origin;
  const state = await hubState(engine.backend.log, hub.url);
  let previous: ChainLink = { position: state.pushed, sha256: state.pushedSha256 };
  // A batch an interrupted push created but did not record: adopt it when it holds exactly our events.
  const onHub = new Map<number, number>();
  for (const name of await batchesAfter(hub, origin, previous.position, previous.position > 0))
    onHub.set(name.first, Math.max(onHub.get(name.first) ?? 0, name.last));
  const security = { encryptionKey: options.trust.encryptionKey, signingKey: options.trust.signingKey };
  for await (const pending of ownBatches(engine, previous.position, options.batchSize, options.trust.limits.maxLineBytes)) {
    const first = pending.events[0] as RecordedEvent;
    const adopt = onHub.get(first.position);
    const keep = adopt === undefined ? pending.events.length : pending.events.filter((e) => e.position <= adopt).length;
    const chosen = pending.events.slice(0, keep);
    const batch = encodeBatch(origin, chosen, previous, security, pending.lines.slice(0, keep));
    const created = await hub.create(batch.key, batch.body, batch.metadata);
    let sha256 = batch.sha256;
    if (created === 'exists') {
      const held = await heldSha(hub, batch, chosen, previous, options.trust);
      if (held === null) {
        result.success = false;
        result.errors.push(
          `push ${batch.key}: the hub holds other events under this name: this data dir's history diverged from what it pushed before (restored from a backup?). Nothing was overwritten; pull first, or give this data dir a new origin.`,
        );
        return;
      }
      sha256 = held;
      result.records_skipped += chosen.length;
    } else result.records_synced += chosen.length;
    const last = chosen[chosen.length - 1] as RecordedEvent;
    await appendRecords(engine, [
      {
        stream: hubStream(hub.url),
        events: [
          {
            type: 'SyncPushed',
            data: { hub: hub.url, batch: batch.key, firstPosition: first.position, lastPosition: last.position, count: chosen.length, sha256, at: instantOf(options.clock()) },
          },
        ],
      },
    ]);
    result.batches_pushed += 1;
    previous = { position: last.position, sha256 };
    options.onBatch?.(chosen.length);
    // The rest of an adopted range's batch goes in the next round of the loop (it starts after `previous`).
    if (chosen.length < pending.events.length) return push(engine, hub, options, result);
  }
};

/** The SHA-256 of the object already under the batch's key when it holds these events at this link, else null. */
const heldSha = async (
  hub: HubStorage,
  batch: EncodedBatch,
  events: readonly RecordedEvent[],
  previous: ChainLink,
  trust: TrustPolicy,
): Promise<string | null> => {
  const name = parseBatchKey(batch.key);
  const object = await hub.read(batch.key, { maxBytes: trust.limits.maxObjectBytes });
  if (name === null || object === null) return null;
  if (object.metadata.sha256 === batch.sha256) return batch.sha256;
  try {
    const decoded = decodeBatch(name, object, { limits: trust.limits, encryptionKey: trust.encryptionKey, signer: null, allowFirstFormat: true });
    const linked = decoded.previous === previous.position && (decoded.previousSha256 === null || decoded.previousSha256 === (previous.sha256 ?? 'genesis'));
    return linked && sameEvents(decoded.events, events) ? decoded.sha256 : null;
  } catch (error) {
    if (error instanceof InvalidInput) return null;
    throw error;
  }
};
