import * as t from 'io-ts';
import { Id, Instant, JsonRecord, NonNegativeInt, NonNegativeNumber, Text } from './primitives.js';

export const ScanStatus = t.keyof(
  { pending: null, running: null, completed: null, failed: null, cancelled: null },
  'ScanStatus',
);
export type ScanStatus = t.TypeOf<typeof ScanStatus>;

/** An account or region name; empty means "not given", as in the original. */
export const Scope = t.refinement(t.string, (s) => s.length <= 256 && !/[\u0000-\u001f\u007f]/.test(s), 'scope name');
/** An account or region someone names (an argument, a body field): empty is bad input, as every empty id is. */
export const ScopeName = t.refinement(Scope, (s) => s.length > 0, 'scope name (1-256 characters, no control characters)');

/** Schema 1 of each scan event's data. A new shape is schema 2 plus an upcaster, never an edit here. */
export const scanEvents = {
  ScanStarted: t.strict({
    scanId: Id,
    snapshotId: Id,
    configName: Id,
    accountId: Scope,
    region: Scope,
    collectors: t.array(Id),
    /** The scan covers every resource of (account, region, collectors): unseen open findings may be resolved. */
    fullScope: t.boolean,
    startedAt: Instant,
    metadata: JsonRecord,
  }),
  ScanCompleted: t.strict({
    scanId: Id,
    assetCount: NonNegativeInt,
    findingCount: NonNegativeInt,
    completedAt: Instant,
    durationSeconds: NonNegativeNumber,
  }),
  ScanFailed: t.strict({
    scanId: Id,
    assetCount: NonNegativeInt,
    findingCount: NonNegativeInt,
    error: Text,
    completedAt: Instant,
    durationSeconds: NonNegativeNumber,
  }),
  ScanCancelled: t.strict({ scanId: Id, by: Text, reason: Text, cancelledAt: Instant }),
  /** Retention: the scan leaves the read model; its events stay for audit. */
  ScanArchived: t.strict({ scanId: Id, archivedAt: Instant, retentionDays: NonNegativeInt }),
};
