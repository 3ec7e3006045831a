import type { ScanRow } from '../../projections/index.js';
import { isOpen, scan, scanStreamOf, type Identity, type ScanCommand } from '../domain/index.js';
import { DomainError } from '../errors.js';
import { decodeOrThrow, instantOf, type DomainEvent, type Instant, type NewEvent } from '../events/index.js';
import { WrongExpectedRevision, type StreamWrite } from '../store/index.js';
import { now, sql, type Core } from './core.js';
import { attributed, metaOf, requireScope } from './actor.js';
import { handle, loadFromStream, toNewEvents, type CommandMeta } from './handle.js';
import { CompleteScanInput, ListScansInput, StartScanInput } from './inputs.js';
import { scanRecord, type ScanRecord } from './records.js';
import { findingStreamOf } from '../domain/index.js';

const getRow = (core: Core, scanId: string): ScanRow | undefined =>
  sql<[string], ScanRow>(core, 'SELECT * FROM scans WHERE scan_id = ?').get(scanId);

export const getScan = (core: Core, scanId: string): ScanRecord | null => {
  const row = getRow(core, scanId);
  return row === undefined ? null : scanRecord(row);
};

const required = (core: Core, scanId: string): ScanRecord => {
  const record = getScan(core, scanId);
  if (record === null) throw new DomainError('unknown_scan', `scan ${scanId} is not known`);
  return record;
};

const decideScan = (core: Core, command: ScanCommand, meta: CommandMeta = {}): void => {
  const stream = scanStreamOf(command.data.scanId);
  handle(core.store, stream, scan, () => loadFromStream(core.store, stream, scan), command, meta);
};

export const startScan = (core: Core, input: StartScanInput, identity?: Identity): ScanRecord => {
  const i = decodeOrThrow(StartScanInput, input);
  requireScope(identity, i.accountId ?? '', i.region ?? '', `scan ${i.scanId}`);
  decideScan(core, {
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
  }, metaOf(identity));
  return required(core, i.scanId);
};

interface OpenInScope {
  finding_id: string;
  revision: number;
}

/**
 * Completing a full-scope scan resolves the open findings of its (account, region, collectors) it did not observe,
 * in the same atomic batch as the completion. Opt-in: only scans started with fullScope.
 */
const unobserved = (core: Core, record: ScanRecord): OpenInScope[] => {
  const collectors = record.collectors;
  const byCollector = collectors.length === 0 ? '' : ` AND collector IN (${collectors.map(() => '?').join(', ')})`;
  return sql<unknown[], OpenInScope>(core, 
      `SELECT finding_id, revision FROM findings WHERE account_id = ? AND region = ?
        AND lifecycle IN ('new', 'recurring', 'reopened') AND (last_scan_id IS NULL OR last_scan_id <> ?)${byCollector}`,
    )
    .all(record.account_id, record.region, record.scan_id, ...collectors);
};

export const completeScan = (core: Core, scanId: string, input: CompleteScanInput, identity?: Identity): ScanRecord => {
  const i = decodeOrThrow(CompleteScanInput, input);
  const at = now(core);
  const command: ScanCommand = {
    type: 'CompleteScan',
    data: { scanId, assetCount: i.assetCount, findingCount: i.findingCount, errorMessage: i.errorMessage ?? '', at },
  };
  const stream = scanStreamOf(scanId);
  for (let attempt = 0; ; attempt += 1) {
    const { state, revision } = loadFromStream(core.store, stream, scan);
    if (state !== null) requireScope(identity, state.accountId, state.region, `scan ${scanId}`);
    const decided = scan.decide(state, command);
    if (decided instanceof DomainError) throw decided;
    const writes: StreamWrite[] = [{ stream, events: toNewEvents(decided, metaOf(identity)), expectedRevision: revision }];
    const completed = decided.some((e) => e.type === 'ScanCompleted');
    const record = state === null ? null : getScan(core, scanId);
    if (completed && record?.full_scope === true)
      for (const f of unobserved(core, record)) {
        const resolved: DomainEvent = {
          type: 'FindingResolved',
          data: { findingId: f.finding_id, by: 'stance-state', reason: 'not_observed', scanId, at },
        };
        writes.push({ stream: findingStreamOf(f.finding_id), events: toNewEvents([resolved]), expectedRevision: f.revision });
      }
    try {
      core.store.appendSync(writes);
      break;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      if (attempt >= 1) throw new DomainError('conflict', `scan ${scanId} or a finding it resolves was changed by another writer; try again`);
    }
  }
  expireSuppressions(core, at);
  return required(core, scanId);
};

