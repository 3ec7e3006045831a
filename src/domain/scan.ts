import { DomainError } from '../errors.js';
import type { DomainEvent, DomainEventOf, Instant, JsonRecord, ScanStatus } from '../events/index.js';
import type { Decider } from './decider.js';

export type ScanEvent = Extract<
  DomainEvent,
  { type: 'ScanStarted' | 'ScanCompleted' | 'ScanFailed' | 'ScanCancelled' | 'ScanArchived' }
>;
export const scanTypes: ReadonlySet<string> = new Set<string>(['ScanStarted', 'ScanCompleted', 'ScanFailed', 'ScanCancelled', 'ScanArchived']);
export const isScanEvent = (e: { type: string }): e is ScanEvent => scanTypes.has(e.type);

export interface Scan {
  readonly scanId: string;
  readonly snapshotId: string;
  readonly status: ScanStatus;
  readonly startedAt: Instant;
  readonly completedAt: Instant | null;
  readonly configName: string;
  readonly accountId: string;
  readonly region: string;
  readonly collectors: readonly string[];
  readonly fullScope: boolean;
  readonly assetCount: number;
  readonly findingCount: number;
  readonly errorMessage: string;
  readonly durationSeconds: number;
  readonly metadata: JsonRecord;
  readonly archived: boolean;
}
export type ScanState = Scan | null;

export type ScanCommand =
  | { type: 'StartScan'; data: DomainEventOf<'ScanStarted'>['data'] }
  | {
      type: 'CompleteScan';
      data: { scanId: string; assetCount: number; findingCount: number; errorMessage: string; at: Instant };
    }
  | { type: 'CancelScan'; data: DomainEventOf<'ScanCancelled'>['data'] }
  | { type: 'ArchiveScan'; data: DomainEventOf<'ScanArchived'>['data'] };

export const isFinished = (status: ScanStatus): boolean =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

const seconds = (from: Instant, to: Instant): number => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

const evolve = (state: ScanState, event: ScanEvent): ScanState => {
  if (event.type === 'ScanStarted') {
    const d = event.data;
    return {
      scanId: d.scanId,
      snapshotId: d.snapshotId,
      status: 'running',
      startedAt: d.startedAt,
      completedAt: null,
      configName: d.configName,
      accountId: d.accountId,
      region: d.region,
      collectors: d.collectors,
      fullScope: d.fullScope,
      assetCount: 0,
      findingCount: 0,
      errorMessage: '',
      durationSeconds: 0,
      metadata: d.metadata,
      archived: false,
    };
  }
  if (state === null) return null;
  switch (event.type) {
    case 'ScanCompleted':
    case 'ScanFailed': {
      const d = event.data;
      return {
        ...state,
        status: event.type === 'ScanCompleted' ? 'completed' : 'failed',
        completedAt: d.completedAt,
        assetCount: d.assetCount,
        findingCount: d.findingCount,
        errorMessage: event.type === 'ScanFailed' ? event.data.error : '',
        durationSeconds: d.durationSeconds,
      };
    }
    case 'ScanCancelled':
      return {
        ...state,
        status: 'cancelled',
        completedAt: event.data.cancelledAt,
        durationSeconds: seconds(state.startedAt, event.data.cancelledAt),
      };
    case 'ScanArchived':
      return { ...state, archived: true };
  }
};

const unknown = (scanId: string) => new DomainError('unknown_scan', `scan ${scanId} is not known`);

const decide = (state: ScanState, command: ScanCommand): readonly ScanEvent[] | DomainError => {
  const { scanId } = command.data;
  if (command.type === 'StartScan')
    return state === null
      ? [{ type: 'ScanStarted', data: command.data }]
      : new DomainError('illegal_transition', `scan ${scanId} was already started (${state.status})`);
  if (state === null) return unknown(scanId);
  switch (command.type) {
    case 'CompleteScan': {
      if (state.status !== 'running')
        return new DomainError('illegal_transition', `scan ${scanId} is ${state.status}, not running`);
      const { assetCount, findingCount, errorMessage, at } = command.data;
      const durationSeconds = seconds(state.startedAt, at);
      // An error message makes the scan failed, as in the original's complete_scan.
      return errorMessage === ''
        ? [{ type: 'ScanCompleted', data: { scanId, assetCount, findingCount, completedAt: at, durationSeconds } }]
        : [{ type: 'ScanFailed', data: { scanId, assetCount, findingCount, error: errorMessage, completedAt: at, durationSeconds } }];
    }
    case 'CancelScan':
      if (state.status !== 'running' && state.status !== 'pending')
        return new DomainError('illegal_transition', `scan ${scanId} is ${state.status}, not running`);
      return [{ type: 'ScanCancelled', data: command.data }];
    case 'ArchiveScan':
      if (state.archived) return [];
      if (!isFinished(state.status))
        return new DomainError('illegal_transition', `scan ${scanId} is ${state.status}; only finished scans are archived`);
      return [{ type: 'ScanArchived', data: command.data }];
  }
};

export const scan: Decider<ScanState, ScanCommand, ScanEvent> = { initialState: () => null, decide, evolve };
export const scanStreamOf = (scanId: string): string => `scan-${scanId}`;
