import { findingFromRow, findingRowOf, findingSelect, type FindingRow } from '../../projections/index.js';
import { checkSuppression, finding, findingStreamOf, type FindingCommand, type FindingState, type Identity } from '../domain/index.js';
import { DomainError, InvalidInput } from '../errors.js';
import { decodeOrThrow, Instant, type DomainEvent } from '../events/index.js';
import { WrongExpectedRevision, type StreamWrite } from '../store/index.js';
import { now, sql, type Core } from './core.js';
import { getSuppressionPolicy } from './access.js';
import { attributed, metaOf, requireScope } from './actor.js';
import { handle, toNewEvents, type CommandMeta, type Loaded } from './handle.js';
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

// Built once: the statement cache is keyed by this text, and a batch looks up every finding it tracks.
const rowSql = `SELECT ${findingSelect} FROM findings WHERE finding_id = ?`;

const rowOf = (core: Core, findingId: string): FindingRow | undefined => {
  const raw = sql<[string], (string | number | null)[]>(core, rowSql).raw().get(findingId);
  return raw === undefined ? undefined : findingRowOf(raw);
};

const notesOf = (core: Core, findingId: string): string[] =>
  sql<[string], { text: string }>(core, 'SELECT text FROM finding_notes WHERE finding_id = ? ORDER BY seq')
    .all(findingId)
    .map((r) => r.text);

/** The notes of a page of findings in one query (one per finding was most of a page's cost). */
const notesOfPage = (core: Core, ids: readonly string[]): Map<string, string[]> => {
  const notes = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = core.store.db
      .prepare<string[], { finding_id: string; text: string }>(
        `SELECT finding_id, text FROM finding_notes WHERE finding_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY finding_id, seq`,
      )
      .all(...chunk);
    for (const r of rows) notes.set(r.finding_id, [...(notes.get(r.finding_id) ?? []), r.text]);
  }
  return notes;
};

/**
 * A finding's state for a decision comes from its read-model row (kept in the append transaction, and merged over
 * every origin); the expected revision is that of this origin's own stream, the one the decision appends to.
 */
const loadFinding = (core: Core, findingId: string): Loaded<FindingState> => {
  const row = rowOf(core, findingId);
  if (row === undefined) return { state: null, revision: 'no_stream' };
  return { state: findingFromRow(row), revision: core.store.streamRevisionSync(findingStreamOf(findingId)) ?? 'no_stream' };
};

export const getFindingState = (core: Core, findingId: string): FindingRecord | null => {
  const row = rowOf(core, findingId);
  return row === undefined ? null : findingRecord(row, notesOf(core, findingId));
};

/**
 * One decision on one finding. The identity's scopes are checked against the state each attempt loads (the state
 * the decision is made on), so a finding that moved account between two attempts is judged where it is now.
 */
const decideFinding = (core: Core, command: FindingCommand, meta: CommandMeta, identity?: Identity): FindingRecord => {
  const id = command.data.findingId;
  const load = () => {
    const loaded = loadFinding(core, id);
    if (loaded.state !== null) requireScope(identity, loaded.state.accountId, loaded.state.region, `finding ${id}`);
    return loaded;
  };
  handle(core.store, findingStreamOf(id), finding, load, command, meta);
  const record = getFindingState(core, id);
  if (record === null) throw new DomainError('unknown_finding', `finding ${id} is not tracked`);
  return record;
};

/** Where a sighting happened: its scan's account and region, and its collector (the scan's only one by default). */
const scopeOf = (core: Core, scanId: string | undefined, collector: string | undefined) => {
  if (scanId === undefined) return { scanId: null, accountId: '', region: '', collector: collector ?? null };
  const scan = getScan(core, scanId);
  if (scan === null) throw new DomainError('unknown_scan', `scan ${scanId} is not known`);
  if (scan.status !== 'running')
    throw new DomainError('illegal_transition', `scan ${scanId} is ${scan.status}; findings are tracked while it runs`);
  const only = scan.collectors.length === 1 ? scan.collectors[0] : undefined;
  return { scanId, accountId: scan.account_id, region: scan.region, collector: collector ?? only ?? null };
};

