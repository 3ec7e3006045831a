/**
 * The benchmark's workload: scans of 200 account/region scopes that see the same findings again and again, plus
 * people resolving and suppressing some of them. Seeded and generated lazily, so every contender (each in its own
 * process) gets the same events in the same batches, and memory does not grow with the number of events.
 *
 * A batch is what one caller hands a store at once: a scan's start, the findings one scan saw (one batch of
 * ~420), the scan's completion, or one person's decision. The limit writes each batch in one transaction and
 * stance-state in one engine call; peers without multi-stream batches write its events one by one.
 */

import { seededRandom } from './random.js';

export interface WorkloadOptions {
  /** FindingTracked events to generate; the scans' and decisions' events come on top. */
  readonly events: number;
  /** Distinct findings the scopes hold once every scope has been scanned a few times. */
  readonly findings: number;
  readonly scopes: number;
  readonly seed: number;
}

export const defaultWorkload: WorkloadOptions = { events: 1_000_000, findings: 100_000, scopes: 200, seed: 7 };

/** One event as every contender writes it; `dataJson` and `metaJson` are the serialized row of the limit. */
export interface WorkloadEvent {
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly dataJson: string;
  readonly metaJson: string;
}

export interface TrackedRecord {
  readonly findingId: string;
  readonly assetId: string;
  readonly ruleId: string;
  readonly collector: string;
}

export interface ScanStart {
  readonly scanId: string;
  readonly snapshotId: string;
  readonly accountId: string;
  readonly region: string;
  readonly collectors: readonly string[];
}

interface BatchBase {
  /** Epoch milliseconds: the clock every contender's events carry. */
  readonly at: number;
  readonly events: readonly WorkloadEvent[];
}
export type Batch =
  | (BatchBase & { readonly kind: 'scan-started'; readonly scan: ScanStart })
  | (BatchBase & { readonly kind: 'tracked'; readonly scanId: string; readonly records: readonly TrackedRecord[] })
  | (BatchBase & {
      readonly kind: 'scan-completed';
      readonly scanId: string;
      readonly assetCount: number;
      readonly findingCount: number;
    })
  | (BatchBase & { readonly kind: 'resolved'; readonly findingId: string; readonly by: string; readonly reason: string })
  | (BatchBase & {
      readonly kind: 'suppressed';
      readonly findingId: string;
      readonly by: string;
      readonly reason: string;
    });



/** A stable hash of an integer, for names that must not depend on the order of generation. */
const mix = (x: number): number => {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};
const hex8 = (x: number): string => mix(x).toString(16).padStart(8, '0');

const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'] as const;
const services = ['s3', 'ec2', 'iam', 'rds', 'lambda', 'kms'] as const;
const resources: Record<(typeof services)[number], string> = {
  s3: 'bucket',
  ec2: 'instance',
  iam: 'role',
  rds: 'db',
  lambda: 'function',
  kms: 'key',
};
const rulesPerService = 20;
const people = ['alice@example.com', 'bob@example.com', 'secops-bot'] as const;
const base = Date.UTC(2026, 0, 5, 0, 0, 0);

const scopeOf = (s: number) => ({
  accountId: String(100_000_000_000 + (mix(Math.floor(s / regions.length) + 1) % 899_999_999_999)),
  region: regions[s % regions.length] as string,
});

/** Finding k lives in scope k % scopes; its rule, asset and id follow from k alone. */
const findingOf = (k: number, scopes: number): TrackedRecord & { scope: number } => {
  const scope = k % scopes;
  const j = Math.floor(k / scopes);
  const service = services[mix(k) % services.length] as (typeof services)[number];
  const { accountId, region } = scopeOf(scope);
  return {
    scope,
    findingId: `fnd-${hex8(k)}${k.toString(36)}`,
    // About two findings per asset.
    assetId: `arn:aws:${service}:${region}:${accountId}:${resources[service]}/${service}-${hex8(scope * 1_000_003 + (j >> 1))}`,
    ruleId: `aws-${service}-${String((mix(k + 17) % rulesPerService) + 1).padStart(3, '0')}`,
    collector: `aws_${service}`,
  };
};

/**
 * The batches in order. Each scan picks a scope at random and sees each finding it already knows there with
 * probability 0.9, plus new ones until the scope holds its share of `findings`; after each scan, about 1% of what
 * it saw is resolved and 0.5% suppressed, one decision per batch (a person at a console).
 */
