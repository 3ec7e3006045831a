import { findingFromRow, type FindingRow } from '../../projections/index.js';
import {
  checkSuppression,
  evolveFrom,
  finding,
  findingStreamOf,
  isFindingEvent,
  type FindingCommand,
  type FindingState,
  type Identity,
} from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { asDomainEvent, decodeOrThrow, defaultWriteSchema, Instant, severityNeedsSchema2, type DomainEvent } from '../events/index.js';
import type { StreamWrite } from '../ports/log.js';
import type { Filter, RowQuery } from '../ports/read-models.js';
import { now, type Core } from './core.js';
import { getSuppressionPolicy } from './access.js';
import { attributed, metaOf, requireScope } from './actor.js';
import { decideAndCommit, loadMany, loadOne, toNewEvents, type CommandMeta, type EntityKind, type Loaded } from './decide.js';
import {
  ByInput,
  DecisionInput,
  FalsePositiveInput,
  ListFindingsInput,
  type FindingSort,
  NoteInput,
  SuppressInput,
  TrackFindingInput,
} from './inputs.js';
import { findingRecord, type FindingRecord } from './records.js';
import { getScan } from './scans.js';
import { breachedFilters, dueWithinFilters, getSlaPolicy } from './sla.js';

/** A finding's decision state: its read-model row (the fold over every origin), and what the log has after it. */
export const findingKind: EntityKind<FindingState> = {
  table: 'findings',
  key: 'finding_id',
  streamOf: findingStreamOf,
  fromRow: (row) => findingFromRow(row as unknown as FindingRow),
  initial: null,
  evolve: (state, event, merge) => {
    const e = asDomainEvent(event);
    return isFindingEvent(e) ? evolveFrom(state, e, event.meta.origin, merge) : state;
  },
};

const rowOf = async (core: Core, findingId: string): Promise<FindingRow | undefined> =>
  (await core.backend.models.rows({ table: 'findings', where: [{ column: 'finding_id', op: '=', value: findingId }] }))[0] as
    | FindingRow
    | undefined;

/** The notes of findings, in the order they were added, in one query per 500 findings. */
const notesOf = async (core: Core, ids: readonly string[]): Promise<Map<string, string[]>> => {
  const notes = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await core.backend.models.rows({
      table: 'finding_notes',
      where: [{ column: 'finding_id', op: 'in', value: ids.slice(i, i + 500) }],
      order: [{ column: 'finding_id' }, { column: 'seq' }],
    });
    for (const r of rows) notes.set(r.finding_id as string, [...(notes.get(r.finding_id as string) ?? []), r.text as string]);
  }
  return notes;
};

export const getFindingState = async (core: Core, findingId: string): Promise<FindingRecord | null> => {
  const row = await rowOf(core, findingId);
  if (row === undefined) return null;
  return findingRecord(row, (await notesOf(core, [findingId])).get(findingId) ?? [], await getSlaPolicy(core), now(core));
};

/**
 * A sighting that states a severity needs `FindingTracked` schema 2 in the log: refused (naming the field) while this
 * store still writes schema 1, the default for one release, so no reader of the older schema meets one it can't read.
 */
const checkSeverityWritable = async (core: Core, severities: readonly (string | undefined)[], field: (i: number) => string): Promise<void> => {
  const i = severities.findIndex((s) => s !== undefined);
  if (i < 0) return;
  const schema = (await core.backend.log.writeSchemas()).get('FindingTracked') ?? defaultWriteSchema('FindingTracked');
  if (schema < 2)
    throw new InvalidInput(field(i), severities[i], severityNeedsSchema2);
};

/**
 * One decision on one finding, decided on the state that same attempt loads. The identity's scopes are checked
 * against it, so a finding that moved account between two attempts is judged where it is now.
 */
const decideFinding = async (core: Core, command: FindingCommand, meta: CommandMeta, identity?: Identity): Promise<FindingRecord> => {
  const id = command.data.findingId;
  const stream = findingStreamOf(id);
  await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadOne(core, findingKind, id);
    if (state !== null) requireScope(identity, state.accountId, state.region, `finding ${id}`);
    const decided = finding.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    const writes = decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, meta), expectedRevision: revision }];
    return { writes, value: null };
  });
  const record = await getFindingState(core, id);
  if (record === null) throw new DomainError('unknown_finding', `finding ${id} is not tracked`);
  return record;
};

export interface SightingScope {
  readonly scanId: string | null;
  readonly accountId: string;
  readonly region: string;
  readonly collector: string | null;
}

