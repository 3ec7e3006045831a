import { instantOf, type ConflictPolicy, type DomainEvent } from '../events/index.js';
import { InvalidInput, NewerSchema } from '../errors.js';
import { importReplicated } from '../engine/replication.js';
import type { StateEngine } from '../engine/index.js';
import { accept } from './accept.js';
import { decodeBatch, genesisBatch, type BatchRules, type DecodedBatch } from './batch.js';
import { isObjectFault, type HubObject, type HubStorage } from './hub/index.js';
import { batchesAfter, originsOn } from './listing.js';
import { hubStream, type BatchName } from './naming.js';
import type { SyncResult } from './result.js';
import { hubState, type HubState, type OriginPullState } from './state.js';
import type { TrustPolicy } from './trust.js';

export interface PullOptions {
  readonly trust: TrustPolicy;
  readonly policy: ConflictPolicy;
  readonly clock: () => number;
  readonly onBatch?: (events: number) => void;
}

/** An origin's pulls stop at this batch, for this reason; `bad`: the object itself was at fault (exit 2). */
class Stop extends Error {
  constructor(
    message: string,
    readonly batch: string | null,
    readonly bad: boolean,
  ) {
    super(message);
  }
}

/**
 * Pulls every trusted origin's new batches, each origin on its own: a batch must be the next link of its origin's
 * chain (it names the position and SHA-256 of the batch applied last), pass every check of decodeBatch and
 * `accept`, and is applied in one transaction with the record of its pull. A missing link, a bad object or an
 * unauthorised event stops that origin there (recorded, and reported in the result and `sync status`); every other
 * origin goes on, and so does the push that follows.
 */
export const pull = async (engine: StateEngine, hub: HubStorage, options: PullOptions, result: SyncResult): Promise<void> => {
  const own = engine.origin;
  const state = await hubState(engine.backend.log, hub.url);
  const origins = new Set([...(await originsOn(hub)), ...state.origins.keys()]);
  for (const origin of [...origins].sort()) {
    const trusted = options.trust.mode === 'open' || origin === own || options.trust.origins.has(origin);
    if (!trusted) {
      result.warnings.push(`pull ${origin}: not a trusted origin; its batches are not read`);
      continue;
    }
    try {
      await pullOrigin(engine, hub, origin, state, options, result);
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      result.success = false;
      result.errors.push(`pull ${origin}: ${error.message}`);
      if (error.bad) result.rejected_batches += 1;
      await recordBlock(engine, hub, origin, state.origins.get(origin), error, options.clock());
    }
  }
};

const recordBlock = async (engine: StateEngine, hub: HubStorage, origin: string, s: OriginPullState | undefined, stop: Stop, now: number): Promise<void> => {
  if (s?.blocked?.reason === stop.message && s.blocked.batch === stop.batch) return; // said already
  await engine.backend.commit([
    {
      stream: hubStream(hub.url),
      events: [{ type: 'SyncOriginBlocked', data: { hub: hub.url, origin, batch: stop.batch, reason: stop.message.slice(0, 2000), at: instantOf(now) } }],
    },
  ]);
};

const objectError = (error: unknown): string | null =>
  error instanceof InvalidInput || isObjectFault(error) ? (error as Error).message : null;

