import * as t from 'io-ts';
import { DateTime } from 'luxon';
import { Id, Instant, JsonRecord, Lifecycle, NonNegativeInt, optional, ScanStatus, Scope, ScopeName, Severity, SightingSeverity, Text } from '../events/index.js';

/** What a caller may pass: optional fields may be missing or undefined (commander leaves absent options undefined). */
export type Input<C extends t.Any> = { [K in keyof t.TypeOf<C>]?: t.TypeOf<C>[K] | undefined } & {
  [K in keyof t.TypeOf<C> as undefined extends t.TypeOf<C>[K] ? never : K]-?: t.TypeOf<C>[K];
};

export const StartScanInput = t.strict({
  scanId: Id,
  snapshotId: Id,
  configName: optional(Id),
  accountId: optional(Scope),
  region: optional(Scope),
  collectors: optional(t.array(Id)),
  fullScope: optional(t.boolean),
  metadata: optional(JsonRecord),
});
export type StartScanInput = Input<typeof StartScanInput>;

export const CompleteScanInput = t.strict({
  assetCount: NonNegativeInt,
  findingCount: NonNegativeInt,
  errorMessage: optional(Text),
});
export type CompleteScanInput = Input<typeof CompleteScanInput>;

export const ListScansInput = t.strict({
  limit: optional(t.refinement(NonNegativeInt, (n) => n >= 1 && n <= 10_000, 'limit (1-10000)')),
  status: optional(ScanStatus),
  since: optional(Instant),
  accountId: optional(Scope),
  region: optional(Scope),
});
export type ListScansInput = Input<typeof ListScansInput>;

// A checkpoint names its account and region: an empty one is bad input (events of older logs may still hold one).
export const CheckpointKeyInput = t.strict({ collector: Id, accountId: ScopeName, region: ScopeName });

export const CheckpointInput = t.strict({
  collector: Id,
  accountId: ScopeName,
  region: ScopeName,
  scanId: Id,
  cursor: optional(Text),
  force: optional(t.boolean),
  metadata: optional(JsonRecord),
});
export type CheckpointInput = Input<typeof CheckpointInput>;

/** One finding as a scanner reports it; import files use the original's snake_case names. */
export const TrackFindingInput = t.strict({
  findingId: Id,
  assetId: Id,
  ruleId: Id,
  scanId: optional(Id),
  collector: optional(Id),
  /** As the scanner ranks it; none given: `unknown` (a later sighting that states one sets it). */
  severity: optional(Severity),
});
export type TrackFindingInput = Input<typeof TrackFindingInput>;

export const FindingRecordInput = t.strict({
  finding_id: Id,
  asset_id: Id,
  rule_id: Id,
  collector: optional(Id),
  severity: optional(Severity),
});
export type FindingRecordInput = Input<typeof FindingRecordInput>;

export const DecisionInput = t.strict({ by: optional(Text), reason: optional(Text) });
export type DecisionInput = Input<typeof DecisionInput>;
/** `by`: who acted when no identity is given; with one, the person an admin or service identity acts for. */
export const SuppressInput = t.strict({ by: optional(Id), reason: optional(Text), until: optional(Instant) });
export type SuppressInput = Input<typeof SuppressInput>;
export const ByInput = t.strict({ by: optional(Id) });
export type ByInput = Input<typeof ByInput>;
export const FalsePositiveInput = t.strict({ by: optional(Id), reason: optional(Text) });
export type FalsePositiveInput = Input<typeof FalsePositiveInput>;
export const NoteInput = t.strict({ by: optional(Id), text: t.refinement(Text, (s) => s.trim().length > 0, 'non-empty text') });
export type NoteInput = Input<typeof NoteInput>;

/** The SLA filter of a finding list: `breached`, or `due-within=<n>d` / `<n>h` (a duration in days or hours). */
export type SlaFilter = { readonly kind: 'breached' } | { readonly kind: 'due-within'; readonly ms: number };
export const SlaFilter = new t.Type<SlaFilter, string, unknown>(
  'breached or due-within=<n>d (or <n>h), n 1-3650 days',
  (u): u is SlaFilter => typeof u === 'object' && u !== null && 'kind' in u,
  (u, c) => {
    if (typeof u === 'object' && u !== null && 'kind' in u) return t.success(u as SlaFilter);
    if (u === 'breached') return t.success({ kind: 'breached' });
    const m = typeof u === 'string' ? /^due-within=(\d{1,6})([dh])$/.exec(u) : null;
    if (m === null) return t.failure(u, c);
    const ms = Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000);
    return ms >= 3_600_000 && ms <= 3650 * 86_400_000 ? t.success({ kind: 'due-within', ms }) : t.failure(u, c);
  },
  (f) => (f.kind === 'breached' ? 'breached' : `due-within=${f.ms / 3_600_000}h`),
);

/** Finding pages by id (the default), or by when they were last seen: oldest first, or newest first (`-last_seen`). */
export const FindingSort = t.keyof({ finding_id: null, last_seen: null, '-last_seen': null }, 'finding_id, last_seen or -last_seen');
export type FindingSort = t.TypeOf<typeof FindingSort>;

export const ListFindingsInput = t.strict({
  assetId: optional(Id),
  lifecycle: optional(Lifecycle),
  ruleId: optional(Id),
  accountId: optional(Scope),
  region: optional(Scope),
  /** `unknown`: findings no sighting gave a severity. */
  severity: optional(SightingSeverity),
  /** `breached`: open findings past their deadline; `due-within=7d` (or `=12h`): due within that time, not yet breached. */
  sla: optional(SlaFilter),
  sort: optional(FindingSort),
  limit: optional(t.refinement(NonNegativeInt, (n) => n >= 1 && n <= 10_000, 'limit (1-10000)')),
  /** The previous page's next_cursor: a finding id by id, an opaque token by last seen. */
  cursor: optional(Id),
});
export type ListFindingsInput = Input<typeof ListFindingsInput>;

/**
 * An instant typed by a person: ISO-8601 with `Z` or an offset (`2026-03-01T09:00:00+01:00`), or a bare date
 * (`2026-03-01`, midnight UTC). A local time without a zone is refused: it would mean different instants on
 * different hosts (the original's naive timestamps).
 */
export const InstantFromIso = new t.Type<Instant, string, unknown>(
  'ISO-8601 instant with Z or an offset, or a date',
  Instant.is,
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c);
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(u);
    if (!dateOnly && !/(Z|[+-]\d{2}(:?\d{2})?)$/i.test(u)) return t.failure(u, c);
    const parsed = DateTime.fromISO(u, { zone: 'utc', setZone: !dateOnly });
    if (!parsed.isValid || parsed.year < 1970 || parsed.year > 9999) return t.failure(u, c);
    return t.success(parsed.toUTC().toISO({ suppressMilliseconds: false }) as Instant);
  },
  String,
);

/** A UTC calendar day, `2026-03-01`: the unit of the daily series. */
export const Day = new t.Type<string, string, unknown>(
  'a day (YYYY-MM-DD)',
  (u): u is string => typeof u === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(u),
  (u, c) => {
    if (typeof u !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(u)) return t.failure(u, c);
    const parsed = DateTime.fromISO(u, { zone: 'utc' });
    return parsed.isValid && parsed.year >= 1970 ? t.success(u) : t.failure(u, c);
  },
  String,
);

export const DailyWindowInput = t.strict({ from: optional(Day), to: optional(Day) });
export type DailyWindowInput = Input<typeof DailyWindowInput>;
