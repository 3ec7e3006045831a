import { projections as allProjections, type Projection } from '../../projections/index.js';
import { Instant, type ConflictPolicy } from '../events/index.js';
import { InvalidInput } from '../errors.js';
import type { SqliteEventStore } from '../store/index.js';
import type { Identity } from '../domain/index.js';
import * as access from './access.js';
import * as audit from './audit.js';
import * as checkpoints from './checkpoints.js';
import { getDailySeries } from './daily.js';
import type { Core } from './core.js';
import * as findings from './findings.js';
import * as history from './history.js';
import { latestScans, syncOverview } from './overview.js';
import { createJobs } from './jobs.js';
import type {
  CheckpointInput,
  CompleteScanInput,
  DailyWindowInput,
  DecisionInput,
  FalsePositiveInput,
  ListFindingsInput,
  ListScansInput,
  NoteInput,
  StartScanInput,
  SuppressInput,
  TrackFindingInput,
} from './inputs.js';
import { Projector, type ProjectionStatus } from './projector.js';
import * as scans from './scans.js';
import { getFindingStats } from './stats.js';

export interface EngineOptions {
  readonly store: SqliteEventStore;
  readonly clock?: () => number;
  readonly projections?: readonly Projection[];
  /** Called while a projection whose version changed is rebuilt on open. */
  readonly onRebuild?: (name: string, done: number, total: number) => void;
}

/**
 * The seed's StateManager over the event log: commands append events (the domain decides), queries read the
 * projections, which the same append transaction keeps current.
 */
