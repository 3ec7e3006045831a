import { isLeft } from 'fp-ts/lib/Either.js';
import { categoryOf, ForeignEvent, isEventType, readableData, replicatedCategories, validateEvent, type DomainEvent, type Json } from '../events/index.js';
import { mayDecideSomewhere, mayOn, type AuthorityTable, type Right } from '../domain/index.js';
import { InvalidInput } from '../errors.js';
import type { StateEngine } from '../engine/index.js';
import { firstEventOf, sightingScopesOf } from '../engine/replication.js';
import type { BatchName } from './naming.js';
import type { OriginTrust, TrustPolicy } from './trust.js';

/** Events older peers replicated that are local by nature: checked as part of their chain, then set aside. */
const isLegacyLocal = (e: { readonly type: string; readonly stream: string }): boolean =>
  (e.stream === 'sync-origin' && e.type === 'OriginNamed') || e.type === 'ScanArchived';

export interface Acceptance {
  /** Which events are checked but not applied. */
  readonly ignore: (e: { readonly type: string; readonly stream: string }) => boolean;
  /** The newest recordedAt in the batch: the origin's clock may not go back behind it. */
  readonly lastRecordedAt: string | null;
}

/**
 * Decides whether a replica may apply another origin's batch, event by event, before anything is written: only the
 * categories that replicate (the closed list), only events whose stream, entity and origin agree, an origin clock
 * that never goes back (nor before its credential), and, with a trust configuration, only what the origin is
 * authorised to say about the scopes it names. Anything else refuses the whole batch, naming origin, event and
 * what is missing. Checks that need another origin's events (a decision on a finding sighted elsewhere) use what
 * the log already holds; the read models check the same again at fold time, so arrival order changes nothing.
 */
export const accept = async (
  engine: StateEngine,
  policy: TrustPolicy,
  trust: OriginTrust | null,
  name: BatchName,
  raws: readonly unknown[],
  lastRecordedAt: string | null,
): Promise<Acceptance> => {
  const origin = name.origin;
  const table: AuthorityTable = policy.mode === 'open' ? null : new Map(trust === null ? [] : [[origin, trust.rights]]);
  const local = engine.origin;
  const may = (right: Right, account: string, region: string) => mayOn(table, local, origin, right, account, region);
  /** Revision-0 events of this origin's chains in the batch, by stream. */
  const starts = new Map<string, DomainEvent>();
  let clock = lastRecordedAt;
  for (const [i, raw] of raws.entries()) {
    const where = `batch ${name.key} line ${i + 1}`;
    const refuse = (what: unknown, expected: string) => new InvalidInput(`${where} (${origin})`, what, expected);
    const decoded = ForeignEvent.decode(raw);
    if (isLeft(decoded)) throw InvalidInput.from(decoded.left, where);
    const e = decoded.right;
    if (clock !== null && e.meta.recordedAt < clock)
      throw refuse(e.meta.recordedAt, `an instant at or after ${clock}: an origin's clock never goes back`);
    clock = e.meta.recordedAt;
    if (trust?.notBefore != null && e.meta.recordedAt < trust.notBefore)
      throw refuse(e.meta.recordedAt, `an instant at or after ${trust.notBefore}, when ${origin}'s credential begins`);
    if (isLegacyLocal(e)) continue;
    if (!(replicatedCategories as readonly string[]).includes(categoryOf(e.stream)))
      throw refuse(e.stream, `a ${replicatedCategories.join(', ')} stream: only those replicate (an origin may not send ${categoryOf(e.stream)} events)`);
    const readable = isEventType(e.type) ? readableData(e.type, e.schema, e.data as Json, `${where} (event ${e.id} of ${origin}, stream ${e.stream})`) : e.data;
    const checked = validateEvent(e.stream, e.type, readable, where);
    const d = { type: checked.type, data: checked.data } as unknown as DomainEvent;
    if (e.revision === 0) starts.set(e.stream, d);
    const startOf = async (stream: string) => starts.get(stream) ?? (await firstEventOf(engine, stream, origin));
    const unauthorised = (right: Right, account: string, region: string) =>
      refuse(`${e.type} on ${account || '(no account)'}/${region || '(no region)'}`, `an event ${origin} may send: it has no ${right} right there`);
    switch (d.type) {
      case 'ScanStarted':
        if (!may('report', d.data.accountId, d.data.region)) throw unauthorised('report', d.data.accountId, d.data.region);
        break;
      case 'ScanCompleted':
      case 'ScanFailed':
      case 'ScanCancelled':
        if ((await startOf(e.stream))?.type !== 'ScanStarted')
          throw refuse(e.stream, `a scan ${origin} started: only the origin that started a scan reports its outcome`);
        break;
      case 'CheckpointUpdated':
      case 'CheckpointDeleted':
        if (!may('report', d.data.accountId, d.data.region)) throw unauthorised('report', d.data.accountId, d.data.region);
        break;
      case 'FindingTracked':
        if (!may('report', d.data.accountId, d.data.region)) throw unauthorised('report', d.data.accountId, d.data.region);
        break;
      default: {
        if (table === null || !d.type.startsWith('Finding') && d.type !== 'SuppressionExpired') break;
        const data = d.data as { findingId: string; scanId?: string | null; reason?: string };
        const scanResolution = d.type === 'FindingResolved' && data.scanId != null && data.reason === 'not_observed';
        if (scanResolution) {
          const start = await startOf(`scan-${data.scanId ?? ''}`);
          if (start?.type !== 'ScanStarted') throw refuse(data.scanId, `a scan ${origin} started: only its own full-scope scans resolve what they did not observe`);
        } else if (d.type !== 'SuppressionExpired' && !mayDecideSomewhere(table, local, origin))
          throw refuse(d.type, `an event ${origin} may send: it may not make decisions (resolve, suppress, false positive, notes)`);
        // Where the finding was sighted, as far as this log knows: at least one of those scopes must be the origin's.
        const right: Right = scanResolution ? 'report' : 'decide';
        const scopes = await sightingScopesOf(engine, e.stream);
        const allowed = (s: { accountId: string; region: string }) =>
          may(right, s.accountId, s.region) || (d.type === 'SuppressionExpired' && may('report', s.accountId, s.region));
        const first = scopes[0];
        if (first !== undefined && !scopes.some(allowed)) throw unauthorised(right, first.accountId, first.region);
      }
    }
  }
  return { ignore: isLegacyLocal, lastRecordedAt: clock };
};
