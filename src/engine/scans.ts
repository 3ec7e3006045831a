import { scanFromRow, type ScanRow } from '../../projections/index.js';
import { finding, findingStreamOf, isScanEvent, scan, scanStreamOf, type FindingCommand, type Identity, type ScanCommand, type ScanState } from '../domain/index.js';
import { DomainError } from '../errors.js';
import { asDomainEvent, decodeOrThrow, instantOf, type DomainEvent, type Instant } from '../events/index.js';
import type { StreamWrite } from '../ports/log.js';
import type { Filter } from '../ports/read-models.js';
import { now, type Core } from './core.js';
import { attributed, metaOf, requireScope } from './actor.js';
import { decideAndCommit, loadMany, loadOne, toNewEvents, type CommandMeta, type EntityKind } from './decide.js';
import { findingKind } from './findings.js';
import { CompleteScanInput, ListScansInput, StartScanInput } from './inputs.js';
import { scanRecord, type ScanRecord } from './records.js';

/** A scan's decision state: its read-model row. Scans are their starter's: only its events move the row. */
export const scanKind: EntityKind<ScanState> = {
  table: 'scans',
  key: 'scan_id',
  streamOf: scanStreamOf,
  fromRow: (row) => scanFromRow(row as unknown as ScanRow),
  initial: null,
  evolve: (state, event) => {
    const e = asDomainEvent(event);
    return isScanEvent(e) ? scan.evolve(state, e) : state;
  },
};

const rowOf = async (core: Core, scanId: string): Promise<ScanRow | undefined> =>
  (await core.backend.models.rows({ table: 'scans', where: [{ column: 'scan_id', op: '=', value: scanId }] }))[0] as ScanRow | undefined;

export const getScan = async (core: Core, scanId: string): Promise<ScanRecord | null> => {
  const row = await rowOf(core, scanId);
  return row === undefined ? null : scanRecord(row);
};

const required = async (core: Core, scanId: string): Promise<ScanRecord> => {
  const record = await getScan(core, scanId);
  if (record === null) throw new DomainError('unknown_scan', `scan ${scanId} is not known`);
  return record;
};

/** Only the origin that started a scan reports its outcome (a replica refuses it from any other). */
const requireStarter = async (core: Core, scanId: string): Promise<void> => {
  const row = await rowOf(core, scanId);
  if (row !== undefined && row.origin !== core.backend.origin)
    throw new DomainError('illegal_transition', `scan ${scanId} was started by ${row.origin}; only that origin reports its outcome`);
};

const decideScan = async (core: Core, command: ScanCommand, meta: CommandMeta = {}, identity?: Identity): Promise<number> => {
  const id = command.data.scanId;
  const stream = scanStreamOf(id);
  const { appended } = await decideAndCommit(core, stream, async () => {
    const { state, revision } = await loadOne(core, scanKind, id);
    if (state !== null) requireScope(identity, state.accountId, state.region, `scan ${id}`);
    const decided = scan.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    return { writes: decided.length === 0 ? [] : [{ stream, events: toNewEvents(decided, meta), expectedRevision: revision }], value: null };
  });
  return appended.length;
};

export const startScan = async (core: Core, input: StartScanInput, identity?: Identity): Promise<ScanRecord> => {
  const i = decodeOrThrow(StartScanInput, input);
  requireScope(identity, i.accountId ?? '', i.region ?? '', `scan ${i.scanId}`);
  await decideScan(
    core,
    {
      type: 'StartScan',
      data: {
        scanId: i.scanId,
        snapshotId: i.snapshotId,
        configName: i.configName ?? 'default',
        accountId: i.accountId ?? '',
        region: i.region ?? '',
        collectors: i.collectors ?? [],
        fullScope: i.fullScope ?? false,
        startedAt: now(core),
        metadata: i.metadata ?? {},
      },
    },
    metaOf(identity),
  );
  return required(core, i.scanId);
};

/**
 * The open findings of a full-scope scan's (account, region, collectors) it did not observe: candidates from the
 * read model, each decided again by the domain on its own state (a stale candidate resolves nothing).
 */