const pullOrigin = async (
  engine: StateEngine,
  hub: HubStorage,
  origin: string,
  state: HubState,
  options: PullOptions,
  result: SyncResult,
): Promise<void> => {
  const own = engine.origin;
  const s = state.origins.get(origin);
  // Our own batches come back only to restore a data dir that lost what it had pushed.
  const ownAhead = origin === own && state.pushed > (s?.position ?? 0);
  let position = ownAhead ? state.pushed : (s?.position ?? 0);
  let sha = ownAhead ? state.pushedSha256 : (s?.sha256 ?? null);
  let lastRecordedAt = s?.lastRecordedAt ?? null;
  const trust = options.trust.origins.get(origin) ?? null;
  const rules: BatchRules = {
    limits: options.trust.limits,
    encryptionKey: options.trust.encryptionKey,
    signer: origin === own ? null : (trust?.publicKey ?? null),
    allowFirstFormat: options.trust.mode === 'open',
  };
  const names = await batchesAfter(hub, origin, position, (s?.chained ?? false) || ownAhead);
  while (names.length > 0) {
    const first = (names[0] as BatchName).first;
    const group = names.filter((n) => n.first === first);
    names.splice(0, group.length);
    const chosen = await nextLink(hub, group, position, sha, rules, options);
    if (chosen === 'not next') continue;
    const { name, object, decoded } = chosen;
    if (trust?.keepThrough != null && name.last > trust.keepThrough)
      throw new Stop(`${origin} is revoked after its position ${trust.keepThrough}; ${name.key} and later batches are refused`, name.key, false);
    const now = options.clock();
    let applied;
    try {
      const acceptance = await accept(engine, options.trust, trust, name, decoded.events, lastRecordedAt);
      const foldCap = (object.createdAt ?? now) + options.trust.maxClockSkewMs;
      const at = instantOf(now);
      applied = await importReplicated(engine, decoded.events, { foldCap, clockLimit: now + options.trust.maxClockSkewMs, ignore: acceptance.ignore }, (o) => {
        const records: DomainEvent[] = o.diverged.map((d) => ({
          type: 'SyncConflictResolved',
          data: {
            hub: hub.url,
            origin: d.origin,
            stream: d.stream,
            revision: d.revision,
            localChecksum: d.localChecksum,
            remoteChecksum: d.remoteChecksum,
            policy: options.policy,
            // The log is append-only: the copy it holds stays; the other is reported here (and stays on the hub).
            kept: 'local',
            at,
          },
        }));
        const capped = o.capped[0];
        if (capped !== undefined)
          records.push({
            type: 'SyncClockCapped',
            data: { hub: hub.url, origin, batch: name.key, count: o.capped.length, eventId: capped.id, recordedAt: capped.recordedAt as never, foldAt: capped.foldAt as never, at },
          });
        const base = { hub: hub.url, origin, batch: name.key, firstPosition: name.first, lastPosition: name.last, count: decoded.events.length, applied: o.imported.length, sha256: decoded.sha256, at };
        records.push(
          decoded.previousSha256 === null
            ? { type: 'SyncPulled', data: base }
            : { type: 'SyncBatchPulled', data: { ...base, previous: decoded.previous, ignored: o.ignored, lastRecordedAt: (acceptance.lastRecordedAt ?? at) as never } },
        );
        return [{ stream: hubStream(hub.url), events: records }];
      });
      lastRecordedAt = acceptance.lastRecordedAt ?? lastRecordedAt;
    } catch (error) {
      // A writer ahead of this replica's release: not a bad object; the origin waits here until this one upgrades.
      if (error instanceof NewerSchema) throw new Stop(`batch ${name.key}: ${error.message}`, name.key, false);
      const message = objectError(error);
      if (message === null) throw error;
      throw new Stop(message, name.key, true);
    }
    result.records_synced += applied.imported.length;
    result.records_skipped += applied.skipped + applied.ignored;
    result.conflicts_resolved += applied.diverged.length;
    result.capped_events += applied.capped.length;
    for (const c of applied.capped.slice(0, 3))
      result.warnings.push(`clock: ${c.origin} recorded event ${c.id} at ${c.recordedAt}, beyond its batch's time plus the skew bound; it folds at ${c.foldAt}`);
    for (const d of applied.diverged)
      result.errors.push(`diverged: ${d.stream} revision ${d.revision} of ${d.origin} differs (local ${d.localChecksum.slice(0, 12)}…, hub ${d.remoteChecksum.slice(0, 12)}…); kept the local event, recorded both`);
    result.batches_pulled += 1;
    options.onBatch?.(decoded.events.length);
    position = name.last;
    sha = decoded.sha256;
  }
};

/**
 * Of the batches that start at one position (normally one), the one that is the chain's next link: its `previous`
 * is the position applied last and its `previous_sha256` that batch's hash. A batch that follows a later position
 * means batches are missing (the origin waits for them); two valid successors mean the origin forked its history.
 */
const nextLink = async (
  hub: HubStorage,
  group: readonly BatchName[],
  position: number,
  sha: string | null,
  rules: BatchRules,
  options: PullOptions,
): Promise<{ name: BatchName; object: HubObject; decoded: DecodedBatch } | 'not next'> => {
  const links: { name: BatchName; object: HubObject; decoded: DecodedBatch }[] = [];
  let problem: Stop | null = null;
  for (const name of group) {
    let object: HubObject | null;
    let decoded: DecodedBatch;
    try {
      object = await hub.read(name.key, { maxBytes: options.trust.limits.maxObjectBytes });
      if (object === null) continue;
      decoded = decodeBatch(name, object, rules);
    } catch (error) {
      const message = objectError(error);
      if (message === null) throw error;
      problem ??= new Stop(message, name.key, true);
      continue;
    }
    if (decoded.previous > position) {
      problem ??= new Stop(
        `batches holding its positions ${position + 1}-${decoded.previous} are missing from the hub (${name.key} follows ${decoded.previous}); its later batches wait until they are back`,
        name.key,
        false,
      );
      continue;
    }
    if (decoded.previous < position) continue; // overlaps what is applied: not the next link
    const expected = position === 0 ? genesisBatch : sha;
    if (decoded.previousSha256 !== null && expected !== null && decoded.previousSha256 !== expected) {
      problem ??= new Stop(
        `${name.key} names ${decoded.previousSha256.slice(0, 12)}… as the batch before it, but the batch applied last is ${expected.slice(0, 12)}…: the chain of batches was altered`,
        name.key,
        true,
      );
      continue;
    }
    // The same batch twice (under both key layouts, say) is one link.
    if (!links.some((l) => l.decoded.sha256 === decoded.sha256)) links.push({ name, object, decoded });
  }
  if (links.length > 1)
    throw new Stop(`${links.map((l) => l.name.key).join(' and ')} both follow position ${position}: the origin's history forked`, links[0]?.name.key ?? null, true);
  const link = links[0];
  if (link !== undefined) return link;
  if (problem !== null) throw problem;
  return 'not next';
};
