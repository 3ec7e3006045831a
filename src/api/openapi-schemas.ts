import * as t from 'io-ts';
import * as inputs from './inputs.js';

export type Schema = Readonly<Record<string, unknown>>;

/**
 * A JSON Schema for a body codec, read off the codec itself so the document cannot drift from what is accepted:
 * refinements keep their base type and name their rule, `x | undefined | null` is an optional nullable field.
 */
export const schemaOf = (codec: t.Mixed): Schema => {
  if (codec instanceof t.ExactType) return schemaOf(codec.type as t.Mixed);
  if (codec instanceof t.InterfaceType) {
    const props = codec.props as Record<string, t.Mixed>;
    const isOptional = (c: t.Mixed) =>
      c instanceof t.UnionType && (c.types as t.Mixed[]).some((x) => x === t.undefined);
    return {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(props).map(([k, c]) => [k, schemaOf(c)])),
      required: Object.entries(props).flatMap(([k, c]) => (isOptional(c) ? [] : [k])),
    };
  }
  if (codec instanceof t.UnionType) {
    const types = codec.types as t.Mixed[];
    const real = types.filter((x) => x !== t.undefined && x !== t.null);
    const base = real.length === 1 && real[0] !== undefined ? schemaOf(real[0]) : { anyOf: real.map(schemaOf) };
    return types.includes(t.null) ? { ...base, nullable: true } : base;
  }
  if (codec instanceof t.RefinementType) return { ...schemaOf(codec.type as t.Mixed), description: codec.name };
  if (codec instanceof t.ArrayType) return { type: 'array', items: schemaOf(codec.type as t.Mixed) };
  if (codec instanceof t.KeyofType) return { type: 'string', enum: Object.keys(codec.keys as object) };
  if (codec instanceof t.BooleanType) return { type: 'boolean' };
  if (codec instanceof t.NumberType) return { type: 'number' };
  if (codec instanceof t.StringType) return { type: 'string' };
  if (codec.name === 'JSON object') return { type: 'object', additionalProperties: true };
  if (codec instanceof t.UnknownType) return {};
  return { type: 'string', description: codec.name };
};

const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const instant = { type: 'string', format: 'date-time', description: 'UTC instant with milliseconds' };
const nullableInstant = { ...instant, nullable: true };
const lifecycle = schemaOf(inputs.FindingsQuery.type.props.lifecycle);
const status = schemaOf(inputs.ScansQuery.type.props.status);
const severity = schemaOf(inputs.FindingsQuery.type.props.severity);
const days = { type: 'integer', minimum: 1, maximum: 3650 };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (name: string) => ({ type: 'array', items: ref(name) });
const object = (properties: Record<string, unknown>): Schema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});

const ScanRecord = object({
  scan_id: str,
  snapshot_id: str,
  status,
  started_at: instant,
  completed_at: nullableInstant,
  config_name: str,
  account_id: str,
  region: str,
  collectors: { type: 'array', items: str },
  full_scope: { type: 'boolean' },
  asset_count: int,
  finding_count: int,
  error_message: str,
  duration_seconds: { type: 'number' },
  metadata: { type: 'object', additionalProperties: true },
});
const CheckpointRecord = object({
  checkpoint_id: str,
  collector_name: str,
  account_id: str,
  region: str,
  last_scan_id: str,
  last_scan_time: instant,
  cursor: str,
  metadata: { type: 'object', additionalProperties: true },
});
const FindingRecord = object({
  finding_id: str,
  asset_id: str,
  rule_id: str,
  lifecycle,
  first_seen: instant,
  last_seen: instant,
  resolved_at: nullableInstant,
  scan_count: int,
  suppressed_by: str,
  suppressed_at: nullableInstant,
  suppression_reason: str,
  notes: { type: 'array', items: str },
  suppressed_until: nullableInstant,
  resolved_by: str,
  resolution_reason: str,
  false_positive_by: str,
  false_positive_reason: str,
  account_id: str,
  region: str,
  collector: { ...str, nullable: true },
  last_scan_id: { ...str, nullable: true },
  severity,
  sla_due_at: { ...nullableInstant, description: 'open findings with a deadline under the SLA policy: when it falls' },
  sla_breached: { type: 'boolean' },
});
const SeverityStats = object({ total: int, open: int, breached: int });
const counts = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, int]));
// The batch codec takes its items as unknown (each is decoded on its own, to name it by index): describe them.
const trackBody = schemaOf(inputs.TrackBody);
const trackFindings: Schema = {
  ...trackBody,
  properties: {
    ...(trackBody.properties as object),
    findings: { type: 'array', minItems: 1, maxItems: inputs.maxTrackBatch, items: schemaOf(inputs.TrackItem) },
  },
};