/** Where a sighting happened: its scan's account and region, and its collector (the scan's only one by default). */
export const scopeOf = async (core: Core, scanId: string | undefined, collector: string | undefined): Promise<SightingScope> => {
  if (scanId === undefined) return { scanId: null, accountId: '', region: '', collector: collector ?? null };
  const scan = await getScan(core, scanId);
  if (scan === null) throw new DomainError('unknown_scan', `scan ${scanId} is not known`);
  if (scan.status !== 'running')
    throw new DomainError('illegal_transition', `scan ${scanId} is ${scan.status}; findings are tracked while it runs`);
  const only = scan.collectors.length === 1 ? scan.collectors[0] : undefined;
  return { scanId, accountId: scan.account_id, region: scan.region, collector: collector ?? only ?? null };
};

export const trackFinding = async (core: Core, input: TrackFindingInput, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(TrackFindingInput, input);
  await checkSeverityWritable(core, [i.severity], () => 'severity');
  const scope = await scopeOf(core, i.scanId, i.collector);
  requireScope(identity, scope.accountId, scope.region, `finding ${i.findingId}`);
  return decideFinding(
    core,
    { type: 'TrackFinding', data: { findingId: i.findingId, assetId: i.assetId, ruleId: i.ruleId, seenAt: now(core), ...scope, severity: i.severity ?? 'unknown' } },
    metaOf(identity),
  );
};

export interface TrackSummary {
  readonly tracked: number;
  readonly new: number;
  readonly recurring: number;
  readonly reopened: number;
  /** Seen again while suppressed or marked false positive: counted, lifecycle kept. */
  readonly still_suppressed: number;
  readonly suppressions_expired: number;
  /** Sighted before in the same scan (a re-run import, a retried call): one sighting, nothing recorded. */
  readonly already_seen: number;
  readonly position: number;
}

/**
 * A batch of sightings in one commit: every finding's state loaded at once, one decision each, expected revisions
 * per finding from that load; on a conflict the whole batch is decided again. A finding listed twice counts twice
 * without a scan and once within one (the domain decides: a sighting is (scan, finding)).
 */
export const trackFindings = async (
  core: Core,
  records: readonly TrackFindingInput[],
  options: { scanId?: string | undefined } = {},
  identity?: Identity,
): Promise<TrackSummary> => {
  const inputs = records.map((r, index) => decodeOrThrow(TrackFindingInput, { ...r, scanId: r.scanId ?? options.scanId }, `records[${index}]`));
  await checkSeverityWritable(core, inputs.map((i) => i.severity), (index) => `records[${index}].severity`);
  const scopes = new Map<string, SightingScope>();
  for (const i of inputs) {
    const key = `${i.scanId ?? ''}\u0000${i.collector ?? ''}`;
    if (scopes.has(key)) continue;
    const found = await scopeOf(core, i.scanId, i.collector);
    requireScope(identity, found.accountId, found.region, i.scanId === undefined ? 'a sighting without a scan' : `scan ${i.scanId}`);
    scopes.set(key, found);
  }
  const meta = metaOf(identity);
  const seenAt = now(core);
  const { value, appended } = await decideAndCommit(core, 'a finding of the batch', async () => {
    const states = new Map<string, Loaded<FindingState>>(await loadMany(core, findingKind, inputs.map((i) => i.findingId)));
    const decided = new Map<string, DomainEvent[]>();
    const counts = { new: 0, recurring: 0, reopened: 0, still_suppressed: 0, suppressions_expired: 0, already_seen: 0 };
    for (const i of inputs) {
      const loaded = states.get(i.findingId) as Loaded<FindingState>;
      const scope = scopes.get(`${i.scanId ?? ''}\u0000${i.collector ?? ''}`) as SightingScope;
      const command: FindingCommand = {
        type: 'TrackFinding',
        data: { findingId: i.findingId, assetId: i.assetId, ruleId: i.ruleId, seenAt, ...scope, severity: i.severity ?? 'unknown' },
      };
      const events = finding.decide(loaded.state, command) as readonly DomainEvent[];
      if (events.length === 0) {
        counts.already_seen += 1;
        continue;
      }
      const before = loaded.state;
      const after = events.reduce((s, e) => finding.evolve(s, e as never), before);
      states.set(i.findingId, { state: after, revision: loaded.revision });
      decided.set(i.findingId, [...(decided.get(i.findingId) ?? []), ...events]);
      if (events.some((e) => e.type === 'SuppressionExpired')) counts.suppressions_expired += 1;
      const lifecycle = after?.lifecycle;
      if (lifecycle === 'new') counts.new += 1;
      else if (lifecycle === 'reopened' && before?.lifecycle === 'resolved') counts.reopened += 1;
      else if (lifecycle === 'suppressed' || lifecycle === 'false_positive') counts.still_suppressed += 1;
      else counts.recurring += 1;
    }
    const writes: StreamWrite[] = [...decided].map(([id, events]) => ({
      stream: findingStreamOf(id),
      events: toNewEvents(events, meta),
      expectedRevision: states.get(id)?.revision ?? 'any',
    }));
    return { writes, value: { tracked: inputs.length - counts.already_seen, ...counts } };
  });
  const position = appended.length > 0 ? Math.max(...appended.map((r) => r.position)) : await core.backend.log.headPosition();
  return { ...value, position };
};