const unobserved = async (core: Core, record: ScanRecord): Promise<string[]> => {
  const where: Filter[] = [
    { column: 'account_id', op: '=', value: record.account_id },
    { column: 'region', op: '=', value: record.region },
    { column: 'lifecycle', op: 'in', value: ['new', 'recurring', 'reopened'] },
  ];
  if (record.collectors.length > 0) where.push({ column: 'collector', op: 'in', value: record.collectors });
  const rows = await core.backend.models.rows({ table: 'findings', where, columns: ['finding_id', 'last_scan_id'] });
  return rows.filter((r) => r.last_scan_id !== record.scan_id).map((r) => r.finding_id as string);
};

/**
 * Completes a scan; a completed full-scope scan resolves, in the same commit, the open findings of its scope it
 * did not observe (reason `not_observed`). Then suppressions whose end has passed expire.
 */
export const completeScan = async (core: Core, scanId: string, input: CompleteScanInput, identity?: Identity): Promise<ScanRecord> => {
  const i = decodeOrThrow(CompleteScanInput, input);
  await requireStarter(core, scanId);
  const at = now(core);
  const command: ScanCommand = {
    type: 'CompleteScan',
    data: { scanId, assetCount: i.assetCount, findingCount: i.findingCount, errorMessage: i.errorMessage ?? '', at },
  };
  const stream = scanStreamOf(scanId);
  await decideAndCommit(core, `scan ${scanId} or a finding it resolves`, async () => {
    const { state, revision } = await loadOne(core, scanKind, scanId);
    if (state !== null) requireScope(identity, state.accountId, state.region, `scan ${scanId}`);
    const decided = scan.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    const writes: StreamWrite[] = [{ stream, events: toNewEvents(decided, metaOf(identity)), expectedRevision: revision }];
    const record = await getScan(core, scanId);
    if (decided.some((e) => e.type === 'ScanCompleted') && record?.full_scope === true) {
      const candidates = await unobserved(core, record);
      const findings = await loadMany(core, findingKind, candidates);
      for (const id of candidates) {
        const loaded = findings.get(id);
        if (loaded === undefined) continue;
        const resolve: FindingCommand = {
          type: 'ResolveFinding',
          data: { findingId: id, by: 'stance-state', reason: 'not_observed', scanId, at, onlyIfOpen: true },
        };
        const events = finding.decide(loaded.state, resolve);
        if (events instanceof DomainError || events.length === 0) continue;
        writes.push({ stream: findingStreamOf(id), events: toNewEvents(events as DomainEvent[]), expectedRevision: loaded.revision });
      }
    }
    return { writes, value: null };
  });
  await expireSuppressions(core, at);
  return required(core, scanId);
};

/**
 * Suppressions whose end has passed expire: candidates from the read model, each decided by the domain on its own
 * loaded state (ExpireSuppression), all in one commit. Returns how many expired.
 */
export const expireSuppressions = async (core: Core, at: Instant = now(core)): Promise<number> => {
  const { value } = await decideAndCommit(core, 'a suppression that ended', async () => {
    const rows = await core.backend.models.rows({
      table: 'findings',
      where: [
        { column: 'lifecycle', op: '=', value: 'suppressed' },
        { column: 'suppressed_until', op: 'is not null' },
        { column: 'suppressed_until', op: '<=', value: at },
      ],
      columns: ['finding_id'],
    });
    const ids = rows.map((r) => r.finding_id as string);
    const loaded = await loadMany(core, findingKind, ids);
    const writes: StreamWrite[] = [];
    for (const id of ids) {
      const l = loaded.get(id);
      if (l === undefined) continue;
      const events = finding.decide(l.state, { type: 'ExpireSuppression', data: { findingId: id, now: at } });
      if (events instanceof DomainError || events.length === 0) continue;
      writes.push({ stream: findingStreamOf(id), events: toNewEvents(events as DomainEvent[]), expectedRevision: l.revision });
    }
    return { writes, value: writes.length };
  });
  return value;
};