/** Answers (the engine's records, which are interfaces, so written out) and bodies (derived from their codecs). */
export const componentSchemas: Readonly<Record<string, Schema>> = {
  ScanRecord,
  CheckpointRecord,
  FindingRecord,
  ScanPage: object({ scans: list('ScanRecord'), next_cursor: { ...str, nullable: true } }),
  FindingPage: object({ findings: list('FindingRecord'), next_cursor: { ...str, nullable: true } }),
  CheckpointList: object({ checkpoints: list('CheckpointRecord') }),
  CheckpointDeleted: object({ deleted: { type: 'boolean' }, collector_name: str, account_id: str, region: str }),
  FindingStats: object({
    ...counts(['new', 'recurring', 'resolved', 'reopened', 'suppressed', 'false_positive']),
    ...counts(['total', 'open', 'sightings', 'resolutions']),
    mean_time_to_resolve_seconds: { type: 'number', nullable: true },
    breached: int,
    by_severity: object(Object.fromEntries((severity.enum as string[]).map((s) => [s, ref('SeverityStats')]))),
  }),
  SeverityStats,
  SlaPolicy: object({
    critical_days: days,
    high_days: days,
    medium_days: days,
    low_days: days,
    informational_days: { type: 'integer', nullable: true, description: 'always null: informational findings have no deadline' },
    restart_on_reopen: { type: 'boolean' },
  }),
  EventSchema: object({
    type: str,
    current: int,
    write: int,
    default_write: int,
    lowest: int,
    upcasters: { type: 'array', items: str },
  }),
  EventSchemaList: object({ types: list('EventSchema') }),
  ScanList: object({ scans: list('ScanRecord') }),
  ScheduleRecord: object({
    id: str,
    name: str,
    schedule_type: { type: 'string', enum: ['cron', 'rate', 'once'], nullable: true },
    schedule_expression: str,
    timezone: str,
    config_name: str,
    account_id: str,
    region: str,
    misfire_policy: { type: 'string', enum: ['skip', 'fire_once', 'fire_all'] },
    overlap_policy: { type: 'string', enum: ['skip', 'allow'] },
    timeout_seconds: int,
    enabled: { type: 'boolean' },
    next_run: nullableInstant,
    next_runs: { type: 'array', items: instant },
    last_run: nullableInstant,
    run_count: int,
    skipped_count: int,
    running: { type: 'array', items: { type: 'object', additionalProperties: true } },
    last_result: { type: 'object', additionalProperties: true, nullable: true },
    anchor: instant,
    created_at: instant,
    updated_at: instant,
  }),
  ScheduleList: object({ schedules: list('ScheduleRecord') }),
  SyncOriginRecord: object({
    hub: str,
    origin: str,
    direction: { type: 'string', enum: ['push', 'pull'] },
    position: int,
    batches: int,
    last_recorded_at: nullableInstant,
    last_sync_at: instant,
    lag_seconds: { ...int, nullable: true },
    blocked: { ...object({ reason: str, at: instant }), nullable: true },
  }),
  SyncOverview: object({ origin: str, head_position: int, origins: list('SyncOriginRecord') }),
  Changes: object({ position: int }),
  DailyPoint: object({ day: { type: 'string', format: 'date' }, new: int, resolved: int, open: int }),
  DailySeries: object({ from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, days: list('DailyPoint') }),
  HistoryEntry: object({
    position: int,
    revision: int,
    recorded_at: instant,
    type: str,
    actor: str,
    on_behalf_of: { ...str, nullable: true },
    actor_role: { ...str, nullable: true },
    actor_via: { ...str, nullable: true },
    actor_token_id: { ...str, nullable: true },
    reason: str,
    scan_id: { ...str, nullable: true },
    origin: str,
    lifecycle: { ...lifecycle, nullable: true },
    severity: { ...severity, nullable: true },
    data: { type: 'object', additionalProperties: true },
  }),
  FindingHistory: object({ finding_id: str, history: list('HistoryEntry') }),
  TrackSummary: object(
    counts(['tracked', 'new', 'recurring', 'reopened', 'still_suppressed', 'suppressions_expired', 'already_seen', 'position']),
  ),
  Me: object({
    name: { ...str, nullable: true },
    role: str,
    kind: { ...str, nullable: true },
    scopes: { type: 'array', items: str },
    via: str,
    token_id: { ...str, nullable: true },
    expires: { ...instant, nullable: true },
    permissions: { type: 'array', items: { type: 'string', enum: ['read', 'ingest', 'decide', 'admin'] } },
  }),
  TokenRecord: object({
    token_id: str,
    name: str,
    role: str,
    kind: str,
    scopes: { type: 'array', items: str },
    status: { type: 'string', enum: ['active', 'revoked', 'expired'] },
    expires: { ...instant, nullable: true },
    created_at: instant,
    created_by: str,
    revoked_at: { ...instant, nullable: true },
    revoked_by: { ...str, nullable: true },
  }),
  TokenList: object({ tokens: list('TokenRecord') }),
  AuditEntry: object({
    at: instant,
    event: { type: 'string', enum: ['token_created', 'token_revoked', 'suppression_policy_set', 'sla_policy_set', 'write_refused'] },
    actor: str,
    actor_role: { ...str, nullable: true },
    actor_via: { ...str, nullable: true },
    actor_token_id: { ...str, nullable: true },
    subject: str,
    detail: str,
    position: { ...int, nullable: true },
    status: { ...int, nullable: true },
    method: { ...str, nullable: true },
    route: { ...str, nullable: true },
    remote: { ...str, nullable: true },
  }),
  AccessAudit: object({ entries: list('AuditEntry') }),
  Error: {
    type: 'object',
    properties: { error: str, field: str, value: {}, expected: str, code: str },
    required: ['error'],
  },
  StartScan: schemaOf(inputs.StartScanBody),
  CompleteScan: schemaOf(inputs.CompleteScanBody),
  TrackFindings: trackFindings,
  Resolve: schemaOf(inputs.ResolveBody),
  Suppress: schemaOf(inputs.SuppressBody),
  By: schemaOf(inputs.ByBody),
  FalsePositive: schemaOf(inputs.FalsePositiveBody),
  Note: schemaOf(inputs.NoteBody),
  SetSlaPolicy: schemaOf(inputs.SlaPolicyBody),
  SetWriteSchema: schemaOf(inputs.WriteSchemaBody),
};