/** Writes SuppressionExpired for every suppression whose end has passed; returns how many. */
export const expireSuppressions = (core: Core, at: Instant = now(core)): number => {
  const due = sql<[string], { finding_id: string; suppressed_until: string; revision: number }>(core, 
      `SELECT finding_id, suppressed_until, revision FROM findings
       WHERE lifecycle = 'suppressed' AND suppressed_until IS NOT NULL AND suppressed_until <= ?`,
    )
    .all(at);
  if (due.length === 0) return 0;
  const writes: StreamWrite[] = due.map((f) => ({
    stream: findingStreamOf(f.finding_id),
    events: [{ type: 'SuppressionExpired', data: { findingId: f.finding_id, expiredAt: f.suppressed_until } }] as NewEvent[],
    expectedRevision: f.revision,
  }));
  core.store.appendSync(writes);
  return due.length;
};

export const cancelScan = (core: Core, scanId: string, by = '', reason = '', identity?: Identity): ScanRecord => {
  const stream = scanStreamOf(scanId);
  const state = loadFromStream(core.store, stream, scan).state;
  if (state !== null) requireScope(identity, state.accountId, state.region, `scan ${scanId}`);
  const a = attributed(identity, by || undefined);
  decideScan(core, { type: 'CancelScan', data: { scanId, by: a.by, reason, cancelledAt: now(core) } }, a.meta);
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
export const queryScans = (core: Pick<Core, 'store'>, q: ScanQuery): ScanRecord[] => {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (q.status !== undefined) (where.push('status = ?'), params.push(q.status));
  if (q.since !== undefined) (where.push('started_at >= ?'), params.push(q.since));
  if (q.accountId !== undefined) (where.push('account_id = ?'), params.push(q.accountId));
  if (q.region !== undefined) (where.push('region = ?'), params.push(q.region));
  if (q.after !== undefined)
    where.push('(started_at < ? OR (started_at = ? AND scan_id < ?))'),
      params.push(q.after.startedAt, q.after.startedAt, q.after.scanId);
  const text = `SELECT * FROM scans ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, scan_id DESC LIMIT ?`;
  return sql<unknown[], ScanRow>(core, text).all(...params, q.limit).map(scanRecord);
};

export const listScans = (core: Core, input: ListScansInput = {}): ScanRecord[] => {
  const i = decodeOrThrow(ListScansInput, input);
  return queryScans(core, { ...i, limit: i.limit ?? 100 });
};

/**
 * The newest completed scan of the filter, chosen in SQL: the original fetched one row and filtered after, so a
 * newer scan of another account hid the answer.
 */
export const getLastScan = (core: Core, accountId = '', region = ''): ScanRecord | null => {
  const where = ["status = 'completed'"];
  const params: string[] = [];
  if (accountId !== '') (where.push('account_id = ?'), params.push(accountId));
  if (region !== '') (where.push('region = ?'), params.push(region));
  const row = sql<string[], ScanRow>(core, 
      `SELECT * FROM scans WHERE ${where.join(' AND ')} ORDER BY completed_at DESC, started_at DESC, scan_id DESC LIMIT 1`,
    )
    .get(...params);
  return row === undefined ? null : scanRecord(row);
};

/** Retention: archives finished scans that started more than `days` ago; their events stay in the log. */
export const cleanupOldScans = (core: Core, days: number): number => {
  if (!Number.isSafeInteger(days) || days < 0) throw new DomainError('illegal_transition', `days must be >= 0, got ${days}`);
  const archivedAt = now(core);
  const cutoff = instantOf(core.clock() - days * 86_400_000);
  const old = sql<[string], { scan_id: string }>(core, 
      `SELECT scan_id FROM scans WHERE started_at < ? AND status IN ('completed', 'failed', 'cancelled')`,
    )
    .all(cutoff);
  let archived = 0;
  for (const { scan_id } of old) {
    const stream = scanStreamOf(scan_id);
    const result = handle(core.store, stream, scan, () => loadFromStream(core.store, stream, scan), {
      type: 'ArchiveScan',
      data: { scanId: scan_id, archivedAt, retentionDays: days },
    });
    if (result.appended.length > 0) archived += 1;
  }
  return archived;
};

export const isOpenLifecycle = isOpen;