export const cancelScan = async (core: Core, scanId: string, by = '', reason = '', identity?: Identity): Promise<ScanRecord> => {
  await requireStarter(core, scanId);
  const a = attributed(identity, by || undefined);
  await decideScan(core, { type: 'CancelScan', data: { scanId, by: a.by, reason, cancelledAt: now(core) } }, a.meta, identity);
  return required(core, scanId);
};

export interface ScanQuery {
  readonly status?: string | undefined;
  readonly since?: string | undefined;
  readonly accountId?: string | undefined;
  readonly region?: string | undefined;
  /** Continue strictly after this scan in (started_at, scan_id) order: the keyset of the scans_by_start index. */
  readonly after?: { readonly startedAt: string; readonly scanId: string } | undefined;
  readonly limit: number;
}

/** Scans newest first, filtered; what `listScans` and the HTTP API's pages both read. */
export const queryScans = async (core: Core, q: ScanQuery): Promise<ScanRecord[]> => {
  const where: Filter[] = [];
  if (q.status !== undefined) where.push({ column: 'status', op: '=', value: q.status });
  if (q.since !== undefined) where.push({ column: 'started_at', op: '>=', value: q.since });
  if (q.accountId !== undefined) where.push({ column: 'account_id', op: '=', value: q.accountId });
  if (q.region !== undefined) where.push({ column: 'region', op: '=', value: q.region });
  const rows = await core.backend.models.rows({
    table: 'scans',
    where,
    ...(q.after === undefined ? {} : { after: { columns: ['started_at', 'scan_id'], values: [q.after.startedAt, q.after.scanId] } }),
    order: [
      { column: 'started_at', desc: true },
      { column: 'scan_id', desc: true },
    ],
    limit: q.limit,
  });
  return rows.map((r) => scanRecord(r as unknown as ScanRow));
};

export const listScans = async (core: Core, input: ListScansInput = {}): Promise<ScanRecord[]> => {
  const i = decodeOrThrow(ListScansInput, input);
  return queryScans(core, { ...i, limit: i.limit ?? 100 });
};

/**
 * The newest completed scan of the filter, chosen by the query: the original fetched one row and filtered after, so
 * a newer scan of another account hid the answer.
 */
export const getLastScan = async (core: Core, accountId = '', region = ''): Promise<ScanRecord | null> => {
  const where: Filter[] = [{ column: 'status', op: '=', value: 'completed' }];
  if (accountId !== '') where.push({ column: 'account_id', op: '=', value: accountId });
  if (region !== '') where.push({ column: 'region', op: '=', value: region });
  const [row] = await core.backend.models.rows({
    table: 'scans',
    where,
    order: [
      { column: 'completed_at', desc: true },
      { column: 'started_at', desc: true },
      { column: 'scan_id', desc: true },
    ],
    limit: 1,
  });
  return row === undefined ? null : scanRecord(row as unknown as ScanRow);
};

/**
 * Retention: archives finished scans that started more than `days` ago, replicated ones too (retention is each
 * replica's own, and archiving never travels); their events stay in the log.
 */
export const cleanupOldScans = async (core: Core, days: number): Promise<number> => {
  if (!Number.isSafeInteger(days) || days < 0) throw new DomainError('illegal_transition', `days must be >= 0, got ${days}`);
  const archivedAt = now(core);
  const cutoff = instantOf(core.clock() - days * 86_400_000);
  const old = await core.backend.models.rows({
    table: 'scans',
    where: [
      { column: 'started_at', op: '<', value: cutoff },
      { column: 'status', op: 'in', value: ['completed', 'failed', 'cancelled'] },
    ],
    columns: ['scan_id'],
  });
  let archived = 0;
  for (const { scan_id } of old)
    if ((await decideScan(core, { type: 'ArchiveScan', data: { scanId: scan_id as string, archivedAt, retentionDays: days } })) > 0) archived += 1;
  return archived;
};

export const isOpenLifecycle = (l: string): boolean => l === 'new' || l === 'recurring' || l === 'reopened';
