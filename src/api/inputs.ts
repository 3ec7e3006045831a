import * as t from 'io-ts';
import { Day, FindingSort, InstantFromIso, SlaFilter } from '../engine/index.js';
import { Id, JsonRecord, Lifecycle, NonNegativeInt, ScanStatus, ScopeName, Severity, SightingSeverity, SlaDays, Text } from '../events/index.js';
import { ScanCursor } from './cursor.js';
import { IntFromString, optional } from '../events/index.js';

/*
 * What v1 accepts. Query parameters are the words of the CLI's options (asset, account, rule); body fields are
 * snake_case like every record the API returns, so an error names what the client sent.
 */

export const Limit = IntFromString('a count (1-10000)', 1, 10_000);
export const MinPosition = IntFromString('a log position (0 or more)');

export const NoQuery = t.strict({});
export const ScansQuery = t.strict({
  status: optional(ScanStatus),
  account: optional(ScopeName),
  region: optional(ScopeName),
  since: optional(InstantFromIso),
  limit: optional(Limit),
  cursor: optional(ScanCursor),
});
export const LastScanQuery = t.strict({ account: optional(ScopeName), region: optional(ScopeName) });
export const FindingsQuery = t.strict({
  asset: optional(Id),
  lifecycle: optional(Lifecycle),
  rule: optional(Id),
  account: optional(ScopeName),
  region: optional(ScopeName),
  severity: optional(SightingSeverity),
  sla: optional(SlaFilter),
  sort: optional(FindingSort),
  limit: optional(Limit),
  cursor: optional(Id),
});
export const DailyQuery = t.strict({ from: optional(Day), to: optional(Day) });
export const FindingQuery = t.strict({ as_of: optional(InstantFromIso) });
export const CheckpointsQuery = t.strict({ collector: optional(Id), account: optional(ScopeName) });

/** An optional body field: absent, or null (which JSON clients send for "none"). */
const nullable = <C extends t.Mixed>(codec: C) => t.union([codec, t.undefined, t.null], codec.name);

export const StartScanBody = t.strict({
  scan_id: Id,
  snapshot_id: Id,
  config_name: nullable(Id),
  account_id: nullable(ScopeName),
  region: nullable(ScopeName),
  collectors: nullable(t.array(Id)),
  full_scope: nullable(t.boolean),
  metadata: nullable(JsonRecord),
});
export const CompleteScanBody = t.strict({
  asset_count: NonNegativeInt,
  finding_count: NonNegativeInt,
  error_message: nullable(Text),
});

export const maxTrackBatch = 10_000;
export const TrackBody = t.strict({
  scan_id: nullable(Id),
  findings: t.refinement(
    t.array(t.unknown),
    (a) => a.length >= 1 && a.length <= maxTrackBatch,
    `a list of 1-${maxTrackBatch} findings`,
  ),
});
export const TrackItem = t.strict({
  finding_id: Id,
  asset_id: Id,
  rule_id: Id,
  scan_id: nullable(Id),
  collector: nullable(Id),
  /** Needs FindingTracked written at schema 2 (PUT /v1/schemas/FindingTracked); absent: the finding keeps its severity. */
  severity: nullable(Severity),
});

/** The SLA policy as `stance-state --json sla policy show` prints it; a field not given keeps its value. */
export const SlaPolicyBody = t.strict({
  critical_days: nullable(SlaDays),
  high_days: nullable(SlaDays),
  medium_days: nullable(SlaDays),
  low_days: nullable(SlaDays),
  restart_on_reopen: nullable(t.boolean),
});

export const WriteSchemaBody = t.strict({
  write_schema: t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 1, 'a schema number'),
});

/*
 * `by` in a decision: who acted is the identity that authenticated; an admin or service identity may name the person
 * it acts for here (recorded as on behalf of), a personal one only itself.
 */
export const ResolveBody = t.strict({ by: nullable(Text), reason: nullable(Text) });
export const SuppressBody = t.strict({ by: nullable(Id), reason: nullable(Text), until: nullable(InstantFromIso) });
export const ByBody = t.strict({ by: nullable(Id) });
export const FalsePositiveBody = t.strict({ by: nullable(Id), reason: nullable(Text) });
export const NoteBody = t.strict({ by: nullable(Id), text: t.refinement(Text, (s) => s.trim().length > 0, 'non-empty text') });

/** null and undefined alike mean "not given" to the engine. */
export const given = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