export function* workload(options: WorkloadOptions = defaultWorkload): Generator<Batch> {
  const random = seededRandom(options.seed);
  const { scopes } = options;
  const perScope = Math.max(1, Math.ceil(options.findings / scopes));
  const known = new Array<number>(scopes).fill(0);
  // Findings resolved and not seen since: resolving one again would be a no-op that writes nothing.
  const resolved = new Set<number>();
  let ids = 0;
  const eventId = (at: number): string => {
    ids += 1;
    const r = `${hex8(ids * 3 + options.seed)}${hex8(ids * 5 + 1)}${hex8(ids * 7 + 2)}`;
    const ms = at.toString(16).padStart(12, '0');
    return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(0, 3)}-${'89ab'[mix(ids) % 4]}${r.slice(3, 6)}-${r.slice(6, 18)}`;
  };
  const event = (at: number, stream: string, type: string, data: Record<string, unknown>): WorkloadEvent => ({
    id: eventId(at),
    stream,
    type,
    data,
    dataJson: JSON.stringify(data),
    metaJson: `{"origin":"bench","recordedAt":"${new Date(at).toISOString()}"}`,
  });
  let tracked = 0;
  for (let scanNo = 0; tracked < options.events; scanNo += 1) {
    const at = base + scanNo * 60_000;
    const scope = Math.floor(random() * scopes);
    const { accountId, region } = scopeOf(scope);
    const scanId = `scan-${String(scanNo).padStart(7, '0')}`;
    const scan: ScanStart = {
      scanId,
      snapshotId: `snap-${String(scanNo).padStart(7, '0')}`,
      accountId,
      region,
      collectors: services.map((s) => `aws_${s}`),
    };
    const startedAt = new Date(at).toISOString();
    yield {
      kind: 'scan-started',
      at,
      scan,
      events: [
        event(at, `scan-${scanId}`, 'ScanStarted', {
          scanId,
          snapshotId: scan.snapshotId,
          configName: 'default',
          accountId,
          region,
          collectors: scan.collectors,
          fullScope: false,
          startedAt,
          metadata: {},
        }),
      ],
    };
    // What the scan saw: known findings at 0.9, then new ones (the first scan of a scope finds 60% of its share).
    const seenAt = at + 1000;
    const seenAtText = new Date(seenAt).toISOString();
    const before = known[scope] ?? 0;
    const fresh = Math.min(perScope - before, before === 0 ? Math.ceil(perScope * 0.6) : Math.ceil(perScope * 0.1));
    const seen: number[] = [];
    for (let j = 0; j < before; j += 1) if (random() < 0.9) seen.push(scope + j * scopes);
    for (let j = before; j < before + fresh; j += 1) seen.push(scope + j * scopes);
    known[scope] = before + fresh;
    const take = Math.min(seen.length, options.events - tracked);
    const records: TrackedRecord[] = [];
    const events: WorkloadEvent[] = [];
    for (const k of seen.slice(0, take)) {
      const { scope: _, ...record } = findingOf(k, scopes);
      records.push(record);
      resolved.delete(k);
      events.push(
        event(seenAt, `finding-${record.findingId}`, 'FindingTracked', {
          findingId: record.findingId,
          assetId: record.assetId,
          ruleId: record.ruleId,
          scanId,
          seenAt: seenAtText,
          accountId,
          region,
          collector: record.collector,
        }),
      );
    }
    tracked += take;
    if (take > 0) yield { kind: 'tracked', at: seenAt, scanId, records, events };
    const completedAt = at + 2000;
    const assetCount = take + Math.floor(random() * 50);
    yield {
      kind: 'scan-completed',
      at: completedAt,
      scanId,
      assetCount,
      findingCount: take,
      events: [
        event(completedAt, `scan-${scanId}`, 'ScanCompleted', {
          scanId,
          assetCount,
          findingCount: take,
          completedAt: new Date(completedAt).toISOString(),
          durationSeconds: (completedAt - at) / 1000,
        }),
      ],
    };
    // Decisions on findings this scan saw.
    const decisions = Math.floor(take * 0.015 + random());
    for (let d = 0; d < decisions && seen.length > 0; d += 1) {
      const k = seen[Math.floor(random() * Math.min(take, seen.length))] as number;
      const findingId = findingOf(k, scopes).findingId;
      const by = people[Math.floor(random() * people.length)] as string;
      const when = at + 3000 + d;
      const whenText = new Date(when).toISOString();
      if (random() < 2 / 3 && !resolved.has(k)) {
        resolved.add(k);
        const reason = 'fixed in terraform change';
        yield {
          kind: 'resolved',
          at: when,
          findingId,
          by,
          reason,
          events: [event(when, `finding-${findingId}`, 'FindingResolved', { findingId, by, reason, scanId: null, at: whenText })],
        };
      } else if (!resolved.has(k)) {
        const reason = 'accepted risk: legacy workload';
        yield {
          kind: 'suppressed',
          at: when,
          findingId,
          by,
          reason,
          events: [
            event(when, `finding-${findingId}`, 'FindingSuppressed', { findingId, by, reason, until: null, at: whenText }),
          ],
        };
      }
    }
  }
}

/** Counts without keeping anything: what a full pass over the workload holds. */
export const summarize = (options: WorkloadOptions) => {
  const counts: Record<string, number> = {};
  let events = 0;
  let batches = 0;
  let largest = 0;
  for (const b of workload(options)) {
    batches += 1;
    events += b.events.length;
    largest = Math.max(largest, b.events.length);
    counts[b.kind] = (counts[b.kind] ?? 0) + b.events.length;
  }
  return { events, batches, largest, counts };
};