export class StateEngine {
  readonly store: SqliteEventStore;
  private readonly core: Core;
  private readonly projector: Projector;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.projector = new Projector(options.store, options.projections ?? allProjections, options.onRebuild);
    this.core = { store: options.store, projector: this.projector, clock: options.clock ?? Date.now };
  }

  // Scans
  startScan = async (input: StartScanInput, identity?: Identity) => scans.startScan(this.core, input, identity);
  completeScan = async (scanId: string, input: CompleteScanInput, identity?: Identity) =>
    scans.completeScan(this.core, scanId, input, identity);
  cancelScan = async (scanId: string, by = '', reason = '', identity?: Identity) =>
    scans.cancelScan(this.core, scanId, by, reason, identity);
  getScan = async (scanId: string) => scans.getScan(this.core, scanId);
  listScans = async (input: ListScansInput = {}) => scans.listScans(this.core, input);
  getLastScan = async (accountId = '', region = '') => scans.getLastScan(this.core, accountId, region);
  cleanupOldScans = async (days = 90) => scans.cleanupOldScans(this.core, days);
  /** The newest scan of each account and region, whatever its status. */
  latestScans = async () => latestScans(this.core);

  // Checkpoints
  updateCheckpoint = async (input: CheckpointInput, identity?: Identity) =>
    checkpoints.updateCheckpoint(this.core, input, identity);
  getCheckpoint = async (collector: string, accountId = '', region = '') =>
    checkpoints.getCheckpoint(this.core, collector, accountId, region);
  deleteCheckpoint = async (collector: string, accountId = '', region = '', identity?: Identity) =>
    checkpoints.deleteCheckpoint(this.core, collector, accountId, region, identity);
  listCheckpoints = async (filter: { collector?: string | undefined; accountId?: string | undefined } = {}) =>
    checkpoints.listCheckpoints(this.core, filter);

  // Findings
  // Decisions: with an identity, it is the actor (its scopes apply) and `by` names whom an admin or service acts for.
  trackFinding = async (input: TrackFindingInput, identity?: Identity) => findings.trackFinding(this.core, input, identity);
  trackFindings = async (
    records: readonly TrackFindingInput[],
    options: { scanId?: string | undefined } = {},
    identity?: Identity,
  ) => findings.trackFindings(this.core, records, options, identity);
  resolveFinding = async (findingId: string, input: DecisionInput = {}, identity?: Identity) =>
    findings.resolveFinding(this.core, findingId, input, identity);
  suppressFinding = async (findingId: string, input: SuppressInput, identity?: Identity) =>
    findings.suppressFinding(this.core, findingId, input, identity);
  unsuppressFinding = async (findingId: string, by?: string, identity?: Identity) =>
    findings.unsuppressFinding(this.core, findingId, { by }, identity);
  markFalsePositive = async (findingId: string, input: FalsePositiveInput, identity?: Identity) =>
    findings.markFalsePositive(this.core, findingId, input, identity);
  addFindingNote = async (findingId: string, input: NoteInput, identity?: Identity) =>
    findings.addFindingNote(this.core, findingId, input, identity);
  getFindingState = async (findingId: string) => findings.getFindingState(this.core, findingId);
  listFindingStates = async (input: ListFindingsInput = {}) => findings.listFindingStates(this.core, input);
  getFindingStats = async () => getFindingStats(this.core);
  /** New, resolved and open findings per UTC day (the finding_days read model). */
  getDailySeries = async (window: DailyWindowInput = {}) => getDailySeries(this.core, window);
  expireSuppressions = async () => scans.expireSuppressions(this.core);

  // Audit
  getFindingHistory = async (findingId: string) => history.getFindingHistory(this.core, findingId);
  getFindingAsOf = async (findingId: string, asOf: string) => {
    if (!Instant.is(asOf)) throw new InvalidInput('as_of', asOf, 'an ISO-8601 UTC instant');
    return history.getFindingAsOf(this.core, findingId, asOf);
  };

  // Access: identities (tokens), the suppression policy, the access audit
  readonly access = {
    createToken: async (input: access.CreateTokenInput, identity?: Identity) => access.createToken(this.core, input, identity),
    revokeToken: async (name: string, identity?: Identity) => access.revokeToken(this.core, name, identity),
    listTokens: async () => access.listTokens(this.core),
    /** Synchronous: it runs on every request, before anything else. */
    authenticate: (token: string): Identity | null => access.authenticate(this.core, token),
    hasActiveTokens: (): boolean => access.hasActiveTokens(this.core),
    suppressionPolicy: async () => access.getSuppressionPolicy(this.core),
    setSuppressionPolicy: async (maxDays: number | null, identity?: Identity) =>
      access.setSuppressionPolicy(this.core, maxDays, identity),
    recordRefusal: (refusal: audit.Refusal): void => audit.recordRefusal(this.core, refusal),
    audit: async (options: { since?: string | undefined; limit?: number | undefined } = {}) =>
      audit.listAudit(this.core, options),
  };

  // Projections
  projectionStatus = async (): Promise<ProjectionStatus[]> => this.projector.status();
  projectionNames = (): string[] => this.projector.names();
  rebuildProjections = async (name?: string, onProgress?: (name: string, done: number, total: number) => void) => {
    if (name !== undefined && !this.projector.names().includes(name))
      throw new InvalidInput('projection', name, `one of ${this.projector.names().join(', ')}`);
    return this.projector.rebuild(name, onProgress);
  };
  /**
   * Sets the conflict policy replicas merge concurrent decisions with (sync's --conflict) and looks again for the
   * hub's central origin; when either changed, the projections are folded again. Returns whether they were.
   */
  remerge = (policy?: ConflictPolicy): boolean => this.projector.remerge(policy);
  mergeContext = () => this.projector.context.merge();

  /** Applies what other writers appended without projections; the position every read model reflects. */
  refresh = (): number => {
    this.projector.refresh();
    return this.projector.position();
  };

  /** Per hub and origin: what was pushed and pulled, how new the newest pulled event is, blocks (sync_status). */
  syncOverview = async () => syncOverview(this.core);

  // Jobs (the scheduler's commands and queries): src/engine/jobs.ts
  readonly jobs = createJobs(() => this.core);

  close = async (): Promise<void> => this.store.close();
}