export const resolveFinding = async (core: Core, findingId: string, input: DecisionInput = {}, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(DecisionInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(core, { type: 'ResolveFinding', data: { findingId, by, reason: i.reason ?? '', scanId: null, at: now(core) } }, meta, identity);
};

/** A suppression is a risk acceptance: a reason always, and an end within the policy's maximum when one is set. */
export const suppressFinding = async (core: Core, findingId: string, input: SuppressInput, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(SuppressInput, input);
  const { by, meta } = attributed(identity, i.by);
  const at = now(core);
  const data = { findingId, by, reason: i.reason ?? '', until: (i.until ?? null) as Instant | null, at };
  const refused = checkSuppression(await getSuppressionPolicy(core), data);
  if (refused !== null) throw refused;
  return decideFinding(core, { type: 'SuppressFinding', data }, meta, identity);
};

export const unsuppressFinding = async (core: Core, findingId: string, input: ByInput = {}, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(ByInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(core, { type: 'UnsuppressFinding', data: { findingId, by, at: now(core) } }, meta, identity);
};

export const markFalsePositive = async (core: Core, findingId: string, input: FalsePositiveInput, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(FalsePositiveInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(core, { type: 'MarkFalsePositive', data: { findingId, by, reason: i.reason ?? '', at: now(core) } }, meta, identity);
};

export const addFindingNote = async (core: Core, findingId: string, input: NoteInput, identity?: Identity): Promise<FindingRecord> => {
  const i = decodeOrThrow(NoteInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(core, { type: 'AddFindingNote', data: { findingId, by, text: i.text, at: now(core) } }, meta, identity);
};

export interface FindingPage {
  readonly findings: readonly FindingRecord[];
  /**
   * Pass as `cursor` for the next page; null on the last page. Keyset on id, stable under concurrent writes; by last
   * seen, keyset on (last_seen, id): a finding seen again while a client pages moves, as its place in that order did.
   */
  readonly next_cursor: string | null;
}

/** A last-seen page's cursor: base64url of `[last_seen, finding_id]`; clients pass it back, never build it. */
const seenCursorOf = (row: { last_seen: string; finding_id: string }): string =>
  Buffer.from(JSON.stringify([row.last_seen, row.finding_id]), 'utf8').toString('base64url');

const seenKeyOf = (cursor: string): [string, string] => {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  if (!Array.isArray(key) || key.length !== 2 || !Instant.is(key[0]) || typeof key[1] !== 'string')
    throw new InvalidInput('cursor', cursor, 'a cursor from next_cursor of the same sort');
  return [key[0], key[1]];
};

/** Each sort's order and keyset: the columns of an index, so a page is a range read whatever the filters. */
const orders: Readonly<Record<FindingSort, NonNullable<RowQuery['order']>>> = {
  finding_id: [{ column: 'finding_id' }],
  last_seen: [{ column: 'last_seen' }, { column: 'finding_id' }],
  '-last_seen': [
    { column: 'last_seen', desc: true },
    { column: 'finding_id', desc: true },
  ],
};

export const listFindingStates = async (core: Core, input: ListFindingsInput = {}): Promise<FindingPage> => {
  const i = decodeOrThrow(ListFindingsInput, input);
  const sort = i.sort ?? 'finding_id';
  const limit = i.limit ?? 1000;
  const where: Filter[] = [];
  const filter = (column: string, value: string | undefined) => {
    if (value !== undefined) where.push({ column, op: '=', value });
  };
  filter('asset_id', i.assetId);
  filter('lifecycle', i.lifecycle);
  filter('rule_id', i.ruleId);
  filter('account_id', i.accountId);
  filter('region', i.region);
  filter('severity', i.severity);
  const policy = await getSlaPolicy(core);
  const at = now(core);
  if (i.sla?.kind === 'breached') where.push(...breachedFilters(policy, at));
  if (i.sla?.kind === 'due-within') where.push(...dueWithinFilters(policy, at, i.sla.ms));
  const order = orders[sort];
  const after =
    i.cursor === undefined
      ? {}
      : { after: { columns: order.map((o) => o.column), values: sort === 'finding_id' ? [i.cursor] : seenKeyOf(i.cursor) } };
  const rows = (await core.backend.models.rows({ table: 'findings', where, ...after, order, limit: limit + 1 })) as unknown as FindingRow[];
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const notes = await notesOf(core, page.map((r) => r.finding_id));
  return {
    findings: page.map((r) => findingRecord(r, notes.get(r.finding_id) ?? [], policy, at)),
    next_cursor:
      rows.length > limit && last !== undefined ? (sort === 'finding_id' ? last.finding_id : seenCursorOf(last)) : null,
  };
};