export const trackFinding = (core: Core, input: TrackFindingInput, identity?: Identity): FindingRecord => {
  const i = decodeOrThrow(TrackFindingInput, input);
  const scope = scopeOf(core, i.scanId, i.collector);
  requireScope(identity, scope.accountId, scope.region, `finding ${i.findingId}`);
  return decideFinding(
    core,
    { type: 'TrackFinding', data: { findingId: i.findingId, assetId: i.assetId, ruleId: i.ruleId, seenAt: now(core), ...scope } },
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
  readonly position: number;
}

/**
 * A batch of sightings in one atomic append: states from the read model, one decision each, expected revisions
 * per finding; on a conflict the whole batch is decided again once. A finding listed twice counts twice.
 */
export const trackFindings = (
  core: Core,
  records: readonly TrackFindingInput[],
  options: { scanId?: string | undefined } = {},
  identity?: Identity,
): TrackSummary => {
  const inputs = records.map((r, index) => decodeOrThrow(TrackFindingInput, { ...r, scanId: r.scanId ?? options.scanId }, `records[${index}]`));
  const scopes = new Map<string, ReturnType<typeof scopeOf>>();
  const scope = (scanId: string | undefined, collector: string | undefined) => {
    const key = `${scanId ?? ''}\u0000${collector ?? ''}`;
    let found = scopes.get(key);
    if (found === undefined) {
      scopes.set(key, (found = scopeOf(core, scanId, collector)));
      requireScope(identity, found.accountId, found.region, scanId === undefined ? 'a sighting without a scan' : `scan ${scanId}`);
    }
    return found;
  };
  const meta = metaOf(identity);
  const seenAt = now(core);
  for (let attempt = 0; ; attempt += 1) {
    const states = new Map<string, Loaded<FindingState>>();
    const decided = new Map<string, DomainEvent[]>();
    const counts = { new: 0, recurring: 0, reopened: 0, still_suppressed: 0, suppressions_expired: 0 };
    for (const i of inputs) {
      let loaded = states.get(i.findingId);
      if (loaded === undefined) states.set(i.findingId, (loaded = loadFinding(core, i.findingId)));
      const command: FindingCommand = {
        type: 'TrackFinding',
        data: { findingId: i.findingId, assetId: i.assetId, ruleId: i.ruleId, seenAt, ...scope(i.scanId, i.collector) },
      };
      const events = finding.decide(loaded.state, command) as readonly DomainEvent[];
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
    if (writes.length === 0) return { tracked: 0, ...counts, position: core.store.headPositionSync() };
    try {
      const results = core.store.appendSync(writes);
      const position = Math.max(...results.map((r) => r.position));
      return { tracked: inputs.length, ...counts, position };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      if (attempt >= 1) throw new DomainError('conflict', `${error.stream} was changed by another writer during the batch; try again`);
    }
  }
};

export const resolveFinding = (core: Core, findingId: string, input: DecisionInput = {}, identity?: Identity): FindingRecord => {
  const i = decodeOrThrow(DecisionInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(
    core,
    { type: 'ResolveFinding', data: { findingId, by, reason: i.reason ?? '', scanId: null, at: now(core) } },
    meta,
    identity,
  );
};

/** A suppression is a risk acceptance: a reason always, and an end within the policy's maximum when one is set. */
export const suppressFinding = (core: Core, findingId: string, input: SuppressInput, identity?: Identity): FindingRecord => {
  const i = decodeOrThrow(SuppressInput, input);
  const { by, meta } = attributed(identity, i.by);
  const at = now(core);
  const data = { findingId, by, reason: i.reason ?? '', until: (i.until ?? null) as Instant | null, at };
  const refused = checkSuppression(getSuppressionPolicy(core), data);
  if (refused !== null) throw refused;
  return decideFinding(core, { type: 'SuppressFinding', data }, meta, identity);
};

export const unsuppressFinding = (core: Core, findingId: string, input: ByInput = {}, identity?: Identity): FindingRecord => {
  const i = decodeOrThrow(ByInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(core, { type: 'UnsuppressFinding', data: { findingId, by, at: now(core) } }, meta, identity);
};

export const markFalsePositive = (core: Core, findingId: string, input: FalsePositiveInput, identity?: Identity): FindingRecord => {
  const i = decodeOrThrow(FalsePositiveInput, input);
  const { by, meta } = attributed(identity, i.by);
  return decideFinding(
    core,
    { type: 'MarkFalsePositive', data: { findingId, by, reason: i.reason ?? '', at: now(core) } },
    meta,
    identity,
  );
};

export const addFindingNote = (core: Core, findingId: string, input: NoteInput, identity?: Identity): FindingRecord => {
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

const orders: Readonly<Record<FindingSort, { by: string; after: string }>> = {
  finding_id: { by: 'finding_id', after: 'finding_id > ?' },
  last_seen: { by: 'last_seen, finding_id', after: '(last_seen, finding_id) > (?, ?)' },
  '-last_seen': { by: 'last_seen DESC, finding_id DESC', after: '(last_seen, finding_id) < (?, ?)' },
};

export const listFindingStates = (core: Core, input: ListFindingsInput = {}): FindingPage => {
  const i = decodeOrThrow(ListFindingsInput, input);
  const sort = i.sort ?? 'finding_id';
  const where: string[] = [];
  const params: string[] = [];
  const filter = (clause: string, value: string | undefined) => {
    if (value !== undefined) (where.push(clause), params.push(value));
  };
  filter('asset_id = ?', i.assetId);
  filter('lifecycle = ?', i.lifecycle);
  filter('rule_id = ?', i.ruleId);
  filter('account_id = ?', i.accountId);
  filter('region = ?', i.region);
  if (i.cursor !== undefined) {
    where.push(orders[sort].after);
    params.push(...(sort === 'finding_id' ? [i.cursor] : seenKeyOf(i.cursor)));
  }
  const limit = i.limit ?? 1000;
  const rows = sql<unknown[], FindingRow>(
    core,
    `SELECT * FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orders[sort].by} LIMIT ?`,
  ).all(...params, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const notes = notesOfPage(core, page.map((r) => r.finding_id));
  return {
    findings: page.map((r) => findingRecord(r, notes.get(r.finding_id) ?? [])),
    next_cursor:
      rows.length > limit && last !== undefined ? (sort === 'finding_id' ? last.finding_id : seenCursorOf(last)) : null,
  };
};
